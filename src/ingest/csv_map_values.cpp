// The cell conversions of a mapped CSV import (ingest/csv_map.h): money, dates and times in an
// export's own format, UTC offsets, Salesforce ids.
#include <cctype>
#include <charconv>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "ingest/csv_map.h"

namespace uplift::ingest {
namespace {

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

// Currency signs and the spaces exports put inside numbers (including no-break and thin spaces).
constexpr std::string_view kNoise[] = {"$", "€", "£", "¥", "₹", " ", "\t", "\xC2\xA0", "\xE2\x80\xAF", "\xE2\x80\x89"};

std::string without_noise(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c != '$' && c != ' ' && c != '\t' && c < 0x80) {  // the common case: a digit or separator
      out += text[i++];
      continue;
    }
    bool hit = false;
    for (std::string_view n : kNoise)
      if (text.substr(i, n.size()) == n) {
        i += n.size();
        hit = true;
        break;
      }
    if (!hit) out += text[i++];
  }
  // An ISO currency code before or after the amount: "USD 1,200", "1.200,00 EUR".
  if (out.size() > 3 && is_upper(out[0]) && is_upper(out[1]) && is_upper(out[2])) out.erase(0, 3);
  std::size_t n = out.size();
  if (n > 3 && is_upper(out[n - 1]) && is_upper(out[n - 2]) && is_upper(out[n - 3])) out.resize(n - 3);
  return out;
}

// Local civil time → instant, checked against the calendar.
std::optional<Timestamp> civil_instant(const std::tm& tm, int tz_minutes) {
  int year = tm.tm_year + 1900;
  unsigned month = static_cast<unsigned>(tm.tm_mon + 1), day = static_cast<unsigned>(tm.tm_mday == 0 ? 1 : tm.tm_mday);
  if (month < 1 || month > 12 || year < 1900 || year > 9999) return std::nullopt;
  Date d = days_from_civil(year, month, day);
  int y2;
  unsigned m2, d2;
  civil_from_days(d, y2, m2, d2);
  if (y2 != year || m2 != month || d2 != day) return std::nullopt;  // 02/30
  if (tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) return std::nullopt;
  return start_of(d) + (static_cast<Timestamp>(tm.tm_hour) * 3600 + tm.tm_min * 60 + tm.tm_sec) * 1000 -
         static_cast<Timestamp>(tz_minutes) * 60'000;
}

// strptime over the whole text; nullopt unless every character was read.
std::optional<std::tm> read_with(std::string_view text, const std::string& format, bool& has_offset) {
  std::tm tm{};
  std::string s(text);
  const char* end = ::strptime(s.c_str(), format.c_str(), &tm);
  if (!end) return std::nullopt;
  while (*end == ' ') ++end;
  if (*end != '\0') return std::nullopt;
  has_offset = format.find("%z") != std::string::npos;
  return tm;
}

std::string offset_suffix(int tz_minutes) {
  if (tz_minutes == 0) return "Z";
  int a = tz_minutes < 0 ? -tz_minutes : tz_minutes;
  return fmt::format("{}{:02}:{:02}", tz_minutes < 0 ? '-' : '+', a / 60, a % 60);
}

}  // namespace

std::optional<double> parse_money(std::string_view text, bool decimal_comma, std::string& why) {
  why.clear();
  std::string t = without_noise(text);
  if (t.empty()) return std::nullopt;
  bool negative = false;
  if (t.size() >= 2 && t.front() == '(' && t.back() == ')') {
    negative = true;
    t = t.substr(1, t.size() - 2);
  }
  if (!t.empty() && (t.front() == '-' || t.front() == '+')) {
    negative = negative != (t.front() == '-');
    t.erase(0, 1);
  } else if (!t.empty() && t.back() == '-') {  // "1.200,00-" (SAP-style exports)
    negative = !negative;
    t.pop_back();
  }
  const char decimal = decimal_comma ? ',' : '.';
  const char group = decimal_comma ? '.' : ',';
  std::string digits;
  bool seen_decimal = false, any_digit = false;
  for (char c : t) {
    if (c >= '0' && c <= '9') {
      digits += c;
      any_digit = true;
    } else if (c == decimal && !seen_decimal) {
      digits += '.';
      seen_decimal = true;
    } else if ((c == group || c == '\'') && !seen_decimal && any_digit) {
      continue;  // a grouping separator: "12,000" / "12.000" / "12'000"
    } else {
      why = quoted_cell(text) + " is not a number";
      return std::nullopt;
    }
  }
  double v = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (!any_digit || ec != std::errc() || p != digits.data() + digits.size()) {
    why = quoted_cell(text) + " is not a number";
    return std::nullopt;
  }
  return negative ? -v : v;
}

std::optional<int> parse_utc_offset(std::string_view t) {
  if (t == "UTC" || t == "Z" || t == "utc" || t == "GMT") return 0;
  if (t.size() != 6 && t.size() != 5) return std::nullopt;
  if (t[0] != '+' && t[0] != '-') return std::nullopt;
  std::string digits;
  for (std::size_t i = 1; i < t.size(); ++i) {
    if (t.size() == 6 && i == 3) {
      if (t[i] != ':') return std::nullopt;
      continue;
    }
    if (t[i] < '0' || t[i] > '9') return std::nullopt;
    digits += t[i];
  }
  int h = (digits[0] - '0') * 10 + (digits[1] - '0'), m = (digits[2] - '0') * 10 + (digits[3] - '0');
  if (h > 14 || m > 59) return std::nullopt;
  return (t[0] == '-' ? -1 : 1) * (h * 60 + m);
}

Result<Date> parse_date_as(std::string_view text, const std::string& format) {
  if (format.empty() || format == "iso") {
    if (text.size() == 10) return parse_date(text);
    auto ts = parse_timestamp(text);
    if (ts.ok()) return date_of(*ts);
    return Status::InvalidArgument(quoted_cell(text) + " is not an ISO date (YYYY-MM-DD)");
  }
  bool has_offset = false;
  auto tm = read_with(text, format, has_offset);
  std::optional<Timestamp> at;
  if (tm) at = civil_instant(*tm, 0);
  if (!at) return Status::InvalidArgument(fmt::format("{} is not a date in the format \"{}\"", quoted_cell(text), format));
  return date_of(*at);
}

Result<Timestamp> parse_time_as(std::string_view text, const std::string& format, int tz_minutes) {
  if (format.empty() || format == "iso") {
    if (text.size() == 10) {
      auto d = parse_date(text);
      if (!d.ok()) return d.status();
      return start_of(*d) - static_cast<Timestamp>(tz_minutes) * 60'000;
    }
    auto ts = parse_timestamp(text);
    if (ts.ok()) return ts;
    auto local = parse_timestamp(std::string(text) + offset_suffix(tz_minutes));
    if (local.ok()) return local;
    return Status::InvalidArgument(quoted_cell(text) + " is not an ISO 8601 time");
  }
  bool has_offset = false;
  auto tm = read_with(text, format, has_offset);
  std::optional<Timestamp> at;
  if (tm) at = civil_instant(*tm, has_offset ? static_cast<int>(tm->tm_gmtoff / 60) : tz_minutes);
  if (!at) return Status::InvalidArgument(fmt::format("{} is not a time in the format \"{}\"", quoted_cell(text), format));
  return *at;
}

std::string salesforce_id18(std::string_view id) {
  if (id.size() != 15) return std::string(id);
  static constexpr char kSuffix[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
  std::string out(id);
  for (int chunk = 0; chunk < 3; ++chunk) {
    int bits = 0;
    for (int i = 0; i < 5; ++i) {
      char c = id[static_cast<std::size_t>(chunk * 5 + i)];
      if (!std::isalnum(static_cast<unsigned char>(c))) return std::string(id);
      if (is_upper(c)) bits |= 1 << i;
    }
    out += kSuffix[bits];
  }
  return out;
}

}  // namespace uplift::ingest
