#include "util/time.hpp"

#include <doctest/doctest.h>

namespace hookauth::util {

using namespace std::chrono;

TEST_CASE("format_rfc3339 gives UTC with milliseconds") {
  CHECK(format_rfc3339(Clock::time_point{}) == "1970-01-01T00:00:00.000Z");
  // 2026-11-27T22:30:33Z is 1795818633 seconds after the epoch.
  CHECK(format_rfc3339(Clock::time_point{seconds(1795818633) + milliseconds(123)}) == "2026-11-27T22:30:33.123Z");
  CHECK(format_rfc3339(Clock::time_point{seconds(1795818633) + microseconds(999999)}) == "2026-11-27T22:30:33.999Z");
  // A leap day.
  CHECK(format_rfc3339(Clock::time_point{seconds(951782400)}) == "2000-02-29T00:00:00.000Z");
}

TEST_CASE("format_rfc3339 before the epoch rounds down, not toward zero") {
  CHECK(format_rfc3339(Clock::time_point{milliseconds(-1)}) == "1969-12-31T23:59:59.999Z");
  CHECK(format_rfc3339(Clock::time_point{milliseconds(-1500)}) == "1969-12-31T23:59:58.500Z");
}

}  // namespace hookauth::util
