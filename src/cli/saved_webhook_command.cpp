// hookauth webhook add|list|show|remove

#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "cli/output.hpp"

namespace hookauth::cli {

namespace {

struct SavedWebhookOptions {
  store::SavedWebhook webhook;
  bool force = false;
  bool json = false;
};

Result<ExitCode> run_webhook_add(const GlobalOptions& g, const SavedWebhookOptions& o) {
  if (auto ok = store::validate(o.webhook); !ok) return std::unexpected(ok.error());
  auto st = open_store(g);
  if (!st) return std::unexpected(st.error());
  bool replaced = false;
  auto ok = st->update([&](store::StoreData& data) -> Result<void> {
    if (!o.webhook.auth.empty() && !data.find(o.webhook.auth))
      return usage_error("--auth: no authorization named '" + o.webhook.auth + "' in " + st->path().string());
    for (auto& w : data.webhooks) {
      if (w.name != o.webhook.name) continue;
      if (!o.force) return usage_error("a webhook named '" + w.name + "' exists (use --force to replace it)");
      w = o.webhook;
      replaced = true;
      return {};
    }
    data.webhooks.push_back(o.webhook);
    return {};
  });
  if (!ok) return std::unexpected(ok.error());
  if (o.json)
    print_json(std::cout, {{"name", o.webhook.name}, {"action", replaced ? "replaced" : "added"}});
  else if (!g.quiet)
    std::cerr << (replaced ? "replaced" : "added") << " webhook '" << o.webhook.name << "'\n";
  return ExitCode::ok;
}

Result<ExitCode> run_webhook_list(const GlobalOptions& g, bool json) {
  auto st = open_store(g);
  if (!st) return std::unexpected(st.error());
  auto data = st->load();
  if (!data) return std::unexpected(data.error());
  if (json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& w : data->webhooks) out.push_back(store::to_json(w));
    print_json(std::cout, out);
    return ExitCode::ok;
  }
  if (data->webhooks.empty()) {
    if (!g.quiet)
      std::cerr << "no saved webhooks in " << st->path().string() << " (add one with 'hookauth webhook add')\n";
    return ExitCode::ok;
  }
  std::vector<std::vector<std::string>> rows{{"NAME", "AUTH", "METHOD", "URL"}};
  for (const auto& w : data->webhooks)
    rows.push_back({w.name, w.auth.empty() ? "-" : w.auth, w.method.empty() ? "-" : w.method, w.url});
  print_table(std::cout, rows);
  return ExitCode::ok;
}

Result<ExitCode> run_webhook_show(const GlobalOptions& g, const std::string& name, bool json) {
  auto st = open_store(g);
  if (!st) return std::unexpected(st.error());
  auto data = st->load();
  if (!data) return std::unexpected(data.error());
  const store::SavedWebhook* w = data->find_webhook(name);
  if (!w) return usage_error("no webhook named '" + name + "' in " + st->path().string());
  if (json) {
    print_json(std::cout, store::to_json(*w));
    return ExitCode::ok;
  }
  std::vector<std::vector<std::string>> rows{
      {"name:", w->name}, {"url:", w->url}, {"auth:", w->auth}, {"method:", w->method}};
  for (const auto& h : w->headers) rows.push_back({"header:", h});
  print_table(std::cout, rows);
  return ExitCode::ok;
}

Result<ExitCode> run_webhook_remove(const GlobalOptions& g, const std::string& name, bool json) {
  auto st = open_store(g);
  if (!st) return std::unexpected(st.error());
  auto ok = st->update([&](store::StoreData& data) -> Result<void> {
    if (std::erase_if(data.webhooks, [&](const store::SavedWebhook& w) { return w.name == name; }) == 0)
      return usage_error("no webhook named '" + name + "' in " + st->path().string());
    return {};
  });
  if (!ok) return std::unexpected(ok.error());
  if (json)
    print_json(std::cout, {{"name", name}, {"action", "removed"}});
  else if (!g.quiet)
    std::cerr << "removed webhook '" << name << "'\n";
  return ExitCode::ok;
}

}  // namespace

void setup_saved_webhook_commands(CLI::App& webhook, const GlobalOptions& global, Action& action) {
  auto add_opts = std::make_shared<SavedWebhookOptions>();
  auto* add = webhook.add_subcommand("add", "save a webhook: its URL, authorization, method and headers");
  add->add_option("name", add_opts->webhook.name, "its name: letters, digits, '.', '_', '-'")->required();
  add->add_option("--url", add_opts->webhook.url, "the receiver's URL (http or https)")->required()->type_name("URL");
  add->add_option("--auth", add_opts->webhook.auth, "the authorization to send it with")->type_name("NAME");
  add->add_option("-X,--request", add_opts->webhook.method, "the method (default: POST with data, else GET)")
      ->type_name("METHOD");
  add->add_option("-H,--header", add_opts->webhook.headers, "a header to send, repeatable")
      ->type_name("'NAME: VALUE'")
      ->allow_extra_args(false);  // one value per -H: the words after it are the command's
  add->add_flag("--force", add_opts->force, "replace a saved webhook of the same name");
  add->add_flag("--json", add_opts->json, "print what was done as a JSON object");
  add->callback(
      [&global, &action, add_opts] { action = [&global, add_opts] { return run_webhook_add(global, *add_opts); }; });

  auto list_json = std::make_shared<bool>(false);
  auto* list = webhook.add_subcommand("list", "list the saved webhooks");
  list->add_flag("--json", *list_json, "print a JSON array");
  list->callback([&global, &action, list_json] {
    action = [&global, list_json] { return run_webhook_list(global, *list_json); };
  });

  auto show_name = std::make_shared<std::string>();
  auto show_json = std::make_shared<bool>(false);
  auto* show = webhook.add_subcommand("show", "show one saved webhook");
  show->add_option("name", *show_name, "the saved webhook")->required();
  show->add_flag("--json", *show_json, "print a JSON object");
  show->callback([&global, &action, show_name, show_json] {
    action = [&global, show_name, show_json] { return run_webhook_show(global, *show_name, *show_json); };
  });

  auto remove_name = std::make_shared<std::string>();
  auto remove_json = std::make_shared<bool>(false);
  auto* remove = webhook.add_subcommand("remove", "remove a saved webhook");
  remove->alias("rm");
  remove->add_option("name", *remove_name, "the saved webhook")->required();
  remove->add_flag("--json", *remove_json, "print what was done as a JSON object");
  remove->callback([&global, &action, remove_name, remove_json] {
    action = [&global, remove_name, remove_json] { return run_webhook_remove(global, *remove_name, *remove_json); };
  });
}

}  // namespace hookauth::cli
