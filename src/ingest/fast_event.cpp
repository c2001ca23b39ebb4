#include "ingest/fast_event.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "core/time.h"

namespace uplift::ingest {
namespace {

// The limits record_from_json applies (core/record_json.cpp); a value past them goes to the full
// parser, which names the problem.
constexpr std::size_t kMaxIdLength = 191;
constexpr std::size_t kMaxTsLength = 64;
constexpr std::size_t kMaxKindLength = 64;

// A cursor over one line. Every method returns false when the text is not what the fast path
// handles; nothing here reports errors.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : p_(s.data()), end_(s.data() + s.size()) {}

  void skip_ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  bool eat(char c) {
    skip_ws();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  bool peek(char c) {
    skip_ws();
    return p_ < end_ && *p_ == c;
  }
  bool at_end() {
    skip_ws();
    return p_ == end_;
  }
  // A string without escapes or control characters (those go to the full parser).
  bool plain_string(std::string_view& out) {
    if (!eat('"')) return false;
    const char* start = p_;
    while (p_ < end_) {
      auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        out = std::string_view(start, static_cast<std::size_t>(p_ - start));
        ++p_;
        return true;
      }
      if (c == '\\' || c < 0x20) return false;
      ++p_;
    }
    return false;
  }
  // A JSON number as double, exactly as nlohmann's parser + get<double>() would give it:
  // integers via (u)int64 (so "-0" is +0.0), other forms correctly rounded. Very long integers
  // and non-finite results are left to the full parser.
  bool number(double& out) {
    skip_ws();
    const char* start = p_;
    bool neg = p_ < end_ && *p_ == '-';
    if (neg) ++p_;
    const char* digits = p_;
    if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    std::size_t int_digits = static_cast<std::size_t>(p_ - digits);
    bool is_float = false;
    if (p_ < end_ && *p_ == '.') {
      is_float = true;
      ++p_;
      const char* f = p_;
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      if (p_ == f) return false;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      is_float = true;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      const char* e = p_;
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      if (p_ == e) return false;
    }
    if (!is_float) {
      if (int_digits > 18) return false;
      std::int64_t v = 0;
      for (const char* d = digits; d < p_; ++d) v = v * 10 + (*d - '0');
      out = static_cast<double>(neg ? -v : v);
      return true;
    }
    auto [ptr, ec] = std::from_chars(start, p_, out);
    return ec == std::errc() && ptr == p_ && std::isfinite(out);
  }

 private:
  const char* p_;
  const char* end_;
};

// id(): a non-empty (when required) string of at most 191 bytes without control characters.
bool valid_id(std::string_view s, bool required) {
  if (s.size() > kMaxIdLength || (required && s.empty())) return false;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

// props: a flat object of plain strings, no duplicate keys, read into views of the line first so
// nothing is written to the event until the whole line has passed.
struct PropsText {
  static constexpr std::size_t kMax = 16;  // more goes to the full parser
  std::array<std::pair<std::string_view, std::string_view>, kMax> pairs;
  std::size_t size = 0;
};

bool parse_props(Cursor& in, PropsText& props) {
  props.size = 0;
  if (!in.eat('{')) return false;
  if (in.eat('}')) return true;
  for (;;) {
    std::string_view key, value;
    if (!in.plain_string(key) || !in.eat(':')) return false;
    if (!in.plain_string(value)) return false;  // numbers, booleans, null, nesting: full parser
    if (props.size == PropsText::kMax) return false;
    for (std::size_t i = 0; i < props.size; ++i)
      if (props.pairs[i].first == key) return false;  // duplicate key: the full parser keeps the last
    props.pairs[props.size++] = {key, value};
    if (in.eat('}')) return true;
    if (!in.eat(',')) return false;
  }
}

// Makes `props` the object of these pairs, reusing the map nodes and strings it already holds (an
// import hands every event a spent one back): with the same number of props, no allocation.
void assign_props(nlohmann::json& props, const PropsText& text) {
  using Object = nlohmann::json::object_t;
  if (!props.is_object()) props = nlohmann::json::object();
  auto& obj = props.get_ref<Object&>();
  std::array<Object::node_type, PropsText::kMax> spare;
  std::size_t spares = 0;
  while (!obj.empty() && spares < spare.size()) spare[spares++] = obj.extract(obj.begin());
  obj.clear();
  for (std::size_t i = 0; i < text.size; ++i) {
    const auto& [key, value] = text.pairs[i];
    if (spares == 0) {
      obj.emplace(std::string(key), std::string(value));
      continue;
    }
    Object::node_type node = std::move(spare[--spares]);
    node.key().assign(key);
    if (auto* s = node.mapped().get_ptr<std::string*>()) s->assign(value);
    else node.mapped() = std::string(value);
    obj.insert(std::move(node));
  }
}

enum Field : unsigned { kKind = 1, kId = 2, kAccount = 4, kName = 8, kTs = 16, kLearner = 32, kQty = 64, kProps = 128 };

}  // namespace

bool fast_event_line(std::string_view text, std::optional<RecordKind> forced, Event& out) {
  if (forced && *forced != RecordKind::kEvent) return false;
  Cursor in(text);
  if (!in.eat('{')) return false;
  std::string_view id, account, name, ts_text, learner;
  double qty = 1.0;
  PropsText props;
  unsigned seen = 0;
  if (in.eat('}')) return false;  // {} has no kind/id: the full parser says which is missing
  for (;;) {
    std::string_view key;
    if (!in.plain_string(key) || !in.eat(':')) return false;
    Field f;
    if (key == "kind") f = kKind;
    else if (key == "id") f = kId;
    else if (key == "account") f = kAccount;
    else if (key == "name") f = kName;
    else if (key == "ts") f = kTs;
    else if (key == "learner") f = kLearner;
    else if (key == "qty") f = kQty;
    else if (key == "props") f = kProps;
    else return false;  // unknown fields are copied into props by the full parser
    if (seen & f) return false;  // duplicate key: the full parser keeps the last one
    seen |= f;
    // The plain-string fields, by the field they fill.
    std::string_view* text = f == kId ? &id : f == kAccount ? &account : f == kName ? &name
                           : f == kTs ? &ts_text : f == kLearner ? &learner : nullptr;
    if (text) {
      if (!in.plain_string(*text)) return false;
    } else if (f == kKind) {
      std::string_view k;
      if (!in.plain_string(k)) return false;
      // With --kind the field is ignored; otherwise it must say "event".
      if (!forced && (k.size() > kMaxKindLength || k != "event")) return false;
    } else if (f == kQty) {
      if (!in.number(qty) || !(qty >= 0 && qty <= kMaxQty)) return false;  // the full parser names it
    } else if (!parse_props(in, props)) {  // kProps
      return false;
    }
    if (in.eat('}')) break;
    if (!in.eat(',')) return false;
  }
  if (!in.at_end()) return false;
  constexpr unsigned kRequired = kId | kAccount | kName | kTs;
  if ((seen & kRequired) != kRequired || (!forced && !(seen & kKind))) return false;
  if (!valid_id(id, true) || !valid_id(account, true) || !valid_id(name, true) || !valid_id(learner, false))
    return false;
  if (ts_text.empty() || ts_text.size() > kMaxTsLength) return false;
  auto ts = parse_timestamp(ts_text);
  if (!ts.ok()) return false;
  out.id.assign(id);
  out.account.assign(account);
  out.name.assign(name);
  out.ts = *ts;
  out.learner.assign(learner);
  out.qty = qty;
  assign_props(out.props, props);
  return true;
}

}  // namespace uplift::ingest
