// `uplift doctor [--repair]` — checks that every stored event can be read back, names each row
// that cannot (sequence number, id, the stored bytes) and, with --repair, restores the rows whose
// damage is known: props written by imports before the fix of issue 22, where a short props text
// lost its first byte ('{') to a NUL. Rows it cannot restore are named and left as they are.
// Exit 0 when nothing is damaged (or everything found was repaired), 1 otherwise, 2 when the
// database cannot be opened.
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "store/store.h"

namespace uplift::cli::cmd_doctor {
namespace {

struct DoctorArgs {
  std::string db;
  bool repair = false;
};

std::string hex_prefix(std::string_view bytes) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < 24; ++i)
    out += fmt::format("{}{:02x}", i ? " " : "", static_cast<unsigned char>(bytes[i]));
  if (bytes.size() > 24) out += " …";
  return out;
}

// The props text a damaged row held before the defect, when the damage is the known one.
std::optional<std::string> restored(std::string_view stored) {
  if (stored.empty() || stored[0] != '\0') return std::nullopt;
  std::string text = "{" + std::string(stored.substr(1));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return text;
}

void run(const DoctorArgs& a) {
  auto store = Store::open(default_store_url(a.db));
  if (!store.ok()) {
    std::fprintf(stderr, "uplift doctor: %s\n", store.status().message().c_str());
    exit_code() = 2;
    return;
  }
  struct Damaged {
    Sequence seq;
    std::string id, stored;
    std::optional<std::string> fix;
  };
  std::vector<Damaged> found;
  Status st = (*store)->scan_damaged_event_props([&](Sequence seq, std::string_view id, std::string_view stored) {
    found.push_back({seq, std::string(id), std::string(stored), restored(stored)});
    return true;
  });
  if (!st.ok()) {
    std::fprintf(stderr, "uplift doctor: %s\n", st.message().c_str());
    exit_code() = 2;
    return;
  }
  std::size_t repaired = 0, unrepairable = 0;
  for (const auto& d : found) {
    std::string line = fmt::format("event '{}' (seq {}): props are not a JSON object (stored bytes: {})", d.id,
                                   d.seq, hex_prefix(d.stored));
    if (!d.fix) {
      ++unrepairable;
      std::printf("%s — not a known kind of damage; left as it is\n", line.c_str());
      continue;
    }
    if (!a.repair) {
      std::printf("%s — repairable: restores %s\n", line.c_str(), d.fix->c_str());
      continue;
    }
    Status r = (*store)->repair_event_props(d.seq, *d.fix);
    if (!r.ok()) {
      ++unrepairable;
      std::printf("%s — repair failed: %s\n", line.c_str(), r.message().c_str());
      continue;
    }
    ++repaired;
    std::printf("%s — repaired: %s\n", line.c_str(), d.fix->c_str());
  }
  std::size_t repairable = found.size() - unrepairable - repaired;
  if (found.empty()) {
    std::printf("%s: every stored event is readable\n", (*store)->describe().c_str());
  } else if (a.repair) {
    std::printf("%zu damaged event(s): %zu repaired, %zu left as they are\n", found.size(), repaired, unrepairable);
  } else {
    std::printf("%zu damaged event(s), %zu repairable: run `uplift doctor --repair` to restore them\n", found.size(),
                repairable);
  }
  exit_code() = (unrepairable > 0 || repairable > 0) ? 1 : 0;
}

void setup(CLI::App& app) {
  auto args = std::make_shared<DoctorArgs>();
  auto* cmd = app.add_subcommand("doctor", "check that every stored record reads back; --repair restores known damage");
  add_db_option(*cmd, args->db);
  cmd->add_flag("--repair", args->repair, "rewrite the rows whose damage is known (props that lost their first byte)");
  cmd->callback([args] { run(*args); });
}

}  // namespace

UPLIFT_COMMAND(doctor, setup);

}  // namespace uplift::cli::cmd_doctor
