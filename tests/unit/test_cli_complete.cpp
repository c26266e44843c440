#include "cli/complete.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/context.hpp"

namespace hookauth::cli {

namespace {

// A small model shaped like hookauth's: globals that fall through, a group with an alias, a hidden
// command, a middle command with options of its own, and each kind of value.
struct Model {
  CLI::App app{"test", "prog"};
  std::string s;
  bool b = false;

  Model() {
    app.fallthrough();
    app.add_option("--store", s, "the store")->type_name("PATH");
    app.add_flag("-q,--quiet", b, "quiet");
    app.set_version_flag("--version", "1");
    auto* group = app.add_subcommand("group", "a group");
    group->require_subcommand(1);
    auto* show = group->add_subcommand("show", "show one");
    show->add_option("name", s, "the thing");
    show->add_option("--in", s, "where")->check(CLI::IsMember({"header", "query"}));
    group->add_subcommand("remove", "remove one")->alias("rm");
    group->add_subcommand("secret", "hidden")->group("");
    auto* middle = app.add_subcommand("middle", "has options and a subcommand");
    middle->add_flag("--own", b, "middle's own");
    auto* leaf = middle->add_subcommand("leaf", "the leaf");
    leaf->add_option("--tolerance", s, "seconds or none")->type_name("SECONDS|none");
    leaf->add_option("--request", s, "a file or stdin")->type_name("FILE|-");
    leaf->add_option("-X,--method", s, "the method")->type_name("METHOD");
    leaf->add_option("--auth", s, "an authorization")->type_name("NAME");
  }
};

std::vector<std::string> values(const Completion& c) {
  std::vector<std::string> out;
  for (const auto& x : c.candidates) out.push_back(x.value);
  return out;
}

// Names that say which kind and which --store were asked for.
std::vector<std::string> fake_names(NameKind kind, const std::string& store) {
  std::string what = kind == NameKind::webhooks ? "hook" : kind == NameKind::aws_profiles ? "aws" : "auth";
  return {what + "@" + (store.empty() ? "env" : store)};
}

Completion complete(const CLI::App& app, std::vector<std::string> words) {
  return complete_words(app, words, fake_names);
}

}  // namespace

TEST_CASE("subcommands and aliases are offered before any positional, hidden ones never") {
  Model m;
  CHECK(values(complete(m.app, {""})) == std::vector<std::string>{"group", "middle"});
  CHECK(values(complete(m.app, {"group", ""})) == std::vector<std::string>{"show", "remove", "rm"});
  CHECK(values(complete(m.app, {"group", "r"})) == std::vector<std::string>{"remove", "rm"});
  CHECK(values(complete(m.app, {"--store", "x", "-q", "group", "s"})) == std::vector<std::string>{"show"});
  CHECK(complete(m.app, {"group", "r"}).candidates[0].description == "remove one");
}

TEST_CASE("flags: the command's own and the root's, without the root's help and version") {
  Model m;
  CHECK(values(complete(m.app, {"-"})) ==
        std::vector<std::string>{"--help", "-h", "--store", "--quiet", "-q", "--version"});
  CHECK(values(complete(m.app, {"group", "show", "--"})) ==
        std::vector<std::string>{"--help", "--in", "--store", "--quiet"});
  // The middle command's --own would set its value, not the leaf's: not offered under the leaf.
  CHECK(values(complete(m.app, {"middle", "--o"})) == std::vector<std::string>{"--own"});
  CHECK(values(complete(m.app, {"middle", "leaf", "--o"})).empty());
}

TEST_CASE("the values of an option come from the model") {
  Model m;
  CHECK(values(complete(m.app, {"group", "show", "--in", ""})) == std::vector<std::string>{"header", "query"});
  CHECK(values(complete(m.app, {"group", "show", "--in=q"})) == std::vector<std::string>{"--in=query"});
  CHECK(values(complete(m.app, {"middle", "leaf", "--tolerance", ""})) == std::vector<std::string>{"none"});
  CHECK(values(complete(m.app, {"middle", "leaf", "--tolerance", "3"})).empty());
  auto files = complete(m.app, {"middle", "leaf", "--request", ""});
  CHECK(values(files) == std::vector<std::string>{"-"});
  CHECK(files.directive == directive_files);
  CHECK(complete(m.app, {"--store", ""}).directive == directive_files);
  CHECK(values(complete(m.app, {"middle", "leaf", "-X", "P"})) == std::vector<std::string>{"POST", "PUT", "PATCH"});
  // A value is not taken for a subcommand or a flag.
  CHECK(values(complete(m.app, {"--store", "group", ""})) == std::vector<std::string>{"group", "middle"});
}

TEST_CASE("names come from the store the line names") {
  Model m;
  CHECK(values(complete(m.app, {"middle", "leaf", "--auth", ""})) == std::vector<std::string>{"auth@env"});
  CHECK(values(complete(m.app, {"--store=/s.json", "middle", "leaf", "--auth", ""})) ==
        std::vector<std::string>{"auth@/s.json"});
  CHECK(values(complete(m.app, {"group", "show", "--store", "/t", ""})) == std::vector<std::string>{"auth@/t"});
  // Only the first positional is a name; after "--" no flag is offered.
  CHECK(values(complete(m.app, {"group", "show", "a", ""})).empty());
  CHECK(values(complete(m.app, {"group", "show", "--", "-"})).empty());
}

TEST_CASE("auth add offers the fields of the type on the line") {
  CLI::App app{"test", "hookauth"};
  app.fallthrough();
  GlobalOptions global;
  Action action;
  setup_auth_commands(app, global, action);
  auto flags = [&](std::vector<std::string> words) {
    words.insert(words.begin(), {"auth", "add", "x"});
    return values(complete(app, words));
  };
  auto has = [](const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  CHECK(has(flags({"--"}), "--username"));
  CHECK(has(flags({"--"}), "--grant"));
  CHECK(flags({"--type", "basic", "--"}) == std::vector<std::string>{"--help", "--type", "--force", "--json",
                                                                     "--signature", "--signature-secret", "--username",
                                                                     "--password"});
  CHECK(has(flags({"--type", "oauth2", "--"}), "--auth-url"));
  CHECK_FALSE(has(flags({"--type", "oauth2", "--grant", "client-credentials", "--"}), "--auth-url"));
  CHECK(has(flags({"--type", "signature", "--"}), "--signature-header"));
  CHECK_FALSE(has(flags({"--type=signature", "--scheme=github", "--"}), "--signature-header"));
  CHECK(has(flags({"--type", "basic", "--signature", "hmac", "--"}), "--signature-header"));
  CHECK(values(complete(app, {"auth", "add", "x", "--type", "a"})) == std::vector<std::string>{"api-key", "aws-sigv4"});
  CHECK(values(complete(app, {"auth", "add", "x", "--grant", ""})) ==
        std::vector<std::string>{"client-credentials", "authorization-code"});
  // --aws-profile: the AWS files' profile names.
  CHECK(values(complete(app, {"auth", "add", "x", "--type", "aws-sigv4", "--aws-profile", ""})) ==
        std::vector<std::string>{"aws@env"});
  CHECK(values(complete(app, {"auth", "add", "x", "--aws-profile=a"})) ==
        std::vector<std::string>{"--aws-profile=aws@env"});
  CHECK(has(flags({"--type", "aws-sigv4", "--"}), "--aws-profile"));
  CHECK_FALSE(has(flags({"--type", "basic", "--"}), "--aws-profile"));
}

TEST_CASE("format_completion: a line per candidate, a description after a tab, then the directive") {
  Completion c{{{"a", ""}, {"b", "the b"}}, directive_files};
  CHECK(format_completion(c) == "a\nb\tthe b\n:1\n");
  CHECK(format_completion({}) == ":0\n");
}

}  // namespace hookauth::cli
