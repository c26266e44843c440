#pragma once
// Time formatting. The clock itself is read by the caller and passed in.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hookauth::util {

using Clock = std::chrono::system_clock;

// Parses a fixed time for --at: the ISO 8601 basic form AWS uses (20150830T123600Z) or RFC 3339
// (2015-08-30T12:36:00Z, 2015-08-30T14:36:00.5+02:00). nullopt when it is neither.
std::optional<Clock::time_point> parse_time(std::string_view text);

// Whole seconds since the Unix epoch (floored), as timestamps on the wire are written.
std::int64_t unix_seconds(Clock::time_point t);

// Formats as RFC 3339 in UTC with millisecond precision: 2026-11-27T22:30:33.123Z.
std::string format_rfc3339(Clock::time_point t);

}  // namespace hookauth::util
