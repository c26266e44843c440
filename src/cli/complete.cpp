// hookauth __complete: the candidates for the word under the cursor, from the CLI11 model and the store

#include "cli/complete.hpp"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <map>
#include <string_view>

#include <CLI/CLI.hpp>

#include "cli/context.hpp"
#include "session/probe.hpp"
#include "store/aws_config.hpp"
#include "store/profile.hpp"
#include "util/strings.hpp"

namespace hookauth::cli {

// The walk's helpers live in a namespace of their own: a unity build puts this file in one translation
// unit with other commands' files, whose unnamed namespaces hold names as short.
namespace completing {
namespace {

// What the words before the cursor say: the command path, the values given, where the cursor is.
struct Walk {
  std::vector<const CLI::App*> chain;        // the root, then each subcommand named
  std::map<std::string, std::string> given;  // each option's last value, by its first long name
  std::size_t positionals = 0;               // positionals of the innermost command before the cursor
  const CLI::Option* pending = nullptr;      // the last word was this option, which awaits its value
  bool options_ended = false;                // a bare "--" came: every word is a positional
};

bool takes_value(const CLI::Option& opt) { return opt.get_items_expected_max() > 0; }

std::string key_of(const CLI::Option& opt) {
  return opt.get_lnames().empty() ? opt.get_name() : opt.get_lnames().front();
}

// The option a word ("--name" or "-n") names, searched from the innermost command outwards while
// each command falls through to its parent, as CLI11 parses it.
const CLI::Option* find_option(const Walk& w, std::string_view word) {
  const bool is_long = word.starts_with("--");
  const std::string name(word.substr(is_long ? 2 : 1));
  for (auto it = w.chain.rbegin(); it != w.chain.rend(); ++it) {
    for (const CLI::Option* opt : (*it)->get_options()) {
      const auto& names = is_long ? opt->get_lnames() : opt->get_snames();
      if (std::ranges::find(names, name) != names.end()) return opt;
    }
    if (!(*it)->get_fallthrough()) break;
  }
  return nullptr;
}

const CLI::App* find_subcommand(const CLI::App& app, const std::string& word) {
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App* s) { return !s->get_disabled(); }))
    if (sub->get_name() == word || std::ranges::find(sub->get_aliases(), word) != sub->get_aliases().end()) return sub;
  return nullptr;
}

Walk walk(const CLI::App& root, const std::vector<std::string>& before) {
  Walk w;
  w.chain.push_back(&root);
  for (const std::string& word : before) {
    if (w.pending) {
      w.given[key_of(*w.pending)] = word;
      w.pending = nullptr;
    } else if (w.options_ended || word == "-" || !word.starts_with("-")) {
      const CLI::App* sub = w.options_ended || w.positionals ? nullptr : find_subcommand(*w.chain.back(), word);
      if (sub) {
        w.chain.push_back(sub);
      } else {
        ++w.positionals;
      }
    } else if (word == "--") {
      w.options_ended = true;
    } else if (auto eq = word.find('='); word.starts_with("--") && eq != std::string::npos) {
      if (const CLI::Option* opt = find_option(w, std::string_view(word).substr(0, eq)))
        w.given[key_of(*opt)] = word.substr(eq + 1);
    } else if (const CLI::Option* opt = find_option(w, word); opt && takes_value(*opt)) {
      w.pending = opt;
    }
  }
  return w;
}

std::string one_line(std::string text) {
  std::ranges::replace(text, '\t', ' ');
  return text.substr(0, text.find('\n'));
}

bool in_auth_add(const Walk& w) {
  return w.chain.size() == 3 && w.chain[1]->get_name() == "auth" && w.chain[2]->get_name() == "add";
}

// Whether a field could apply to the profile on the line: it applies now, or would once a field not
// yet given takes one of its choices (--grant on oauth2, --scheme on signature). A stacked payload
// signature's options wait for --signature itself.
bool could_apply(const store::TypeSpec& type, const store::Profile& p, std::string_view field) {
  if (store::field_applies(p, field)) return true;
  for (const auto& f : type.fields) {
    if (f.choices.empty() || p.fields.contains(std::string(f.name)) || f.stacked) continue;
    for (auto choice : f.choices) {
      store::Profile q = p;
      q.fields[std::string(f.name)] = std::string(choice);
      if (store::field_applies(q, field)) return true;
    }
  }
  return false;
}

// auth add: every type's fields are flags; with --type on the line, only the fields of that type that
// the other values given let apply.
bool offered_in_auth_add(const Walk& w, const std::string& lname) {
  const bool is_field = std::ranges::any_of(store::profile_types(), [&](const auto& t) { return t.field(lname); });
  auto type_given = w.given.find("type");
  const store::TypeSpec* type = type_given == w.given.end() ? nullptr : store::find_type(type_given->second);
  if (!is_field || !type) return true;
  if (!type->field(lname)) return false;
  store::Profile p;
  p.type = std::string(type->name);
  for (const auto& [k, v] : w.given)
    if (k != "type") p.fields[k] = v;
  return could_apply(*type, p, lname);
}

// The flags of the innermost command, and the root's (--store, -q, --at) that CLI11's fallthrough
// accepts after a subcommand, but for its help and version flags. A middle command's own options
// (verify's, under verify serve) are not offered: they would set that command's values, not this one's.
std::vector<Candidate> flags(const Walk& w) {
  std::vector<Candidate> out;
  const CLI::App& root = *w.chain.front();
  const bool inherits = std::ranges::all_of(w.chain, [](const CLI::App* a) { return a->get_fallthrough(); });
  std::vector<const CLI::App*> apps{w.chain.back()};
  if (w.chain.size() > 1 && inherits) apps.push_back(&root);
  for (const CLI::App* app : apps) {
    for (const CLI::Option* opt : app->get_options()) {
      if (!opt->nonpositional() || opt->get_group().empty()) continue;  // positionals, hidden options
      if (app != w.chain.back() && (opt == app->get_help_ptr() || opt == app->get_version_ptr())) continue;
      const std::string description = one_line(opt->get_description());
      for (const auto& l : opt->get_lnames())
        if (!in_auth_add(w) || offered_in_auth_add(w, l)) out.push_back({"--" + l, description});
      for (const auto& s : opt->get_snames()) out.push_back({"-" + s, description});
    }
  }
  return out;
}

// The placeholder words of a type name that stand for a fixed set of values of their own.
const std::map<std::string_view, std::vector<std::string_view>>& placeholder_values() {
  static const std::map<std::string_view, std::vector<std::string_view>> values = {
      {"METHOD", {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}},
  };
  return values;
}

NameKind kind_of(const Walk& w, const CLI::Option& opt) {
  if (opt.nonpositional() || w.chain.size() < 2 || w.chain[1]->get_name() != "webhook") return NameKind::authorizations;
  return NameKind::webhooks;
}

// Values from the type name CLI11 shows ("FILE|-", "SECONDS|none", "TEXT:{header,query}", "FILE:FILE"):
// the literal words between '|', a check's {a,b} choices, FILE or PATH for file names, NAME for the
// store's names.
void values_from_type_name(const Walk& w, const CLI::Option& opt, const NameSource& names, Completion& c) {
  const std::string type_name = opt.get_type_name();
  const auto parts = util::split(type_name, ':');
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    if (i > 0 && part.starts_with("{") && part.ends_with("}")) {
      for (auto v : util::split(part.substr(1, part.size() - 2), ',')) c.candidates.push_back({std::string(v), ""});
      continue;
    }
    for (const auto& piece : util::split(part, '|')) {
      // A value to type as it is: lower case, digits, '-' and '.' ("none", "api-key", "-").
      const bool literal = !piece.empty() && std::ranges::all_of(piece, [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.';
      });
      if (piece == "FILE" || piece == "PATH") {
        c.directive |= directive_files;
      } else if (piece == "CHECK-ID" && i == 0) {
        for (const auto& check : session::probe_checks())
          c.candidates.push_back({std::string(check.id), std::string(check.sends)});
      } else if (piece == "NAME" && i == 0) {
        for (auto& n : names(kind_of(w, opt), w.given.contains("store") ? w.given.at("store") : ""))
          c.candidates.push_back({std::move(n), ""});
      } else if (auto it = placeholder_values().find(piece); it != placeholder_values().end() && i == 0) {
        for (auto v : it->second) c.candidates.push_back({std::string(v), ""});
      } else if (literal && i == 0) {
        c.candidates.push_back({std::string(piece), ""});
      }
    }
  }
}

// The values of an option (or a positional): auth add's from the type table, the rest from the model.
Completion values(const Walk& w, const CLI::Option& opt, const NameSource& names) {
  Completion c;
  const std::string key = key_of(opt);
  if (in_auth_add(w) && opt.nonpositional()) {
    if (key == "type") {
      for (const auto& t : store::profile_types()) c.candidates.push_back({std::string(t.name), std::string(t.label)});
      return c;
    }
    if (key == "aws-profile") {  // the AWS tools' profiles, not the store's
      for (auto& n : names(NameKind::aws_profiles, "")) c.candidates.push_back({std::move(n), ""});
      return c;
    }
    for (const auto& t : store::profile_types())
      if (const auto* f = t.field(key)) {
        for (auto choice : f->choices) c.candidates.push_back({std::string(choice), ""});
        return c;
      }
  }
  // The name of what a command acts on (auth show NAME, webhook remove NAME): a stored one.
  if (!opt.nonpositional() && opt.get_name() == "name" && w.chain.back()->get_name() != "add") {
    for (auto& n : names(kind_of(w, opt), w.given.contains("store") ? w.given.at("store") : ""))
      c.candidates.push_back({std::move(n), ""});
    return c;
  }
  values_from_type_name(w, opt, names, c);
  return c;
}

// The word under the cursor is a positional: subcommands (before any positional), and the values of
// the positional it would be.
Completion positional(const Walk& w, const NameSource& names) {
  Completion c;
  const CLI::App& app = *w.chain.back();
  if (!w.options_ended && w.positionals == 0)
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App* s) { return !s->get_disabled(); })) {
      if (sub->get_group().empty()) continue;  // hidden
      c.candidates.push_back({sub->get_name(), one_line(sub->get_description())});
      for (const auto& alias : sub->get_aliases()) c.candidates.push_back({alias, one_line(sub->get_description())});
    }
  const auto ps = app.get_options([](const CLI::Option* o) { return !o->nonpositional(); });
  if (w.positionals < ps.size()) {
    Completion v = values(w, *ps[w.positionals], names);
    c.candidates.insert(c.candidates.end(), v.candidates.begin(), v.candidates.end());
    c.directive |= v.directive;
  }
  return c;
}

}  // namespace
}  // namespace completing

Completion complete_words(const CLI::App& root, const std::vector<std::string>& words, const NameSource& names) {
  const std::string cur = words.empty() ? "" : words.back();
  const completing::Walk w =
      completing::walk(root, std::vector<std::string>(words.begin(), words.end() - (words.empty() ? 0 : 1)));
  Completion c;
  std::string prefix;  // "--flag=" when the word under the cursor holds one
  std::string_view typed = cur;
  if (w.pending) {
    c = completing::values(w, *w.pending, names);
  } else if (auto eq = cur.find('='); !w.options_ended && cur.starts_with("--") && eq != std::string::npos) {
    if (const CLI::Option* opt = completing::find_option(w, std::string_view(cur).substr(0, eq));
        opt && completing::takes_value(*opt)) {
      c = completing::values(w, *opt, names);
      prefix = cur.substr(0, eq + 1);
      typed = std::string_view(cur).substr(eq + 1);
    }
  } else if (!w.options_ended && cur.starts_with("-")) {
    c.candidates = completing::flags(w);
  } else {
    c = completing::positional(w, names);
  }
  std::erase_if(c.candidates, [&](const Candidate& x) { return !x.value.starts_with(typed); });
  for (auto& x : c.candidates) x.value = prefix + x.value;
  return c;
}

std::string format_completion(const Completion& completion) {
  std::string out;
  for (const auto& c : completion.candidates)
    out += c.value + (c.description.empty() ? "" : "\t" + c.description) + "\n";
  return out + ":" + std::to_string(completion.directive) + "\n";
}

namespace {

// The names in the store the line names, else HOOKAUTH_STORE's, else the XDG default; none when the
// store is missing or does not load. Store::load reads the file whole and takes no lock. The AWS
// profiles come from the AWS files (none when one does not parse).
std::vector<std::string> stored_names(NameKind kind, const std::string& store) {
  if (kind == NameKind::aws_profiles) {
    auto files = store::read_aws_files(store::aws_file_paths());
    return files ? store::aws_profile_names(*files) : std::vector<std::string>{};
  }
  GlobalOptions global;
  global.store = store;
  if (store.starts_with("~/") && std::getenv("HOME")) global.store = std::getenv("HOME") + store.substr(1);
  auto st = open_store(global);
  if (!st) return {};
  auto data = st->load();
  if (!data) return {};
  std::vector<std::string> names;
  if (kind == NameKind::authorizations)
    for (const auto& p : data->authorizations) names.push_back(p.name);
  else
    for (const auto& h : data->webhooks) names.push_back(h.name);
  return names;
}

}  // namespace

int run_complete(const CLI::App& root, const std::vector<std::string>& words) {
  try {
    std::cout << format_completion(complete_words(root, words, stored_names)) << std::flush;
  } catch (const std::exception&) {
    std::cout << ":0\n" << std::flush;
  }
  return 0;
}

}  // namespace hookauth::cli
