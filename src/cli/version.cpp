#include "cli/version.hpp"

#include <CLI/Version.hpp>
#include <nlohmann/json.hpp>

#include "auth/crypto.hpp"
#include "net/transport.hpp"

namespace hookauth::cli {

namespace {

std::string json_library_version() {
  return std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." + std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
         std::to_string(NLOHMANN_JSON_VERSION_PATCH);
}

// ", built with X" when the headers hookauth was compiled against were another version.
std::string built_note(const std::string& runtime, const std::string& built) {
  return runtime == built ? "" : ", built with " + built;
}

}  // namespace

std::string version_text() {
  const auto curl = net::curl_version();
  const auto ssl = auth::crypto::openssl_version();
  std::string out = std::string("hookauth ") + HOOKAUTH_VERSION + "\n";
  out += "libcurl " + curl.runtime + (curl.tls.empty() ? "" : " (" + curl.tls + ")") +
         built_note(curl.runtime, curl.built) + "\n";
  out += ssl.runtime_text + built_note(ssl.runtime, ssl.built) + "\n";
  out += std::string("CLI11 ") + CLI11_VERSION + "\n";
  out += "nlohmann/json " + json_library_version();
  return out;
}

std::string version_json() {
  const auto curl = net::curl_version();
  const auto ssl = auth::crypto::openssl_version();
  nlohmann::ordered_json j;
  j["hookauth"] = HOOKAUTH_VERSION;
  j["libcurl"] = {{"version", curl.runtime}, {"tls", curl.tls}, {"built_with", curl.built}};
  j["openssl"] = {{"version", ssl.runtime}, {"text", ssl.runtime_text}, {"built_with", ssl.built}};
  j["cli11"] = CLI11_VERSION;
  j["nlohmann_json"] = json_library_version();
  return j.dump(2);
}

}  // namespace hookauth::cli
