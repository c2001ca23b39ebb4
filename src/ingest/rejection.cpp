#include "ingest/rejection.h"

namespace uplift::ingest {

std::string format_rejection_without_file(const Rejection& r) {
  std::string out = std::to_string(r.line);
  out += ": ";
  if (!r.field.empty()) {
    out += r.field;
    out += ": ";
  }
  out += r.reason;
  return out;
}

std::string format_rejection(const Rejection& r) {
  return (r.file == "-" ? std::string("<stdin>") : r.file) + ":" + format_rejection_without_file(r);
}

}  // namespace uplift::ingest
