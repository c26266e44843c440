// hookauth auth import postman FILE

#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "cli/output.hpp"
#include "util/strings.hpp"

namespace hookauth::cli {

namespace {

struct ImportOptions {
  std::string file;
  std::string environment;
  std::string prefix;
  bool force = false;
  bool json = false;
};

// One auth block found in the collection, and what became of it.
struct Found {
  std::string where;  // the collection or request it belongs to
  std::string name;   // the authorization made (empty when skipped)
  std::string postman_type;
  std::string type;    // hookauth's type of the authorization made
  std::string reason;  // why it was skipped
};

Result<nlohmann::json> read_json(const std::string& flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return usage_error(flag + " " + path + ": cannot read the file");
  std::ostringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return usage_error(flag + " " + path + ": not a JSON object");
  return j;
}

// {{name}} replaced by the environment's enabled values; unknown variables are kept (and the block is
// then skipped: see undefined_variables).
std::string substitute(std::string value, const std::map<std::string, std::string>& vars) {
  for (const auto& [k, v] : vars) value = util::replace_all(std::move(value), "{{" + k + "}}", v);
  return value;
}

// Postman v2.1 keeps an auth block's settings as [{"key", "value"}]; v2.0 as an object.
std::map<std::string, std::string> settings(const nlohmann::json& block,
                                            const std::map<std::string, std::string>& vars) {
  std::map<std::string, std::string> out;
  auto add = [&](const std::string& k, const nlohmann::json& v) {
    if (v.is_string())
      out[k] = substitute(v.get<std::string>(), vars);
    else if (v.is_boolean() || v.is_number())
      out[k] = v.dump();
  };
  if (block.is_array()) {
    for (const auto& e : block)
      if (e.is_object() && e.contains("key") && e["key"].is_string() && e.contains("value"))
        add(e["key"].get<std::string>(), e["value"]);
  } else if (block.is_object()) {
    for (const auto& [k, v] : block.items()) add(k, v);
  }
  return out;
}

std::string sanitize(std::string_view text) {
  std::string out;
  for (char c : text) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    if (ok)
      out.push_back(c);
    else if (!out.empty() && out.back() != '-')
      out.push_back('-');
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "imported" : out.substr(0, 56);
}

// "{{a}} in password, {{b}} in region": each variable left in a value after substitution, with the
// field that holds it (never the value itself, which may be a secret); empty when there is none.
std::string undefined_variables(const store::Profile& p) {
  std::string out;
  auto scan = [&](const std::string& field, const std::string& value) {
    for (auto open = value.find("{{"); open != std::string::npos; open = value.find("{{", open + 2)) {
      auto close = value.find("}}", open + 2);
      if (close == std::string::npos) break;
      out += (out.empty() ? "" : ", ") + util::printable(value.substr(open, close + 2 - open)) + " in " + field;
    }
  };
  for (const auto& [k, v] : p.fields) scan(k, v);
  for (const auto& [k, v] : p.secrets) scan(k, v.value);
  return out;
}

// The type a Postman auth type becomes (TypeSpec::postman), or nullptr.
const store::TypeSpec* type_for_postman(std::string_view postman_type) {
  for (const auto& t : store::profile_types())
    if (!t.postman.empty() && t.postman == postman_type) return &t;
  return nullptr;
}

// Postman's value of a setting in ours (FieldSpec::postman_values).
std::string translate(const store::FieldSpec& f, const std::string& value) {
  for (const auto& [theirs, ours] : f.postman_values)
    if (value == theirs) return std::string(ours);
  return value;
}

// The hookauth profile for a Postman auth block, or why there is none. Each field the table maps
// (FieldSpec::postman) is taken from the block's setting of that name; a value equal to the field's
// default, and a field the others make meaningless (store::field_applies), are left out.
std::expected<store::Profile, std::string> map_auth(const nlohmann::json& auth,
                                                    const std::map<std::string, std::string>& vars) {
  std::string postman_type = auth.value("type", "");
  auto s = settings(auth.contains(postman_type) ? auth[postman_type] : nlohmann::json(), vars);
  store::Profile p;
  const store::TypeSpec* type = type_for_postman(postman_type);
  if (postman_type == "bearer") {
    // A static bearer token has no type of its own: it is an API key in the Authorization header.
    p.type = "api-key";
    p.fields["key"] = "Authorization";
    if (!s["token"].empty())
      p.secrets["value"] = store::SecretRef{store::SecretRef::Kind::literal, "Bearer " + s["token"]};
  } else if (type) {
    p.type = std::string(type->name);
    for (const auto& f : type->fields) {
      auto it = f.postman.empty() ? s.end() : s.find(std::string(f.postman));
      if (it == s.end() || it->second.empty()) continue;
      std::string value = translate(f, it->second);
      if (f.secret)
        p.secrets[std::string(f.name)] = store::SecretRef{store::SecretRef::Kind::literal, value};
      else if (value != f.default_value)
        p.fields[std::string(f.name)] = value;
    }
    // Postman keeps every grant's settings: the authorization URL and callback only mean something
    // for the authorization code grant.
    std::vector<std::string> meaningless;
    for (const auto& [k, v] : p.fields)
      if (!store::field_applies(p, k)) meaningless.push_back(k);
    for (const auto& k : meaningless) p.fields.erase(k);
  } else {
    return std::unexpected("type '" + util::printable(postman_type) + "' has no hookauth equivalent");
  }
  if (auto undefined = undefined_variables(p); !undefined.empty())
    return std::unexpected("undefined variables: " + undefined + " (give their values with --environment)");
  return p;
}

void walk(const nlohmann::json& node, const std::string& where, const std::map<std::string, std::string>& vars,
          std::vector<std::pair<Found, std::optional<store::Profile>>>& out) {
  auto take = [&](const nlohmann::json& auth, const std::string& at) {
    if (!auth.is_object()) return;
    auto p = map_auth(auth, vars);
    Found f{at, "", auth.value("type", ""), "", ""};
    if (!p) f.reason = p.error();
    out.emplace_back(f, p ? std::optional<store::Profile>(*p) : std::nullopt);
  };
  if (node.contains("auth")) take(node["auth"], where);
  if (node.contains("request") && node["request"].is_object() && node["request"].contains("auth"))
    take(node["request"]["auth"], where);
  if (node.contains("item") && node["item"].is_array())
    for (const auto& child : node["item"])
      if (child.is_object()) walk(child, where + "/" + child.value("name", "item"), vars, out);
}

Result<ExitCode> run_import(const GlobalOptions& g, const ImportOptions& o) {
  auto collection = read_json("postman", o.file);
  if (!collection) return std::unexpected(collection.error());
  std::map<std::string, std::string> vars;
  auto collect_vars = [&](const nlohmann::json& list) {
    if (!list.is_array()) return;
    for (const auto& v : list)
      if (v.is_object() && v.value("enabled", true) && v.contains("key") && v["key"].is_string() &&
          v.contains("value") && v["value"].is_string())
        vars[v["key"].get<std::string>()] = v["value"].get<std::string>();
  };
  if (collection->contains("variable")) collect_vars((*collection)["variable"]);
  if (!o.environment.empty()) {
    auto env = read_json("--environment", o.environment);
    if (!env) return std::unexpected(env.error());
    collect_vars(env->value("values", nlohmann::json::array()));
  }
  if (!collection->contains("info") && !collection->contains("item"))
    return usage_error("postman " + o.file + ": not a Postman collection (no info or item)");
  std::string root = collection->contains("info") ? (*collection)["info"].value("name", "collection") : "collection";
  std::vector<std::pair<Found, std::optional<store::Profile>>> found;
  walk(*collection, root, vars, found);

  auto st = open_store(g);
  if (!st) return std::unexpected(st.error());
  auto ok = st->update([&](store::StoreData& data) -> Result<void> {
    std::set<std::string> taken;
    for (const auto& p : data.authorizations) taken.insert(p.name);
    for (auto& [f, profile] : found) {
      if (!profile) continue;
      std::string base = sanitize(o.prefix + f.where.substr(f.where.rfind('/') + 1));
      std::string name = base;
      for (int n = 2; taken.contains(name) && !(o.force && data.find(name)); ++n) name = base + "-" + std::to_string(n);
      profile->name = name;
      if (auto valid = store::validate(*profile); !valid) {
        f.reason = valid.error().message;
        continue;
      }
      if (auto* existing = data.find(name))
        *existing = *profile;
      else
        data.authorizations.push_back(*profile);
      taken.insert(name);
      f.name = name;
      f.type = profile->type;
    }
    return {};
  });
  if (!ok) return std::unexpected(ok.error());
  if (o.json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& [f, profile] : found) {
      nlohmann::ordered_json e{{"from", f.where}, {"postman_type", f.postman_type}};
      e["type"] = f.name.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(f.type);
      e["name"] = f.name.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(f.name);
      e["skipped"] = f.name.empty() ? nlohmann::ordered_json(f.reason) : nlohmann::ordered_json(nullptr);
      out.push_back(e);
    }
    print_json(std::cout, out);
  } else {
    for (const auto& [f, profile] : found) {
      if (!f.name.empty())
        std::cout << "created " << f.name << " (" << f.type << ") from " << f.where << "\n";
      else
        std::cout << "skipped " << f.where << ": " << f.reason << "\n";
    }
    if (found.empty()) std::cout << "no auth blocks in " << o.file << "\n";
  }
  return ExitCode::ok;
}

}  // namespace

void setup_import_commands(CLI::App& auth, const GlobalOptions& global, Action& action) {
  auto* import = auth.add_subcommand("import", "create authorizations from another tool's files");
  import->require_subcommand(1);
  auto o = std::make_shared<ImportOptions>();
  auto* postman = import->add_subcommand("postman", "the auth blocks of a Postman collection (v2.1)");
  postman->add_option("file", o->file, "the collection file")->required()->type_name("FILE");
  postman->add_option("--environment", o->environment, "a Postman environment whose values fill {{variables}}")
      ->type_name("FILE");
  postman->add_option("--prefix", o->prefix, "put TEXT before every name made")->type_name("TEXT");
  postman->add_flag("--force", o->force, "replace authorizations of the same name instead of numbering new ones");
  postman->add_flag("--json", o->json, "print what was created and skipped as a JSON array");
  postman->callback([&global, &action, o] { action = [&global, o] { return run_import(global, *o); }; });
}

}  // namespace hookauth::cli
