#include "core/time.h"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace uplift {
namespace {

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

bool valid_civil(int y, int m, int d) {
  using namespace std::chrono;
  if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1 || y > 9999) return false;
  return year_month_day{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}}.ok();
}

}  // namespace

Date days_from_civil(int y, unsigned m, unsigned d) {
  using namespace std::chrono;
  return static_cast<Date>(sys_days{year{y} / month{m} / day{d}}.time_since_epoch().count());
}

void civil_from_days(Date days, int& y, unsigned& m, unsigned& d) {
  using namespace std::chrono;
  year_month_day ymd{sys_days{std::chrono::days{days}}};
  y = static_cast<int>(ymd.year());
  m = static_cast<unsigned>(ymd.month());
  d = static_cast<unsigned>(ymd.day());
}

Result<Date> parse_date(std::string_view s) {
  int y, m, d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 0, 4, y) || !digits(s, 5, 2, m) ||
      !digits(s, 8, 2, d))
    return Status::InvalidArgument("not a YYYY-MM-DD date: \"" + std::string(s.substr(0, 40)) + "\"");
  if (!valid_civil(y, m, d))
    return Status::InvalidArgument("no such calendar date: " + std::string(s));
  return days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

namespace {

void put2(char* out, unsigned v) {
  out[0] = static_cast<char>('0' + v / 10);
  out[1] = static_cast<char>('0' + v % 10);
}

// Writes "YYYY-MM-DD" (10 chars) for years 0..9999 without snprintf (hot in state JSON and flags).
bool put_date(char* out, Date date) {
  int y;
  unsigned m, d;
  civil_from_days(date, y, m, d);
  if (y < 0 || y > 9999) return false;
  put2(out, static_cast<unsigned>(y) / 100);
  put2(out + 2, static_cast<unsigned>(y) % 100);
  out[4] = '-';
  put2(out + 5, m);
  out[7] = '-';
  put2(out + 8, d);
  return true;
}

}  // namespace

std::string format_date(Date date) {
  char fast[10];
  if (put_date(fast, date)) return std::string(fast, sizeof fast);
  int y;
  unsigned m, d;
  civil_from_days(date, y, m, d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, m, d);
  return buf;
}

Result<Timestamp> parse_timestamp(std::string_view s) {
  auto bad = [&](const char* why) {
    return Status::InvalidArgument(std::string(why) + ": \"" + std::string(s.substr(0, 40)) + "\"");
  };
  int y, mo, d, h, mi, sec;
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      s[13] != ':' || s[16] != ':' || !digits(s, 0, 4, y) || !digits(s, 5, 2, mo) || !digits(s, 8, 2, d) ||
      !digits(s, 11, 2, h) || !digits(s, 14, 2, mi) || !digits(s, 17, 2, sec))
    return bad("not an RFC 3339 timestamp (want 2026-03-01T12:00:00Z)");
  if (!valid_civil(y, mo, d)) return bad("no such calendar date");
  if (h > 23 || mi > 59 || sec > 60) return bad("time of day out of range");
  if (sec == 60) sec = 59;  // leap second: clamp, as most systems do
  size_t pos = 19;
  int ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    int scale = 100;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (scale > 0) ms += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad("fraction of a second has no digits");
  }
  if (pos >= s.size()) return bad("timestamp has no UTC offset (add Z or +hh:mm)");
  int offset_min = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    int sign = s[pos] == '-' ? -1 : 1;
    if (!digits(s, pos + 1, 2, oh)) return bad("bad UTC offset");
    size_t mpos = pos + 3;
    if (mpos < s.size() && s[mpos] == ':') ++mpos;
    if (!digits(s, mpos, 2, om) || oh > 23 || om > 59) return bad("bad UTC offset");
    offset_min = sign * (oh * 60 + om);
    pos = mpos + 2;
  } else {
    return bad("bad UTC offset");
  }
  if (pos != s.size()) return bad("unexpected characters after timestamp");
  Timestamp days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  Timestamp t = days * kMsPerDay + (h * 3600LL + mi * 60LL + sec) * 1000LL + ms;
  return t - offset_min * 60'000LL;
}

std::string format_timestamp(Timestamp ts) {
  std::string out;
  append_timestamp(out, ts);
  return out;
}

void append_timestamp(std::string& out_text, Timestamp ts) {
  Date day = date_of(ts);
  Timestamp rem = ts - static_cast<Timestamp>(day) * kMsPerDay;
  int h = static_cast<int>(rem / 3'600'000), mi = static_cast<int>(rem / 60'000 % 60),
      sec = static_cast<int>(rem / 1000 % 60), ms = static_cast<int>(rem % 1000);
  char out[24];
  if (put_date(out, day)) {  // "YYYY-MM-DDTHH:MM:SS[.mmm]Z"
    out[10] = 'T';
    put2(out + 11, static_cast<unsigned>(h));
    out[13] = ':';
    put2(out + 14, static_cast<unsigned>(mi));
    out[16] = ':';
    put2(out + 17, static_cast<unsigned>(sec));
    std::size_t n = 19;
    if (ms) {
      out[19] = '.';
      out[20] = static_cast<char>('0' + ms / 100);
      put2(out + 21, static_cast<unsigned>(ms % 100));
      n = 23;
    }
    out[n++] = 'Z';
    out_text.append(out, n);
    return;
  }
  char buf[48];
  if (ms)
    std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02d.%03dZ", format_date(day).c_str(), h, mi, sec, ms);
  else
    std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ", format_date(day).c_str(), h, mi, sec);
  out_text += buf;
}

Date date_of(Timestamp ts) {
  Timestamp d = ts / kMsPerDay;
  if (ts % kMsPerDay < 0) --d;
  return static_cast<Date>(d);
}

Timestamp start_of(Date date) { return static_cast<Timestamp>(date) * kMsPerDay; }

Date Quarter::first() const { return days_from_civil(year, static_cast<unsigned>((q - 1) * 3 + 1), 1); }
Date Quarter::last() const {
  if (q == 4) return days_from_civil(year + 1, 1, 1) - 1;
  return days_from_civil(year, static_cast<unsigned>(q * 3 + 1), 1) - 1;
}
std::string Quarter::name() const { return std::to_string(year) + "Q" + std::to_string(q); }

Result<Quarter> parse_quarter(std::string_view s) {
  int y, q;
  if (s.size() != 6 || (s[4] != 'Q' && s[4] != 'q') || !digits(s, 0, 4, y) || !digits(s, 5, 1, q) || q < 1 ||
      q > 4)
    return Status::InvalidArgument("not a quarter like 2026Q3: \"" + std::string(s.substr(0, 20)) + "\"");
  return Quarter{y, q};
}

Quarter quarter_of(Date date) {
  int y;
  unsigned m, d;
  civil_from_days(date, y, m, d);
  return Quarter{y, static_cast<int>((m - 1) / 3 + 1)};
}

Timestamp wall_clock_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace uplift
