// hookauth auth add|list|show|remove

#include <iostream>
#include <map>
#include <set>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "cli/output.hpp"
#include "cli/suggest.hpp"
#include "cli/terminal.hpp"
#include "session/authorization.hpp"
#include "store/state_file.hpp"
#include "util/strings.hpp"

namespace hookauth::cli {

namespace {

struct AddOptions {
  std::string name;
  std::string type;
  bool force = false;
  bool json = false;
  std::map<std::string, std::string> values;  // every --FIELD given, by field name
  std::set<std::string> typed;                // the secret fields typed at the form's hidden prompt
};

struct ShowOptions {
  std::string name;
  bool json = false;
  bool reveal = false;
};

// A secret given as "-", or a required one left out. At the hidden prompt an empty answer is asked
// again, as the form asks again for a required field; from standard input it is an error.
Result<std::string> read_nonempty_secret(const std::string& field, const std::string& prompt, bool required) {
  while (true) {
    auto secret = read_secret(prompt);
    if (!secret || !secret->empty()) return secret;
    if (!stdin_is_terminal()) return usage_error("--" + field + " -: standard input gave an empty secret");
    std::cerr << "  " << field << (required ? " is required\n" : " must not be empty\n");
  }
}

// "; did you mean 'basic'?" for a type name that is not one, or "".
std::string type_suggestion(std::string_view typed) {
  std::vector<std::string> names;
  for (const auto& t : store::profile_types()) names.emplace_back(t.name);
  std::string suggestion = did_you_mean(typed, names);
  return suggestion.empty() ? "" : "; " + suggestion;
}

// The check CLI11 runs on a field with choices: the value in its stored spelling
// (FieldSpec::canonical) must be one of them; the error names them and the nearest. The help shows
// {a,b}, as CLI::IsMember's does.
CLI::Validator choice_check(const store::FieldSpec& f) {
  std::vector<std::string> choices(f.choices.begin(), f.choices.end());
  std::string set;
  for (const auto& c : choices) set += (set.empty() ? "{" : ",") + c;
  set += "}";
  auto canonical = f.canonical;
  return CLI::Validator(
      [choices, canonical, set](std::string& value) -> std::string {
        std::string stored = canonical ? canonical(value) : value;
        if (std::ranges::find(choices, stored) != choices.end()) return "";
        std::string suggestion = did_you_mean(stored, choices);
        return util::printable(value) + " not in " + set + (suggestion.empty() ? "" : "; " + suggestion);
      },
      set);
}

// Builds the profile from the flags: secrets become references or literals ("-" is read now).
Result<store::Profile> profile_from_flags(const AddOptions& o) {
  store::Profile p;
  p.name = o.name;
  p.type = o.type;
  if (auto ok = store::check_name(p.name); !ok) return std::unexpected(ok.error());
  const store::TypeSpec* type = store::find_type(o.type);
  if (!type)
    return usage_error("--type: unknown type '" + util::printable(o.type) + "' (" + store::type_names() + ")" +
                       type_suggestion(o.type));
  bool stdin_used = false;
  for (const auto& [field, value] : o.values) {
    const store::FieldSpec* spec = type->field(field);
    if (!spec) return usage_error("--" + field + " does not apply to type " + o.type);
    if (!spec->secret) {
      p.fields[field] = spec->canonical ? spec->canonical(value) : value;
      continue;
    }
    if (value == "-") {
      if (stdin_used && !stdin_is_terminal())
        return usage_error("--" + field + ": only one secret can be read from stdin");
      stdin_used = true;
      auto secret = read_nonempty_secret(field, field, spec->required);
      if (!secret) return std::unexpected(secret.error());
      p.secrets[field] = store::SecretRef{store::SecretRef::Kind::literal, std::move(*secret)};
      continue;
    }
    auto ref = store::parse_secret_argument("--" + field, value);
    if (!ref) return std::unexpected(ref.error());
    p.secrets[field] = std::move(*ref);
  }
  // A required secret that was not given is asked for on a terminal, never read silently.
  for (const auto& f : type->fields) {
    if (!f.secret || !f.required || p.secrets.contains(std::string(f.name)) || !stdin_is_terminal() ||
        store::field_waived(p, f.name))
      continue;
    auto secret = read_nonempty_secret(std::string(f.name), std::string(f.name), true);
    if (!secret) return std::unexpected(secret.error());
    p.secrets[std::string(f.name)] = store::SecretRef{store::SecretRef::Kind::literal, std::move(*secret)};
  }
  if (auto ok = store::check_fields_apply(p); !ok) return std::unexpected(ok.error());
  if (auto ok = store::validate(p); !ok) return std::unexpected(ok.error());
  return p;
}

// `auth add NAME` without --type, on a terminal: the Add Authorization form. The type, then each
// field of that type not given as a flag, with its default shown; Enter keeps the default (or
// leaves an optional field out); a field that the answers so far make meaningless (store::field_applies)
// is not asked. Secrets are typed hidden.
Result<AddOptions> walk_form(AddOptions o) {
  std::cerr << "Add authorization '" << o.name << "'\n";
  const store::TypeSpec* type = nullptr;
  while (!type) {
    auto answer = prompt_line("type (" + store::type_names() + "): ");
    if (!answer) return std::unexpected(answer.error());
    type = store::find_type(util::trim(*answer));
    if (!type) std::cerr << "  '" << util::printable(*answer) << "' is not a type" << type_suggestion(*answer) << "\n";
  }
  o.type = std::string(type->name);
  store::Profile answered{o.name, o.type, {}, {}};  // the non-secret answers, for field_applies
  for (const auto& f : type->fields) {
    std::string n(f.name);
    if (o.values.contains(n) || f.stacked) continue;
    for (const auto& [k, v] : o.values)
      if (!type->field(k) || !type->field(k)->secret) answered.fields[k] = v;
    if (!store::field_applies(answered, n) || store::field_waived(answered, n)) continue;
    if (f.secret) {
      auto secret = f.required ? read_nonempty_secret(n, n + " [hidden]", true)
                               : read_secret(n + " (optional, Enter for none) [hidden]");
      if (!secret) return std::unexpected(secret.error());
      if (!secret->empty()) {
        o.values[n] = "literal:" + *secret;
        o.typed.insert(n);
      }
      continue;
    }
    std::string question = "  " + n + " - " + std::string(f.help);
    if (!f.choices.empty()) {
      std::string choices;
      for (auto c : f.choices) choices += (choices.empty() ? "" : "|") + std::string(c);
      question += " (" + choices + ")";
    }
    if (!f.default_value.empty()) question += " [" + std::string(f.default_value) + "]";
    while (true) {
      auto answer = prompt_line(question + ": ");
      if (!answer) return std::unexpected(answer.error());
      std::string value(util::trim(*answer));
      if (value.empty() && f.required) {
        std::cerr << "  " << n << " is required\n";
        continue;
      }
      if (!value.empty()) o.values[n] = value;
      break;
    }
  }
  return o;
}

// After a successful add, the warnings about its secrets: each literal given on the command line (it
// was visible in ps), and each env: or file: reference that cannot be resolved now (it is saved: the
// variable or file may exist where and when it is used). cmd: references are not run here.
void warn_about_secrets(const GlobalOptions& g, const AddOptions& o, const store::Profile& profile) {
  for (const auto& [field, value] : o.values)
    if (profile.secrets.contains(field) && !o.typed.contains(field))
      warn_if_literal_secret(g, "--" + field, value, true);
  for (const auto& [field, ref] : profile.secrets) {
    if (ref.kind != store::SecretRef::Kind::env && ref.kind != store::SecretRef::Kind::file) continue;
    if (auto value = store::resolve("--" + field, ref); !value)
      warn(g, value.error().message + " (saved; it must be there when '" + profile.name + "' is used)");
  }
}

Result<ExitCode> run_add(const GlobalOptions& g, const AddOptions& given) {
  AddOptions o = given;
  if (o.type.empty()) {
    if (!stdin_is_terminal())
      return usage_error("--type is required (stdin is not a terminal, so there is no form to fill in)");
    auto walked = walk_form(o);
    if (!walked) return std::unexpected(walked.error());
    o = std::move(*walked);
  }
  auto profile = profile_from_flags(o);
  if (!profile) return std::unexpected(profile.error());
  // A literal signature secret is checked now (a whsec_ of the wrong size); references are
  // checked when they are read.
  for (const char* field : {"secret", "signature-secret"})
    if (auto it = profile->secrets.find(field);
        it != profile->secrets.end() && it->second.kind == store::SecretRef::Kind::literal)
      if (auto sig = store::to_signature(*profile); !sig) return std::unexpected(sig.error());
  auto st = open_store(g);
  if (!st) return std::unexpected(st.error());
  bool replaced = false;
  auto ok = st->update([&](store::StoreData& data) -> Result<void> {
    if (auto* existing = data.find(o.name)) {
      if (!o.force) return usage_error("authorization '" + o.name + "' exists (use --force to replace it)");
      *existing = *profile;
      replaced = true;
      return {};
    }
    data.authorizations.push_back(*profile);
    return {};
  });
  if (!ok) return std::unexpected(ok.error());
  warn_about_secrets(g, o, *profile);
  if (o.json)
    print_json(std::cout, {{"name", o.name}, {"type", o.type}, {"action", replaced ? "replaced" : "added"}});
  else if (!g.quiet)
    std::cerr << (replaced ? "replaced" : "added") << " authorization '" << o.name << "' (" << o.type << ")\n";
  return ExitCode::ok;
}

// A short description of a profile for the list: the non-secret facts only (the type's summary, and
// a stacked payload signature's scheme).
std::string summary(const store::Profile& p) {
  const store::TypeSpec* type = store::find_type(p.type);
  std::string s = type && type->summary ? type->summary(p) : "";
  if (p.fields.contains("signature"))
    s += (s.empty() ? "" : ", ") + std::string("+ ") + p.field("signature") + " signature";
  return s;
}

Result<ExitCode> run_list(const GlobalOptions& g, bool json) {
  auto st = open_store(g);
  if (!st) return std::unexpected(st.error());
  auto listed = st->load_list(summary);
  if (!listed) return std::unexpected(listed.error());
  if (json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (auto& a : *listed)
      out.push_back({{"name", std::move(a.name)}, {"type", std::move(a.type)}, {"summary", std::move(a.summary)}});
    print_json(std::cout, out);
    return ExitCode::ok;
  }
  if (listed->empty()) {
    if (!g.quiet)
      std::cerr << "no authorizations in " << st->path().string() << " (add one with 'hookauth auth add')\n";
    return ExitCode::ok;
  }
  std::vector<std::vector<std::string>> rows{{"NAME", "TYPE", "DETAILS"}};
  rows.reserve(listed->size() + 1);
  for (auto& a : *listed) {
    std::string cells[] = {std::move(a.name), std::move(a.type), std::move(a.summary)};
    rows.emplace_back(std::make_move_iterator(std::begin(cells)), std::make_move_iterator(std::end(cells)));
  }
  print_table(std::cout, rows);
  return ExitCode::ok;
}

Result<ExitCode> run_show(const GlobalOptions& g, const ShowOptions& o) {
  auto st = open_store(g);
  if (!st) return std::unexpected(st.error());
  auto p = load_profile(*st, o.name);
  if (!p) return std::unexpected(p.error());
  const store::TypeSpec* type = store::find_type(p->type);
  std::vector<std::pair<std::string, std::string>> fields;
  nlohmann::ordered_json out{{"name", p->name}, {"type", p->type}};
  for (const auto& f : type->fields) {
    std::string n(f.name);
    if (f.stacked && !p->fields.contains("signature")) continue;
    if (store::field_set_aside(*p, f.name)) continue;
    if (f.secret) {
      if (auto it = p->secrets.find(n); it != p->secrets.end()) {
        fields.emplace_back(n, store::display(it->second, o.reveal));
        out[n] = fields.back().second;
      }
    } else if (f.list) {
      auto values = p->list(n);
      std::string joined;
      for (const auto& v : values) joined += (joined.empty() ? "" : ", ") + v;
      fields.emplace_back(n, joined);
      out[n] = values;
    } else {
      fields.emplace_back(n, p->field(n));
      if (f.flag)
        out[n] = fields.back().second == "true";
      else
        out[n] = fields.back().second;
    }
  }
  if (o.json) {
    print_json(std::cout, out);
    return ExitCode::ok;
  }
  std::vector<std::vector<std::string>> rows{{"name:", p->name}, {"type:", p->type}};
  for (const auto& [k, v] : fields) rows.push_back({k + ":", v});
  print_table(std::cout, rows);
  return ExitCode::ok;
}

Result<ExitCode> run_remove(const GlobalOptions& g, const std::string& name, bool force, bool json) {
  auto st = open_store(g);
  if (!st) return std::unexpected(st.error());
  auto ok = st->update([&](store::StoreData& data) -> Result<void> {
    if (!force)
      for (const auto& w : data.webhooks)
        if (w.auth == name && data.find(name))
          return usage_error("saved webhook '" + w.name + "' uses authorization '" + name +
                             "' (remove it first, or use --force)");
    auto before = data.authorizations.size();
    std::erase_if(data.authorizations, [&](const store::Profile& p) { return p.name == name; });
    if (data.authorizations.size() == before)
      return usage_error("no authorization named '" + name + "' in " + st->path().string());
    return {};
  });
  if (!ok) return std::unexpected(ok.error());
  // A cached token is a credential: it goes with its authorization.
  if (auto forgot = store::forget_token(store::StateFile::beside(st->path()), name); !forgot)
    return std::unexpected(forgot.error());
  if (json)
    print_json(std::cout, {{"name", name}, {"action", "removed"}});
  else if (!g.quiet)
    std::cerr << "removed authorization '" << name << "'\n";
  return ExitCode::ok;
}

struct PresignOptions {
  std::string name;
  std::string url;
  std::string method = "GET";
  std::int64_t expires = 3600;
  bool verbose = false;
  bool json = false;
};

Result<ExitCode> run_presign(const GlobalOptions& g, const PresignOptions& o) {
  auto st = open_store(g);
  if (!st) return std::unexpected(st.error());
  auto profile = load_profile(*st, o.name);
  if (!profile) return std::unexpected(profile.error());
  // The type is checked before the secrets are resolved: a cmd: reference would run for nothing.
  if (profile->type != "aws-sigv4")
    return usage_error("auth presign: '" + o.name + "' is " + profile->type + ", not aws-sigv4");
  auto authorization = session::Authorization::from_profile(*profile, st->path());
  if (!authorization) return std::unexpected(authorization.error());
  if (!std::holds_alternative<auth::AwsCredentials>(authorization->credentials))
    return usage_error("auth presign: '" + o.name + "' has no aws-sigv4 credentials");
  auth::Request r;
  r.method = o.method;
  r.url = util::encode_url_bytes(o.url);
  if (r.url.find("://") == std::string::npos)
    return usage_error("auth presign: '" + o.url + "' is not an absolute URL");
  auth::SigV4Steps steps;
  auth::SignContext context;
  context.now = g.now();
  context.sigv4_steps = &steps;
  context.sigv4_presign_expires = o.expires;
  if (auto ok = auth::sign(authorization->credentials, r, context); !ok) return std::unexpected(ok.error());
  if (o.verbose) print_sigv4_steps(steps, authorization->redactor);
  if (o.json)
    print_json(std::cout, {{"url", r.url}, {"method", o.method}, {"expires", o.expires}});
  else
    std::cout << r.url << "\n";
  return ExitCode::ok;
}

}  // namespace

void setup_auth_commands(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto* auth = app.add_subcommand("auth", "manage authorizations");
  auth->require_subcommand(1);

  auto add_opts = std::make_shared<AddOptions>();
  auto* add =
      auth->add_subcommand("add", "add an authorization (secrets: literal, env:NAME, file:PATH, cmd:COMMAND or -)");
  add->add_option("name", add_opts->name, "its name: letters, digits, '.', '_', '-'")->required();
  std::string types;
  for (const auto& t : store::profile_types()) types += (types.empty() ? "" : "|") + std::string(t.name);
  add->add_option("--type", add_opts->type, "the authorization type (asked for on a terminal when left out)")
      ->type_name(types);
  add->add_flag("--force", add_opts->force, "replace an authorization of the same name");
  add->add_flag("--json", add_opts->json, "print what was done as a JSON object");
  // Each flag's help names the types it applies to ("basic, digest"), or "any type".
  std::map<std::string, std::string> applies_to;
  for (const auto& t : store::profile_types())
    for (const auto& f : t.fields) {
      std::string n(f.name);
      if (f.stacked)
        applies_to[n] = "any type";
      else if (applies_to[n] != "any type")
        applies_to[n] += (applies_to[n].empty() ? "" : ", ") + std::string(t.name);
    }
  std::set<std::string> seen;
  for (const auto& t : store::profile_types()) {
    for (const auto& f : t.fields) {
      std::string n(f.name);
      if (!seen.insert(n).second) continue;
      std::string help = std::string(f.help) + " (" + applies_to[n] + ")";
      if (f.flag) {
        add->add_flag_function(
            "--" + n, [add_opts, n](std::int64_t) { add_opts->values[n] = "true"; }, help);
        continue;
      }
      CLI::Option* opt = nullptr;
      if (f.list) {
        opt = add->add_option_function<std::vector<std::string>>(
            "--" + n,
            [add_opts, n](const std::vector<std::string>& v) {
              std::string joined;
              for (const auto& x : v) joined += (joined.empty() ? "" : "\n") + x;
              add_opts->values[n] = joined;
            },
            help);
        opt->allow_extra_args(false);  // one value per use: the NAME may follow it
      } else {
        opt = add->add_option_function<std::string>(
            "--" + n, [add_opts, n](const std::string& v) { add_opts->values[n] = v; }, help);
      }
      opt->type_name(f.secret ? "SECRET" : "TEXT");
      if (!f.choices.empty()) opt->check(choice_check(f));
    }
  }
  add->callback([&global, &action, add_opts] { action = [&global, add_opts] { return run_add(global, *add_opts); }; });

  auto list_json = std::make_shared<bool>(false);
  auto* list = auth->add_subcommand("list", "list the authorizations");
  list->add_flag("--json", *list_json, "print a JSON array");
  list->callback(
      [&global, &action, list_json] { action = [&global, list_json] { return run_list(global, *list_json); }; });

  auto show_opts = std::make_shared<ShowOptions>();
  auto* show = auth->add_subcommand("show", "show one authorization, secrets redacted");
  show->add_option("name", show_opts->name, "the authorization")->required();
  show->add_flag("--json", show_opts->json, "print a JSON object");
  show->add_flag("--reveal", show_opts->reveal, "show literal secrets");
  show->callback(
      [&global, &action, show_opts] { action = [&global, show_opts] { return run_show(global, *show_opts); }; });

  auto presign_opts = std::make_shared<PresignOptions>();
  auto* presign = auth->add_subcommand("presign", "print a presigned URL (aws-sigv4)");
  presign->add_option("name", presign_opts->name, "the aws-sigv4 authorization")->required();
  presign->add_option("url", presign_opts->url, "the URL to presign")->required();
  presign->add_option("-X,--request", presign_opts->method, "the method the URL is for (default GET)")
      ->type_name("METHOD");
  presign->add_option("--expires", presign_opts->expires, "seconds the URL stays valid (default 3600, at most 604800)")
      ->type_name("SECONDS")
      ->check(CLI::Range(1, 604800));
  presign->add_flag("-v,--verbose", presign_opts->verbose, "print the canonical request and string to sign on stderr");
  presign->add_flag("--json", presign_opts->json, "print the URL, method and expiry as a JSON object");
  presign->callback([&global, &action, presign_opts] {
    action = [&global, presign_opts] { return run_presign(global, *presign_opts); };
  });

  setup_token_commands(*auth, global, action);
  setup_import_commands(*auth, global, action);

  auto remove_name = std::make_shared<std::string>();
  auto remove_force = std::make_shared<bool>(false);
  auto remove_json = std::make_shared<bool>(false);
  auto* remove = auth->add_subcommand("remove", "remove an authorization");
  remove->alias("rm");
  remove->add_option("name", *remove_name, "the authorization")->required();
  remove->add_flag("--force", *remove_force, "remove it even when a saved webhook uses it");
  remove->add_flag("--json", *remove_json, "print what was done as a JSON object");
  remove->callback([&global, &action, remove_name, remove_force, remove_json] {
    action = [&global, remove_name, remove_force, remove_json] {
      return run_remove(global, *remove_name, *remove_force, *remove_json);
    };
  });
}

}  // namespace hookauth::cli
