#include "util/time.hpp"

#include <cstdio>
#include <ctime>

namespace hookauth::util {

namespace {

// Reads exactly n digits at s[i], advancing i; -1 when they are not all digits.
int digits(std::string_view s, size_t& i, size_t n) {
  if (i + n > s.size()) return -1;
  int v = 0;
  for (size_t k = 0; k < n; ++k) {
    char c = s[i + k];
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  i += n;
  return v;
}

bool expect(std::string_view s, size_t& i, char c) {
  if (i < s.size() && s[i] == c) {
    ++i;
    return true;
  }
  return false;
}

}  // namespace

std::optional<Clock::time_point> parse_time(std::string_view s) {
  size_t i = 0;
  bool basic = s.size() == 16 && s[8] == 'T';
  int year = digits(s, i, 4);
  if (!basic && !expect(s, i, '-')) return std::nullopt;
  int month = digits(s, i, 2);
  if (!basic && !expect(s, i, '-')) return std::nullopt;
  int day = digits(s, i, 2);
  if (!expect(s, i, 'T') && !expect(s, i, 't')) return std::nullopt;
  int hour = digits(s, i, 2);
  if (!basic && !expect(s, i, ':')) return std::nullopt;
  int minute = digits(s, i, 2);
  if (!basic && !expect(s, i, ':')) return std::nullopt;
  int second = digits(s, i, 2);
  if (year < 1900 || year > 2200 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 60)
    return std::nullopt;
  std::chrono::milliseconds fraction{0};
  if (!basic && expect(s, i, '.')) {
    int scale = 100, ms = 0;
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      ms += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start) return std::nullopt;
    fraction = std::chrono::milliseconds(ms);
  }
  int offset_minutes = 0;
  if (expect(s, i, 'Z') || expect(s, i, 'z')) {
  } else if (!basic && i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int sign = s[i++] == '+' ? 1 : -1;
    int oh = digits(s, i, 2);
    if (!expect(s, i, ':')) return std::nullopt;
    int om = digits(s, i, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return std::nullopt;
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  using namespace std::chrono;
  year_month_day ymd{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                     std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return std::nullopt;
  auto t = sys_days(ymd) + hours(hour) + minutes(minute) + seconds(second) + fraction - minutes(offset_minutes);
  return time_point_cast<Clock::duration>(t);
}

std::int64_t unix_seconds(Clock::time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string format_rfc3339(Clock::time_point t) {
  // floor, not duration_cast: times before the epoch round down, so the milliseconds stay positive.
  auto ms = std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
  auto secs_since = std::chrono::floor<std::chrono::seconds>(std::chrono::milliseconds(ms)).count();
  std::time_t secs = static_cast<std::time_t>(secs_since);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms - secs_since * 1000));
  return buf;
}

}  // namespace hookauth::util
