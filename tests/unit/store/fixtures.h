// Small record builders for the store tests.
#pragma once

#include <string>
#include <vector>

#include "core/records.h"
#include "store/store.h"

namespace uplift::testing {

inline Event ev(std::string id, std::string account = "acme", std::string name = "workflow_published",
                Timestamp ts = 1'767'225'600'000, nlohmann::json props = nlohmann::json::object()) {
  Event e;
  e.id = std::move(id);
  e.account = std::move(account);
  e.name = std::move(name);
  e.ts = ts;
  e.props = std::move(props);
  return e;
}

inline Account account_of(std::string id, std::string name = "Acme", std::string tier = "smb") {
  Account a;
  a.id = std::move(id);
  a.name = std::move(name);
  a.tier = std::move(tier);
  return a;
}

inline Learner lrn(std::string id, std::string account = "acme", std::string role = "admin") {
  Learner l;
  l.id = std::move(id);
  l.account = std::move(account);
  l.role = std::move(role);
  return l;
}

// Every record visited by scan_since(after), in visiting order.
inline std::vector<StoredRecord> scan_all(Store& s, Sequence after = 0, std::size_t limit = 0) {
  std::vector<StoredRecord> out;
  Status st = s.scan_since(after, limit, [&](const StoredRecord& r) {
    out.push_back(r);
    return true;
  });
  if (!st.ok()) throw std::runtime_error(st.to_string());
  return out;
}

}  // namespace uplift::testing
