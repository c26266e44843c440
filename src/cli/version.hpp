#pragma once
// What --version prints: hookauth's version, then one line per library a bug report needs, as curl -V.

#include <string>

namespace hookauth::cli {

// "hookauth 0.1.0", then libcurl (with its TLS backend), OpenSSL, CLI11 and nlohmann/json, one per
// line; a library loaded at run time that differs from the headers hookauth was built with says so.
std::string version_text();
// The same as one JSON object (--version --json).
std::string version_json();

}  // namespace hookauth::cli
