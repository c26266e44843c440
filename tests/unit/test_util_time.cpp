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

TEST_CASE("parse_time reads the AWS basic form and RFC 3339") {
  using hookauth::util::format_rfc3339;
  using hookauth::util::parse_time;
  auto basic = parse_time("20150830T123600Z");
  REQUIRE(basic);
  CHECK(format_rfc3339(*basic) == "2015-08-30T12:36:00.000Z");
  auto rfc = parse_time("2015-08-30T14:36:00.5+02:00");
  REQUIRE(rfc);
  CHECK(format_rfc3339(*rfc) == "2015-08-30T12:36:00.500Z");
  auto west = parse_time("2015-08-30T07:36:00-05:00");
  REQUIRE(west);
  CHECK(*west == *basic);
  for (const char* bad :
       {"", "2015-08-30", "2015-08-30T12:36:00", "20150830T123600", "2015-02-30T00:00:00Z", "2015-08-30T24:00:00Z",
        "2015-08-30T12:36:00+0200", "x015-08-30T12:36:00Z", "2015-08-30T12:36:00Zjunk", "2015-08-30T12:36:00.Z"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_time(bad));
  }
}
