#include "store/aws_config.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "util/strings.hpp"

// The reading follows botocore 1.29 (Debian 12's python3-botocore): configloader.py for the files,
// session.py (full_config) for how they merge, credentials.py (create_credential_resolver and the
// providers it lists) for the order in which a named profile's credentials are looked for.

namespace hookauth::store {

namespace {

constexpr std::size_t max_aws_file = 4 * 1024 * 1024;

// Python's str.isspace for ASCII (configparser strips with str.strip).
bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f'); }

std::string_view strip(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string ascii_lower(std::string_view s) { return util::to_lower(s); }

// The file's lines as Python reads a text file: '\n', '\r\n' and '\r' each end one.
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n' && text[i] != '\r') continue;
    lines.push_back(text.substr(start, i - start));
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    start = i + 1;
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

std::unexpected<Error> ini_error(std::size_t line, const std::string& what) {
  return usage_error("line " + std::to_string(line) + ": " + what);
}

// botocore's _parse_nested check: every non-empty line of a nested block is "key = value".
Result<void> check_nested(std::string_view value, std::size_t line) {
  for (auto part : util::split(value, '\n'))
    if (!strip(part).empty() && part.find('=') == std::string_view::npos)
      return ini_error(line, "'" + util::excerpt(strip(part)) + "' in a nested block is not 'key = value'");
  return {};
}

// The sections being read; "DEFAULT" is the defaults, kept apart as configparser keeps them.
struct IniReader {
  std::vector<IniSection> sections;
  std::map<std::string, std::string> defaults;
  std::map<std::string, std::size_t> option_lines;  // where each value starts, for check_nested
  std::set<std::pair<std::string, std::string>> seen_options;
  std::map<std::string, std::string>* current = nullptr;
  std::string section_name;
  std::string option;  // the option a deeper-indented line continues; empty after a header
  std::size_t indent = 0;
  std::vector<std::string> pending_blank;  // blank lines inside a value, kept if the value goes on

  Result<void> header(std::string_view name, std::size_t line) {
    section_name = std::string(name);
    option.clear();
    if (name == "DEFAULT") {
      current = &defaults;
      return {};
    }
    for (const auto& s : sections)
      if (s.name == name) return ini_error(line, "section [" + util::excerpt(name) + "] appears twice");
    sections.push_back({std::string(name), {}});
    current = &sections.back().values;
    return {};
  }

  Result<void> option_line(std::string_view value, std::size_t line) {
    auto at = value.find_first_of("=:");
    if (at == std::string_view::npos)
      return ini_error(line, "'" + util::excerpt(value) + "' is neither [section] nor 'name = value'");
    std::string name = ascii_lower(strip(value.substr(0, at)));
    if (name.empty()) return ini_error(line, "an option has no name");
    if (!seen_options.insert({section_name, name}).second)
      return ini_error(line,
                       "option '" + util::excerpt(name) + "' appears twice in [" + util::excerpt(section_name) + "]");
    (*current)[name] = std::string(strip(value.substr(at + 1)));
    option = name;
    option_lines[section_name + '\n' + name] = line;
    return {};
  }
};

}  // namespace

Result<std::vector<IniSection>> parse_ini(std::string_view text) {
  IniReader r;
  std::size_t number = 0;
  for (std::string_view raw : lines_of(text)) {
    ++number;
    std::string_view value = strip(raw);
    if (!value.empty() && (value.front() == '#' || value.front() == ';')) continue;  // a comment
    if (value.empty()) {
      // A blank line belongs to the value under way if a deeper-indented line follows.
      if (r.current && !r.option.empty()) r.pending_blank.emplace_back();
      continue;
    }
    std::size_t indent = static_cast<std::size_t>(value.data() - raw.data());
    if (r.current && !r.option.empty() && indent > r.indent) {
      std::string& v = (*r.current)[r.option];
      for (std::size_t i = 0; i < r.pending_blank.size(); ++i) v += '\n';
      r.pending_blank.clear();
      v += '\n';
      v += value;
      continue;
    }
    r.pending_blank.clear();
    r.indent = indent;
    // configparser's \[(?P<header>.+)\]: from '[' to the last ']', whatever follows it.
    if (auto close = value.rfind(']'); value.front() == '[' && close != std::string_view::npos && close >= 2) {
      if (auto ok = r.header(value.substr(1, close - 1), number); !ok) return std::unexpected(ok.error());
      continue;
    }
    if (!r.current) return ini_error(number, "an option comes before any [section]");
    if (auto ok = r.option_line(value, number); !ok) return std::unexpected(ok.error());
  }
  for (auto& s : r.sections)
    for (const auto& [k, v] : r.defaults) s.values.try_emplace(k, v);
  // botocore reads nested blocks of the sections only ([DEFAULT]'s through the sections they reach).
  for (const auto& s : r.sections)
    for (const auto& [name, value] : s.values) {
      if (!value.starts_with('\n')) continue;
      auto own = r.option_lines.find(s.name + '\n' + name);
      std::size_t line = own != r.option_lines.end() ? own->second : r.option_lines["DEFAULT\n" + name];
      if (auto ok = check_nested(value, line); !ok) return std::unexpected(ok.error());
    }
  return r.sections;
}

namespace {

// posixpath.expandvars: $NAME and ${NAME} replaced when NAME is set, left as they are otherwise.
std::string expand_vars(std::string_view path) {
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '$') {
      out += path[i];
      continue;
    }
    std::size_t start = i + 1, end = start;
    bool braced = start < path.size() && path[start] == '{';
    if (braced) {
      end = path.find('}', start);
      if (end == std::string_view::npos) {
        out += path[i];
        continue;
      }
    } else {
      auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
      while (end < path.size() && word(path[end])) ++end;
      if (end == start) {
        out += path[i];
        continue;
      }
    }
    std::string name(path.substr(braced ? start + 1 : start, end - (braced ? start + 1 : start)));
    std::size_t last = braced ? end : end - 1;
    if (const char* v = std::getenv(name.c_str()))
      out += v;
    else
      out += path.substr(i, last - i + 1);
    i = last;
  }
  return out;
}

// posixpath.expanduser for ~ and ~/...: $HOME.
std::string expand_user(std::string path) {
  const char* home = std::getenv("HOME");
  if (!home || !(path == "~" || path.starts_with("~/"))) return path;
  std::string h(home);
  while (h.ends_with('/')) h.pop_back();
  std::string out = h + path.substr(1);
  return out.empty() ? "/" : out;
}

std::string file_path(const char* variable, const char* fallback) {
  const char* set = std::getenv(variable);
  std::string path = set ? set : fallback;
  if (path.empty()) return path;
  return expand_user(expand_vars(path));
}

Result<std::optional<std::string>> read_if_there(const std::string& path) {
  std::error_code ec;
  if (path.empty() || !std::filesystem::is_regular_file(path, ec)) return std::nullopt;  // os.path.isfile
  std::ifstream in(path, std::ios::binary);
  if (!in) return usage_error("cannot read AWS file " + path);
  std::string text(max_aws_file + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_aws_file) return usage_error("AWS file " + path + " is larger than 4 MiB");
  return text;
}

using Settings = std::map<std::string, std::string>;

struct ParsedFiles {
  std::map<std::string, Settings> config;       // build_profile_map: [profile NAME] and [default]
  std::map<std::string, Settings> credentials;  // every section, by its name
  std::vector<std::string> order;               // the profile names, config file's first
};

Result<std::vector<IniSection>> parse_file(const std::optional<std::string>& text, const std::string& path) {
  if (!text) return std::vector<IniSection>{};
  auto sections = parse_ini(*text);
  if (!sections) return usage_error(path + ": " + sections.error().message);
  return sections;
}

Result<ParsedFiles> parse_files(const AwsFiles& files) {
  auto config = parse_file(files.config, files.paths.config);
  if (!config) return std::unexpected(config.error());
  auto credentials = parse_file(files.credentials, files.paths.credentials);
  if (!credentials) return std::unexpected(credentials.error());
  ParsedFiles out;
  auto note = [&](const std::string& name) {
    if (std::find(out.order.begin(), out.order.end(), name) == out.order.end()) out.order.push_back(name);
  };
  for (auto& s : *config) {
    // configloader.build_profile_map: "profile NAME" split as shlex.split splits it, two words.
    if (s.name.starts_with("profile")) {
      auto words = split_command_line(s.name);
      if (!words || words->size() != 2) continue;
      note((*words)[1]);
      out.config[(*words)[1]] = std::move(s.values);
    } else if (s.name == "default") {
      note(s.name);
      out.config[s.name] = std::move(s.values);
    }
  }
  for (auto& s : *credentials) {
    note(s.name);
    out.credentials[s.name] = std::move(s.values);
  }
  return out;
}

const std::string* find(const Settings* s, const std::string& key) {
  if (!s) return nullptr;
  auto it = s->find(key);
  return it == s->end() ? nullptr : &it->second;
}

// The static keys of one section (SharedCredentialProvider, ConfigProvider): false when it has none.
Result<bool> static_keys(const Settings* s, const std::string& path, AwsProfileSettings& out) {
  const std::string* key = find(s, "aws_access_key_id");
  if (!key) return false;
  const std::string* secret = find(s, "aws_secret_access_key");
  if (!secret)
    return usage_error(path + ": profile '" + out.name + "' has aws_access_key_id but no aws_secret_access_key");
  if (key->empty() || secret->empty())
    return usage_error(path + ": profile '" + out.name +
                       "': " + (key->empty() ? "aws_access_key_id" : "aws_secret_access_key") + " is empty");
  out.access_key = *key;
  out.secret_key = *secret;
  // botocore looks for the older aws_security_token first.
  if (const std::string* token = find(s, "aws_security_token"))
    out.session_token = *token;
  else if (const std::string* t = find(s, "aws_session_token"))
    out.session_token = *t;
  out.source = path;
  return true;
}

// The providers botocore asks before the static keys, none of which hookauth has: the key that
// would make botocore use one.
std::optional<std::string> unsupported_key(const Settings& merged) {
  bool web_identity = merged.contains("web_identity_token_file");
  if (merged.contains("role_arn") && !web_identity) return "role_arn";  // AssumeRoleProvider
  if (web_identity) return "web_identity_token_file";                   // AssumeRoleWithWebIdentityProvider
  for (const char* sso : {"sso_account_id", "sso_role_name"})           // SSOProvider
    if (merged.contains(sso)) return sso;
  return std::nullopt;
}

}  // namespace

AwsFilePaths aws_file_paths() {
  return {file_path("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"),
          file_path("AWS_CONFIG_FILE", "~/.aws/config")};
}

Result<AwsFiles> read_aws_files(const AwsFilePaths& paths) {
  AwsFiles files{paths, std::nullopt, std::nullopt};
  auto credentials = read_if_there(paths.credentials);
  if (!credentials) return std::unexpected(credentials.error());
  files.credentials = std::move(*credentials);
  auto config = read_if_there(paths.config);
  if (!config) return std::unexpected(config.error());
  files.config = std::move(*config);
  return files;
}

Result<AwsProfileSettings> aws_profile_settings(const AwsFiles& files, std::string_view profile) {
  auto parsed = parse_files(files);
  if (!parsed) return std::unexpected(parsed.error());
  std::string name(profile);
  AwsProfileSettings out;
  out.name = name;
  const Settings* config = parsed->config.contains(name) ? &parsed->config.at(name) : nullptr;
  const Settings* credentials = parsed->credentials.contains(name) ? &parsed->credentials.at(name) : nullptr;
  if (!config && !credentials) {
    auto where = [](const std::string& p) { return p.empty() ? std::string("(none)") : p; };
    return usage_error("AWS profile '" + name + "' is in neither " + where(files.paths.credentials) + " nor " +
                       where(files.paths.config));
  }
  // Session.full_config: the config file's profile, the credentials file's values over it.
  Settings merged = config ? *config : Settings{};
  if (credentials)
    for (const auto& [k, v] : *credentials) merged[k] = v;
  if (auto key = unsupported_key(merged))
    return usage_error("AWS profile '" + name + "' uses " + *key +
                       ", which hookauth does not support (static keys and credential_process only)");
  if (auto it = merged.find("region"); it != merged.end()) out.region = it->second;
  auto from_credentials = static_keys(credentials, files.paths.credentials, out);
  if (!from_credentials) return std::unexpected(from_credentials.error());
  if (*from_credentials) return out;
  if (auto it = merged.find("credential_process"); it != merged.end()) {
    if (strip(it->second).empty()) return usage_error("AWS profile '" + name + "': credential_process is empty");
    out.credential_process = it->second;
    out.source =
        credentials && credentials->contains("credential_process") ? files.paths.credentials : files.paths.config;
    return out;
  }
  auto from_config = static_keys(config, files.paths.config, out);
  if (!from_config) return std::unexpected(from_config.error());
  if (*from_config) return out;
  return usage_error("AWS profile '" + name +
                     "' has no aws_access_key_id nor credential_process (hookauth reads no instance metadata nor "
                     "container credentials)");
}

std::vector<std::string> aws_profile_names(const AwsFiles& files) {
  auto parsed = parse_files(files);
  if (!parsed) return {};
  return parsed->order;
}

Result<AwsKeys> parse_process_answer(std::string_view output) {
  const std::string what = "credential_process: ";
  nlohmann::json j = nlohmann::json::parse(output, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return usage_error(what + "its output is not a JSON object");
  auto version = j.find("Version");
  if (version == j.end()) return usage_error(what + "its answer has no Version (1)");
  if (!version->is_number() || version->get<double>() != 1.0)
    return usage_error(what + "Version " + util::excerpt(version->dump(), 16) + " is not supported (only 1)");
  AwsKeys keys;
  for (auto [name, slot] : {std::pair{"AccessKeyId", &keys.access_key}, {"SecretAccessKey", &keys.secret_key}}) {
    auto it = j.find(name);
    if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
      return usage_error(what + "its answer has no " + name);
    *slot = it->get<std::string>();
  }
  if (auto it = j.find("SessionToken"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) return usage_error(what + "SessionToken is not a string");
    keys.session_token = it->get<std::string>();
  }
  if (auto it = j.find("Expiration"); it != j.end() && !it->is_null()) {
    auto when = it->is_string() ? util::parse_time(it->get_ref<const std::string&>()) : std::nullopt;
    if (!when) return usage_error(what + "Expiration " + util::excerpt(it->dump(), 40) + " is not an RFC 3339 time");
    keys.expiration = *when;
  }
  return keys;
}

AwsKeyProvider::AwsKeyProvider(AwsProfileSettings settings, std::string region, CommandRunner run)
    : settings_(std::move(settings)), region_(std::move(region)), run_(std::move(run)) {
  if (settings_.credential_process.empty())
    cached_ = AwsKeys{settings_.access_key, settings_.secret_key, settings_.session_token, std::nullopt};
}

Result<AwsKeys> AwsKeyProvider::run_process() {
  const std::string what = "AWS profile '" + settings_.name + "': credential_process";
  auto argv = split_command_line(settings_.credential_process);
  if (!argv) return usage_error(what + ": " + argv.error().message);
  ++runs_;
  auto out = run_(*argv);
  if (!out) return usage_error(what + ": " + out.error().message);
  if (out->timed_out)
    return usage_error(what + " did not finish within " + std::to_string(CommandOptions{}.timeout.count() / 1000) +
                       " s and was killed");
  if (out->exit_status != 0) {
    std::string_view err = strip(out->err);
    std::string said = err.empty() ? "" : ": " + util::excerpt(err.substr(0, err.find('\n')), 120);
    return usage_error(what + " failed with exit status " + std::to_string(out->exit_status) + said);
  }
  auto keys = parse_process_answer(out->out);
  if (!keys) return usage_error("AWS profile '" + settings_.name + "': " + keys.error().message);
  return keys;
}

Result<AwsKeys> AwsKeyProvider::keys(util::Clock::time_point now) {
  if (cached_ && (!cached_->expiration || *cached_->expiration - now >= aws_advisory_refresh)) return *cached_;
  auto fresh = run_process();
  if (!fresh) {
    // botocore keeps the keys it has after a failed advisory refresh, not after a mandatory one.
    if (cached_ && *cached_->expiration - now >= aws_mandatory_refresh) return *cached_;
    return fresh;
  }
  // Credentials that have already expired are refused (botocore: "the refreshed credentials are
  // still expired").
  if (fresh->expiration && *fresh->expiration < now)
    return usage_error("AWS profile '" + settings_.name + "': credential_process gave credentials that expired at " +
                       util::format_rfc3339(*fresh->expiration));
  cached_ = std::move(*fresh);
  return *cached_;
}

Result<void> AwsKeyProvider::fill(auth::Credentials& credentials, util::Clock::time_point now) {
  auto* aws = std::get_if<auth::AwsCredentials>(&credentials);
  if (!aws) return usage_error("AWS profile '" + settings_.name + "': the authorization is not aws-sigv4");
  auto k = keys(now);
  if (!k) return std::unexpected(k.error());
  aws->access_key = k->access_key;
  aws->secret_key = k->secret_key;
  aws->session_token = k->session_token;
  aws->region = region_;
  return {};
}

Result<std::shared_ptr<KeyProvider>> aws_key_provider(const Profile& profile) {
  std::string name = profile.field("aws-profile");
  if (name.empty()) return nullptr;
  auto files = read_aws_files(aws_file_paths());
  if (!files) return std::unexpected(files.error());
  auto settings = aws_profile_settings(*files, name);
  if (!settings) return std::unexpected(settings.error());
  std::string region = profile.field("region");
  if (region.empty()) region = settings->region;
  if (region.empty())
    return usage_error(profile.name + ": no region: neither --region nor AWS profile '" + name + "' (in " +
                       (files->paths.config.empty() ? std::string("no config file") : files->paths.config) +
                       ") gives one");
  return std::make_shared<AwsKeyProvider>(std::move(*settings), std::move(region),
                                          [](const std::vector<std::string>& argv) { return run_command(argv); });
}

}  // namespace hookauth::store
