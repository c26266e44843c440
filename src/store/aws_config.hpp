#pragma once
// AWS credentials as the AWS tools find them: the shared credentials and config files read as
// botocore reads them for an explicitly named profile, static keys and credential_process.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/command.hpp"
#include "store/profile.hpp"
#include "util/result.hpp"
#include "util/time.hpp"

namespace hookauth::store {

// One INI section: its name as written between the brackets, its options (names lower-cased) with
// the [DEFAULT] section's beneath them.
struct IniSection {
  std::string name;
  std::map<std::string, std::string> values;
};

// An INI file read as Python's configparser.RawConfigParser reads it (botocore's reader): '=' or
// ':' between name and value, whole-line '#' and ';' comments, deeper-indented lines continue a
// value, a [DEFAULT] section's options apply to every section, a value starting with a line break
// is botocore's nested "key = value" block. Errors give the line: an option before any section, a
// line that is neither, a section or an option given twice, a nested line without '='.
Result<std::vector<IniSection>> parse_ini(std::string_view text);

// Which files hold the profiles: AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials) and
// AWS_CONFIG_FILE (default ~/.aws/config), with $VAR and ~ expanded as botocore does. Empty: none.
struct AwsFilePaths {
  std::string credentials;
  std::string config;
};
AwsFilePaths aws_file_paths();

// The two files' text; nullopt for a file that is not there (botocore skips it).
struct AwsFiles {
  AwsFilePaths paths;
  std::optional<std::string> credentials;
  std::optional<std::string> config;
};
// Errors: a file that is there but cannot be read.
Result<AwsFiles> read_aws_files(const AwsFilePaths& paths);

// What a profile says about its credentials, as botocore's providers find them in turn.
struct AwsProfileSettings {
  std::string name;
  std::string region;      // the profile's region; empty when it has none
  std::string access_key;  // static keys (the credentials file's first, then the config file's)
  std::string secret_key;
  std::string session_token;
  std::string credential_process;  // or a command that prints them
  std::string source;              // the file the credentials come from, for messages
};

// The profile's settings from the files' text. Errors: a file that does not parse; a profile in
// neither file; a profile that assumes a role, uses SSO or web identity (hookauth does not: the
// message names the key); keys without their secret; no credentials at all.
Result<AwsProfileSettings> aws_profile_settings(const AwsFiles& files, std::string_view profile);

// The profile names of both files, as botocore's Session.available_profiles lists them; none when
// a file does not parse.
std::vector<std::string> aws_profile_names(const AwsFiles& files);

// Keys for one signature.
struct AwsKeys {
  std::string access_key;
  std::string secret_key;
  std::string session_token;
  std::optional<util::Clock::time_point> expiration;
};

// credential_process's answer (Version 1: AccessKeyId, SecretAccessKey, SessionToken, Expiration).
// Errors never quote the output.
Result<AwsKeys> parse_process_answer(std::string_view output);

// botocore's refresh margins (credentials.py): within the advisory one the process runs again and a
// failure keeps the keys; within the mandatory one a failure is an error.
inline constexpr std::chrono::minutes aws_advisory_refresh{15};
inline constexpr std::chrono::minutes aws_mandatory_refresh{10};

using CommandRunner = std::function<Result<CommandOutput>(const std::vector<std::string>&)>;

// An AWS profile's keys over a run: static keys as read, or credential_process's answer kept until
// its Expiration comes within aws_advisory_refresh, as botocore's RefreshableCredentials keeps it.
class AwsKeyProvider final : public KeyProvider {
 public:
  // run: the process runner (run_command in hookauth, a fake in tests).
  AwsKeyProvider(AwsProfileSettings settings, std::string region, CommandRunner run);

  // The keys at now (the real clock): the process runs the first time, and again near Expiration.
  // Errors: the process fails or prints a bad answer (one line, never a secret), its keys have
  // expired (the time), or it failed within the mandatory margin.
  Result<AwsKeys> keys(util::Clock::time_point now);
  // Puts keys(now) and the region into the aws-sigv4 credentials.
  Result<void> fill(auth::Credentials& credentials, util::Clock::time_point now) override;
  // How many times the process ran (0 for static keys).
  int runs() const { return runs_; }

 private:
  Result<AwsKeys> run_process();

  AwsProfileSettings settings_;
  std::string region_;
  CommandRunner run_;
  std::optional<AwsKeys> cached_;
  int runs_ = 0;
};

// The provider for an aws-sigv4 profile's --aws-profile, its region --region or else the AWS
// profile's; nullptr when the profile gives its keys itself. Errors: as aws_profile_settings, and
// neither --region nor the AWS profile gives a region.
Result<std::shared_ptr<KeyProvider>> aws_key_provider(const Profile& profile);

}  // namespace hookauth::store
