#include "core/records.h"

#include <fmt/format.h>

namespace uplift {
namespace {

template <typename E, std::size_t N>
std::optional<E> lookup(const std::array<std::string_view, N>& names, std::string_view s) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == s) return static_cast<E>(i);
  return std::nullopt;
}

constexpr std::array<std::string_view, 7> kKindNames = {"account", "learner", "event", "completion",
                                                        "attendance", "arr", "renewal"};
constexpr std::array<std::string_view, 4> kAudienceNames = {"customer", "trial", "partner", "employee"};
constexpr std::array<std::string_view, 4> kStatusNames = {"started", "completed", "passed", "failed"};
constexpr std::array<std::string_view, 4> kOutcomeNames = {"renewed", "churned", "expanded", "contracted"};

}  // namespace

std::string_view kind_name(RecordKind k) { return kKindNames[static_cast<std::size_t>(k)]; }
std::optional<RecordKind> parse_kind(std::string_view s) { return lookup<RecordKind>(kKindNames, s); }
std::string_view audience_name(Audience a) { return kAudienceNames[static_cast<std::size_t>(a)]; }
std::optional<Audience> parse_audience(std::string_view s) { return lookup<Audience>(kAudienceNames, s); }
std::string_view completion_status_name(CompletionStatus s) { return kStatusNames[static_cast<std::size_t>(s)]; }
std::optional<CompletionStatus> parse_completion_status(std::string_view s) {
  return lookup<CompletionStatus>(kStatusNames, s);
}
std::string_view renewal_outcome_name(RenewalOutcome o) { return kOutcomeNames[static_cast<std::size_t>(o)]; }
std::optional<RenewalOutcome> parse_renewal_outcome(std::string_view s) {
  return lookup<RenewalOutcome>(kOutcomeNames, s);
}

bool valid_alias(std::string_view alias) {
  auto colon = alias.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 32) return false;
  for (char c : alias.substr(0, colon))
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  std::string_view value = alias.substr(colon + 1);
  if (value.empty() || value.size() > 320) return false;
  for (unsigned char c : value)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

std::string email_alias(std::string_view email) {
  if (email.empty()) return {};
  std::string out = "email:";
  for (char c : email) out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

std::string record_key(const Record& r) {
  struct Visitor {
    std::string operator()(const Account& a) const { return a.id; }
    std::string operator()(const Learner& l) const { return l.id; }
    std::string operator()(const Event& e) const { return e.id; }
    std::string operator()(const Completion& c) const {
      if (!c.id.empty()) return "id:" + c.id;
      return fmt::format("{}|{}|{}|{}", c.learner, c.content, completion_status_name(c.status), c.ts);
    }
    std::string operator()(const Attendance& a) const {
      return fmt::format("{}|{}|{}", a.learner, a.program, a.session);
    }
    std::string operator()(const ArrSnapshot& s) const { return fmt::format("{}|{}", s.account, s.date); }
    std::string operator()(const Renewal& s) const { return fmt::format("{}|{}", s.account, s.date); }
  };
  return std::visit(Visitor{}, r);
}

}  // namespace uplift
