#include "store/secret_ref.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "auth/redactor.hpp"

namespace hookauth::store {

namespace {
constexpr std::size_t max_secret_file = 1024 * 1024;
}  // namespace

Result<SecretRef> parse_secret_argument(std::string_view field, std::string_view text) {
  std::string f(field);
  if (text.starts_with("env:")) {
    auto name = text.substr(4);
    if (name.empty()) return usage_error(f + ": env: needs a variable name (env:NAME)");
    return SecretRef{SecretRef::Kind::env, std::string(name)};
  }
  if (text.starts_with("file:")) {
    auto path = text.substr(5);
    if (path.empty()) return usage_error(f + ": file: needs a path (file:PATH)");
    return SecretRef{SecretRef::Kind::file, std::string(path)};
  }
  if (text.starts_with("literal:")) return SecretRef{SecretRef::Kind::literal, std::string(text.substr(8))};
  return SecretRef{SecretRef::Kind::literal, std::string(text)};
}

Result<std::string> resolve(std::string_view field, const SecretRef& ref) {
  std::string f(field);
  switch (ref.kind) {
    case SecretRef::Kind::literal:
      return ref.value;
    case SecretRef::Kind::env: {
      const char* v = std::getenv(ref.value.c_str());
      if (!v) return usage_error(f + ": environment variable " + ref.value + " is not set");
      return std::string(v);
    }
    case SecretRef::Kind::file: {
      // A directory opens as a stream that reads nothing: refuse it rather than resolve to "".
      std::error_code ec;
      if (std::filesystem::is_directory(ref.value, ec)) return usage_error(f + ": " + ref.value + " is a directory");
      std::ifstream in(ref.value, std::ios::binary);
      if (!in) return usage_error(f + ": cannot read file " + ref.value);
      // At most max_secret_file bytes: a device or a pipe that never ends is refused, not read until
      // memory runs out.
      std::string s(max_secret_file + 1, '\0');
      in.read(s.data(), static_cast<std::streamsize>(s.size()));
      s.resize(static_cast<std::size_t>(in.gcount()));
      if (s.size() > max_secret_file)
        return usage_error(f + ": file " + ref.value + " is larger than " + std::to_string(max_secret_file / 1024) +
                           " KiB; a secret file holds the secret");
      if (s.ends_with("\r\n"))
        s.resize(s.size() - 2);
      else if (s.ends_with('\n'))
        s.pop_back();
      return s;
    }
  }
  return usage_error(f + ": unknown secret kind");
}

std::string display(const SecretRef& ref, bool reveal) {
  switch (ref.kind) {
    case SecretRef::Kind::literal:
      if (!reveal) return std::string(auth::redacted);
      // Shown the way it would be typed, so it cannot be mistaken for a reference.
      if (ref.value == "-" || ref.value.starts_with("env:") || ref.value.starts_with("file:") ||
          ref.value.starts_with("literal:"))
        return "literal:" + ref.value;
      return ref.value;
    case SecretRef::Kind::env:
      return "env:" + ref.value;
    case SecretRef::Kind::file:
      return "file:" + ref.value;
  }
  return "";
}

nlohmann::ordered_json to_json(const SecretRef& ref) {
  switch (ref.kind) {
    case SecretRef::Kind::literal:
      return ref.value;
    case SecretRef::Kind::env:
      return nlohmann::ordered_json{{"env", ref.value}};
    case SecretRef::Kind::file:
      return nlohmann::ordered_json{{"file", ref.value}};
  }
  return nullptr;
}

Result<SecretRef> secret_from_json(const nlohmann::json& j) {
  if (j.is_string()) return SecretRef{SecretRef::Kind::literal, j.get<std::string>()};
  if (j.is_object() && j.size() == 1) {
    if (auto it = j.find("env"); it != j.end() && it->is_string() && !it->get<std::string>().empty())
      return SecretRef{SecretRef::Kind::env, it->get<std::string>()};
    if (auto it = j.find("file"); it != j.end() && it->is_string() && !it->get<std::string>().empty())
      return SecretRef{SecretRef::Kind::file, it->get<std::string>()};
  }
  return usage_error("expected a string, {\"env\": NAME} or {\"file\": PATH}");
}

}  // namespace hookauth::store
