#include "util/time.hpp"

#include <cstdio>
#include <ctime>

namespace hookauth::util {

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
