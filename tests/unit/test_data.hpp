#pragma once
// The files under tests/data, found from this header's own path (CMake compiles by absolute path).

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace hookauth::test {

inline std::filesystem::path data_path(const std::string& relative) {
  return std::filesystem::path(__FILE__).parent_path().parent_path() / "data" / relative;
}

// A JSON file under tests/data; the test stops when it is missing or does not parse.
inline nlohmann::json data_json(const std::string& relative) {
  auto path = data_path(relative);
  INFO("test data file: ", path.string());
  REQUIRE(std::filesystem::exists(path));
  auto j = nlohmann::json::parse(read_file(path), nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

// Bytes from lowercase or uppercase hex, as the data files write them.
inline std::string from_hex(std::string_view hex) {
  auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  return out;
}

}  // namespace hookauth::test
