#include "store/aws_config.hpp"

#include <set>

#include <doctest/doctest.h>

#include "test_support.hpp"

namespace hookauth::store {

namespace {

const std::map<std::string, std::string>& section(const std::vector<IniSection>& sections, const std::string& name) {
  for (const auto& s : sections)
    if (s.name == name) return s.values;
  static const std::map<std::string, std::string> none;
  FAIL("no section " << name);
  return none;
}

AwsFiles files(std::optional<std::string> credentials, std::optional<std::string> config) {
  return {{"/home/u/.aws/credentials", "/home/u/.aws/config"}, std::move(credentials), std::move(config)};
}

std::string settings_error(const AwsFiles& f, std::string_view name) {
  return test::error_of(aws_profile_settings(f, name));
}

}  // namespace

TEST_CASE("parse_ini reads what configparser reads") {
  auto ini = parse_ini(
      "# a comment\n"
      "[default]\n"
      "Region = eu-west-1\n"
      "output: json\n"
      "  ; an indented comment\n"
      "[profile dev]   ; what follows the last closing bracket is ignored\n"
      "aws_access_key_id=AKID # not a comment: configparser has no inline comments\r\n"
      "s3 =\n"
      "    addressing_style = path\n"
      "\n"
      "    signature_version = s3v4\n"
      "\n"
      "note = one\n"
      "  two\n"
      "[DEFAULT]\n"
      "region = us-east-2\n");
  REQUIRE_MESSAGE(ini, test::error_of(ini));
  REQUIRE(ini->size() == 2);  // [DEFAULT] is no section of its own
  auto& d = section(*ini, "default");
  CHECK(d.at("region") == "eu-west-1");  // option names are lower-cased; the section's value wins
  CHECK(d.at("output") == "json");
  auto& dev = section(*ini, "profile dev");
  CHECK(dev.at("aws_access_key_id") == "AKID # not a comment: configparser has no inline comments");
  CHECK(dev.at("s3") == "\naddressing_style = path\n\nsignature_version = s3v4");
  CHECK(dev.at("note") == "one\ntwo");
  CHECK(dev.at("region") == "us-east-2");  // from [DEFAULT]
}

TEST_CASE("parse_ini: each malformed file is one error with its line") {
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {"aws_access_key_id = x\n", "line 1: an option comes before any [section]"},
      {"[a]\nx = 1\n[b]\n[a]\n", "line 4: section [a] appears twice"},
      {"[a]\nX = 1\nx: 2\n", "line 3: option 'x' appears twice in [a]"},
      {"[a]\njust words\n", "line 2: 'just words' is neither [section] nor 'name = value'"},
      {"[a]\n= value\n", "line 2: an option has no name"},
      {"[a]\n[]\n", "line 2: '[]' is neither [section] nor 'name = value'"},
      {"[a]\ns3 =\n  addressing_style\n", "line 2: 'addressing_style' in a nested block is not 'key = value'"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto ini = parse_ini(c.text);
    REQUIRE_FALSE(ini);
    CHECK(ini.error().message == std::string(c.error));
  }
  CHECK(parse_ini(""));
  CHECK(parse_ini("[DEFAULT]\na = 1\n[DEFAULT]\nb = 2\n"));  // configparser allows [DEFAULT] twice
}

TEST_CASE("aws_profile_settings: the two files merged as botocore merges them") {
  auto f = files(
      "[dev]\n"
      "aws_access_key_id = AKIDCRED\n"
      "aws_secret_access_key = secret-cred\n"
      "aws_session_token = token-cred\n"
      "[profile odd]\n"
      "aws_access_key_id = AKIDODD\n"
      "aws_secret_access_key = secret-odd\n",
      "[default]\n"
      "region = us-east-1\n"
      "aws_access_key_id = AKIDDEFAULT\n"
      "aws_secret_access_key = secret-default\n"
      "[profile dev]\n"
      "region = eu-west-1\n"
      "aws_access_key_id = AKIDCONFIG\n"
      "aws_secret_access_key = secret-config\n"
      "[profile \"with space\"]\n"
      "region = ap-south-1\n"
      "aws_access_key_id = AKIDSPACE\n"
      "aws_secret_access_key = secret-space\n"
      "aws_security_token = older-token\n"
      "aws_session_token = newer-token\n"
      "[profile three words]\n"
      "region = x\n"
      "[sso-session corp]\n"
      "sso_region = us-east-1\n"
      "[odd]\n"
      "region = not-a-profile\n");
  SUBCASE("the credentials file's keys come first, the config file's region with them") {
    auto s = aws_profile_settings(f, "dev");
    REQUIRE_MESSAGE(s, test::error_of(s));
    CHECK(s->access_key == "AKIDCRED");
    CHECK(s->secret_key == "secret-cred");
    CHECK(s->session_token == "token-cred");
    CHECK(s->region == "eu-west-1");
    CHECK(s->source == "/home/u/.aws/credentials");
  }
  SUBCASE("[default] is a profile in the config file; quoted names; aws_security_token first") {
    auto d = aws_profile_settings(f, "default");
    REQUIRE(d);
    CHECK(d->access_key == "AKIDDEFAULT");
    CHECK(d->source == "/home/u/.aws/config");
    auto q = aws_profile_settings(f, "with space");
    REQUIRE_MESSAGE(q, test::error_of(q));
    CHECK(q->session_token == "older-token");
    CHECK(q->region == "ap-south-1");
  }
  SUBCASE("credentials file sections are named as written; config sections need 'profile'") {
    auto odd = aws_profile_settings(f, "profile odd");
    REQUIRE(odd);
    CHECK(odd->access_key == "AKIDODD");
    CHECK(settings_error(f, "odd") ==
          "AWS profile 'odd' is in neither /home/u/.aws/credentials nor /home/u/.aws/config");
    CHECK(test::contains(settings_error(f, "three"), "is in neither"));
    CHECK(test::contains(settings_error(f, "corp"), "is in neither"));
  }
  SUBCASE("the profile names, as botocore lists them") {
    CHECK(aws_profile_names(f) == std::vector<std::string>{"default", "dev", "with space", "profile odd"});
    CHECK(aws_profile_names(files("[a]\nbroken\n", "[profile b]\n")).empty());
  }
}

TEST_CASE("aws_profile_settings: credential_process, and what hookauth does not do") {
  SUBCASE("credential_process after the credentials file's keys, before the config file's") {
    auto f = files("[p]\ncredential_process = /bin/creds --profile p\n",
                   "[profile p]\naws_access_key_id = AKID\naws_secret_access_key = s\nregion = r\n");
    auto s = aws_profile_settings(f, "p");
    REQUIRE(s);
    CHECK(s->credential_process == "/bin/creds --profile p");
    CHECK(s->access_key.empty());
    CHECK(s->source == "/home/u/.aws/credentials");
  }
  SUBCASE("role assumption, web identity and SSO: one line naming the key") {
    struct Case {
      const char* config;
      const char* key;
    } cases[] = {
        {"role_arn = arn:aws:iam::1:role/r\nsource_profile = default\n", "role_arn"},
        {"role_arn = arn:aws:iam::1:role/r\nweb_identity_token_file = /t\n", "web_identity_token_file"},
        {"sso_session = corp\nsso_account_id = 1\nsso_role_name = r\n", "sso_account_id"},
    };
    for (const auto& c : cases) {
      CAPTURE(c.config);
      auto f = files(std::nullopt,
                     std::string("[profile p]\naws_access_key_id = A\naws_secret_access_key = s\n") + c.config);
      CHECK(settings_error(f, "p") ==
            std::string("AWS profile 'p' uses ") + c.key +
                ", which hookauth does not support (static keys and credential_process only)");
    }
  }
  SUBCASE("missing pieces") {
    CHECK(settings_error(files("[p]\naws_access_key_id = A\n", std::nullopt), "p") ==
          "/home/u/.aws/credentials: profile 'p' has aws_access_key_id but no aws_secret_access_key");
    CHECK(settings_error(files(std::nullopt, "[profile p]\nregion = r\n"), "p") ==
          "AWS profile 'p' has no aws_access_key_id nor credential_process (hookauth reads no instance metadata nor "
          "container credentials)");
    CHECK(settings_error(files(std::nullopt, std::nullopt), "p") ==
          "AWS profile 'p' is in neither /home/u/.aws/credentials nor /home/u/.aws/config");
    CHECK(settings_error(files("[p]\naws_access_key_id = A\n[p]\n", std::nullopt), "p") ==
          "/home/u/.aws/credentials: line 3: section [p] appears twice");
  }
}

TEST_CASE("parse_process_answer: Version 1 and its keys; errors never quote the output") {
  auto k = parse_process_answer(
      R"({"Version": 1, "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "s3cr3t", "SessionToken": "tok",
          "Expiration": "2026-12-05T03:00:00Z"})");
  REQUIRE_MESSAGE(k, test::error_of(k));
  CHECK(k->access_key == "ASIAEXAMPLE");
  CHECK(k->secret_key == "s3cr3t");
  CHECK(k->session_token == "tok");
  CHECK(k->expiration == util::parse_time("2026-12-05T03:00:00Z"));
  auto bare = parse_process_answer(R"({"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "s"})");
  REQUIRE(bare);
  CHECK(bare->session_token.empty());
  CHECK_FALSE(bare->expiration);
  struct Case {
    const char* output;
    const char* error;
  } cases[] = {
      {R"({"AccessKeyId": "A", "SecretAccessKey": "LEAKED-SECRET")", "its output is not a JSON object"},
      {R"(["LEAKED-SECRET"])", "its output is not a JSON object"},
      {R"({"AccessKeyId": "A", "SecretAccessKey": "LEAKED-SECRET"})", "its answer has no Version (1)"},
      {R"({"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "LEAKED-SECRET"})", "Version 2 is not supported"},
      {R"({"Version": 1, "SecretAccessKey": "LEAKED-SECRET"})", "its answer has no AccessKeyId"},
      {R"({"Version": 1, "AccessKeyId": "A"})", "its answer has no SecretAccessKey"},
      {R"({"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "LEAKED-SECRET", "Expiration": "tomorrow"})",
       "Expiration \"tomorrow\" is not an RFC 3339 time"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.output);
    auto r = parse_process_answer(c.output);
    REQUIRE_FALSE(r);
    CHECK(test::contains(r.error().message, c.error));
    CHECK_FALSE(test::contains(r.error().message, "LEAKED"));
  }
}

namespace {

// A credential_process stand-in: each run answers keys numbered by the run, valid for `validity`
// from the fake clock, or fails when told to.
struct FakeProcess {
  util::Clock::time_point now = test::at(1764900000);
  std::chrono::seconds validity{3600};
  bool failing = false;
  std::vector<std::vector<std::string>> argvs;

  CommandRunner runner() {
    return [this](const std::vector<std::string>& argv) -> Result<CommandOutput> {
      argvs.push_back(argv);
      CommandOutput out;
      if (failing) {
        out.exit_status = 3;
        out.err = "token expired, run 'login'\nmore detail\n";
        return out;
      }
      auto n = std::to_string(argvs.size());
      out.out = R"({"Version": 1, "AccessKeyId": "ASIA)" + n + R"(", "SecretAccessKey": "secret-)" + n +
                R"(", "SessionToken": "token-)" + n + R"(", "Expiration": ")" + util::format_rfc3339(now + validity) +
                "\"}\n";
      return out;
    };
  }
};

AwsProfileSettings process_profile() {
  AwsProfileSettings s;
  s.name = "batch";
  s.credential_process = "/opt/creds 'two words' --json";
  return s;
}

}  // namespace

TEST_CASE("AwsKeyProvider: static keys never run anything, and fill the credentials with the region") {
  FakeProcess p;
  AwsProfileSettings s;
  s.name = "static";
  s.access_key = "AKID";
  s.secret_key = "secret";
  AwsKeyProvider provider(s, "eu-west-1", p.runner());
  auth::Credentials c = auth::AwsCredentials{};
  REQUIRE(provider.fill(c, p.now));
  const auto& aws = std::get<auth::AwsCredentials>(c);
  CHECK(aws.access_key == "AKID");
  CHECK(aws.secret_key == "secret");
  CHECK(aws.session_token.empty());
  CHECK(aws.region == "eu-west-1");
  CHECK(p.argvs.empty());
}

TEST_CASE("AwsKeyProvider: credential_process runs once, split into words, until its Expiration nears") {
  FakeProcess p;
  AwsKeyProvider provider(process_profile(), "us-east-1", p.runner());
  auto first = provider.keys(p.now);
  REQUIRE_MESSAGE(first, test::error_of(first));
  CHECK(first->access_key == "ASIA1");
  REQUIRE(p.argvs.size() == 1);
  CHECK(p.argvs[0] == std::vector<std::string>{"/opt/creds", "two words", "--json"});
  auto start = p.now;
  SUBCASE("cached while 15 minutes or more are left, then run again") {
    p.now = start + std::chrono::minutes(45);
    CHECK(provider.keys(p.now)->access_key == "ASIA1");
    p.now = start + std::chrono::minutes(45) + std::chrono::seconds(1);
    CHECK(provider.keys(p.now)->access_key == "ASIA2");
    CHECK(provider.runs() == 2);
  }
  SUBCASE("a failed advisory refresh keeps the keys; a failed mandatory one is an error") {
    p.failing = true;
    p.now = start + std::chrono::minutes(47);
    CHECK(provider.keys(p.now)->access_key == "ASIA1");
    p.now = start + std::chrono::minutes(51);
    auto r = provider.keys(p.now);
    REQUIRE_FALSE(r);
    CHECK(r.error().message ==
          "AWS profile 'batch': credential_process failed with exit status 3: token expired, run 'login'");
  }
}

TEST_CASE("AwsKeyProvider: keys that have already expired are an error naming the time") {
  FakeProcess p;
  p.validity = std::chrono::seconds(-60);
  AwsKeyProvider provider(process_profile(), "us-east-1", p.runner());
  auto r = provider.keys(p.now);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "AWS profile 'batch': credential_process gave credentials that expired at " +
                                 util::format_rfc3339(p.now - std::chrono::seconds(60)));
}

TEST_CASE("AwsKeyProvider: a batch of three hours, one signature every 10 s, hour-long keys") {
  FakeProcess p;
  AwsKeyProvider provider(process_profile(), "us-east-1", p.runner());
  auto start = p.now;
  std::set<std::string> used;
  for (int i = 0; i < 3 * 360; ++i) {
    p.now = start + std::chrono::seconds(10 * i);
    auto k = provider.keys(p.now);
    REQUIRE_MESSAGE(k, test::error_of(k));
    CHECK(*k->expiration - p.now >= aws_advisory_refresh);  // never signs with keys about to expire
    used.insert(k->access_key);
  }
  // Runs at 0:00, 45:10, 90:20 and 135:30: each answer lives an hour and is replaced at the first
  // signature with less than 15 minutes of it left.
  CHECK(provider.runs() == 4);
  CHECK(used == std::set<std::string>{"ASIA1", "ASIA2", "ASIA3", "ASIA4"});
}

TEST_CASE("AwsKeyProvider: a command line that does not split, a command that hangs") {
  FakeProcess p;
  auto s = process_profile();
  s.credential_process = "/opt/creds 'unclosed";
  AwsKeyProvider bad(s, "r", p.runner());
  CHECK(test::contains(test::error_of(bad.keys(p.now)), "AWS profile 'batch': credential_process: "));
  CHECK(p.argvs.empty());
  AwsKeyProvider hung(process_profile(), "r", [](const std::vector<std::string>&) -> Result<CommandOutput> {
    CommandOutput out;
    out.timed_out = true;
    out.exit_status = 137;
    return out;
  });
  CHECK(test::error_of(hung.keys(p.now)) ==
        "AWS profile 'batch': credential_process did not finish within 10 s and was killed");
}

}  // namespace hookauth::store

namespace hookauth::store {

namespace {
Profile aws_profile_authorization(const char* aws_profile) {
  Profile p;
  p.name = "partner";
  p.type = "aws-sigv4";
  p.fields["aws-profile"] = aws_profile;
  p.fields["service"] = "execute-api";
  return p;
}
}  // namespace

TEST_CASE("validate: --aws-profile instead of the keys and the region, never with them") {
  Profile p = aws_profile_authorization("prod");
  CHECK(validate(p));
  p.fields["access-key"] = "AKID";
  CHECK(test::error_of(validate(p)) == "--aws-profile and --access-key are mutually exclusive: give one or the other");
  p.fields.erase("access-key");
  p.secrets["session-token"] = SecretRef{SecretRef::Kind::literal, "t"};
  CHECK(test::error_of(validate(p)) ==
        "--aws-profile and --session-token are mutually exclusive: give one or the other");
  p.secrets.clear();
  p.fields.erase("aws-profile");
  CHECK(test::error_of(validate(p)) == "type aws-sigv4 needs --access-key (or --aws-profile)");
  CHECK(find_type("aws-sigv4")->summary(aws_profile_authorization("prod")) == "AWS profile prod, execute-api");
}

TEST_CASE("resolve_credentials: an AWS profile from the files the variables name, its region or --region") {
  test::TempDir dir;
  test::write_file(dir / "credentials", "[prod]\naws_access_key_id = AKIDPROD\naws_secret_access_key = prod-secret\n");
  test::write_file(dir / "config",
                   "[profile prod]\nregion = eu-west-1\n[profile bare]\naws_access_key_id = A\n"
                   "aws_secret_access_key = s\n");
  test::ScopedEnv credentials("AWS_SHARED_CREDENTIALS_FILE", (dir / "credentials").c_str());
  test::ScopedEnv config("AWS_CONFIG_FILE", (dir / "config").c_str());
  auto r = resolve_credentials(aws_profile_authorization("prod"));
  REQUIRE_MESSAGE(r, test::error_of(r));
  REQUIRE(r->keys);
  auto& aws = std::get<auth::AwsCredentials>(r->credentials);
  CHECK(aws.access_key == "AKIDPROD");
  CHECK(aws.secret_key == "prod-secret");
  CHECK(aws.region == "eu-west-1");
  CHECK(aws.service == "execute-api");
  Profile given = aws_profile_authorization("prod");
  given.fields["region"] = "us-west-2";
  CHECK(std::get<auth::AwsCredentials>(*to_credentials(given)).region == "us-west-2");
  CHECK(test::error_of(to_credentials(aws_profile_authorization("bare"))) ==
        "partner: no region: neither --region nor AWS profile 'bare' (in " + (dir / "config").string() + ") gives one");
  // Keys in the authorization itself: no provider.
  Profile keys;
  keys.name = "k";
  keys.type = "aws-sigv4";
  keys.fields = {{"access-key", "AKID"}, {"region", "r"}, {"service", "s"}};
  keys.secrets["secret-key"] = SecretRef{SecretRef::Kind::literal, "s"};
  auto k = resolve_credentials(keys);
  REQUIRE(k);
  CHECK_FALSE(k->keys);
}

}  // namespace hookauth::store
