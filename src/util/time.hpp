#pragma once
// Time formatting. The clock itself is read by the caller and passed in.

#include <chrono>
#include <string>

namespace hookauth::util {

using Clock = std::chrono::system_clock;

// Formats as RFC 3339 in UTC with millisecond precision: 2026-11-27T22:30:33.123Z.
std::string format_rfc3339(Clock::time_point t);

}  // namespace hookauth::util
