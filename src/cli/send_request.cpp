#include "cli/send_request.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "auth/crypto.hpp"
#include "cli/output.hpp"
#include "cli/terminal.hpp"
#include "store/profile.hpp"
#include "store/saved_webhook.hpp"
#include "util/strings.hpp"

#ifndef HOOKAUTH_VERSION
#define HOOKAUTH_VERSION "0"
#endif

namespace hookauth::cli {

namespace {

// -d DATA, -d @FILE, -d @- (exact bytes, as curl's --data-binary).
Result<std::string> read_data(const std::string& data) {
  if (!data.starts_with('@')) return data;
  std::string path = data.substr(1);
  if (path == "-") return read_all_stdin();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return usage_error("-d @" + path + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return usage_error("-d @" + path + ": cannot read the file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The name of a "Name: value" header line, trimmed ("" without a ':').
std::string_view header_name(std::string_view line) {
  auto colon = line.find(':');
  return colon == std::string_view::npos ? std::string_view() : util::trim(line.substr(0, colon));
}

}  // namespace

Result<auth::Request> build_request(const SendOptions& o) {
  // libcurl would send them as Basic, unredacted in --curl and unseen by --dry-run.
  if (util::url_has_userinfo(o.url)) return usage_error(store::userinfo_refused);
  auth::Request r;
  r.url = util::encode_url_bytes(o.url);
  r.headers.add("User-Agent", "hookauth/" HOOKAUTH_VERSION);
  r.headers.add("Accept", "*/*");
  if (o.has_data) {
    auto body = read_data(o.data);
    if (!body) return std::unexpected(body.error());
    r.body = std::move(*body);
  }
  std::vector<std::string> given;  // the names -H has set so far, lowercase
  for (const auto& h : o.headers) {
    auto colon = h.find(':');
    // The value may be a secret: errors name the header, never its value.
    if (colon == std::string::npos || colon == 0)
      return usage_error("-H: expected 'Name: value' (no header name and ':')");
    std::string name(util::trim(std::string_view(h).substr(0, colon)));
    std::string value(util::trim(std::string_view(h).substr(colon + 1)));
    if (auto ok = store::check_header_name(name); !ok) return usage_error("-H: " + ok.error().message);
    if (value.find_first_of("\r\n") != std::string::npos) return usage_error("-H " + name + ": value has a line break");
    // The first -H of a name replaces a default (User-Agent, Accept); the next ones are sent too,
    // in order, as curl sends them.
    std::string lower = util::to_lower(name);
    if (std::find(given.begin(), given.end(), lower) == given.end()) {
      r.headers.set(name, value);
      given.push_back(std::move(lower));
    } else {
      r.headers.add(name, value);
    }
  }
  if (o.method_given)
    if (auto ok = store::check_method(o.method); !ok) return std::unexpected(ok.error());
  if (o.has_data && !r.headers.has("Content-Type"))
    r.headers.add("Content-Type", std::string(auth::default_content_type(r.body)));
  r.method = !o.method.empty()                     ? util::to_lower(o.method) == "head" ? "HEAD" : o.method
             : o.has_data || !o.data_lines.empty() ? "POST"
                                                   : "GET";
  return r;
}

// What a send works with once the command line is read: the options (a saved webhook's under the
// command line's) and the authorization.
// `webhook send NAME`: the saved webhook's URL, authorization, method and headers, under what the
// command line gives (its -H headers replace saved ones of the same name). The store is read once,
// and only when a saved webhook or an authorization is named.
Result<ResolvedSend> resolve_send(const GlobalOptions& g, SendOptions o) {
  const bool saved = o.url.find("://") == std::string::npos;
  if (!saved && o.auth.empty()) return ResolvedSend{std::move(o), {}};
  auto st = open_store(g);
  if (!st) return std::unexpected(st.error());
  if (!saved) {  // one authorization: the rest of the store is not parsed (Store::load_profile)
    auto authorization = session::Authorization::load(*st, o.auth);
    if (!authorization) return std::unexpected(authorization.error());
    return ResolvedSend{std::move(o), std::move(*authorization)};
  }
  auto data = st->load();
  if (!data) return std::unexpected(data.error());
  const store::SavedWebhook* w = data->find_webhook(o.url);
  if (!w)
    return usage_error("'" + o.url + "' is neither a URL nor a saved webhook in " + st->path().string() +
                       " (see 'hookauth webhook list')");
  o.url = w->url;
  if (o.auth.empty()) o.auth = w->auth;
  if (o.method.empty()) o.method = w->method;
  // A command-line header replaces every saved one of its name.
  std::vector<std::string> headers;
  for (const auto& h : w->headers) {
    bool replaced = std::any_of(o.headers.begin(), o.headers.end(), [&](const std::string& given) {
      return util::iequals(header_name(given), header_name(h));
    });
    if (!replaced) headers.push_back(h);
  }
  headers.insert(headers.end(), o.headers.begin(), o.headers.end());
  o.headers = std::move(headers);
  if (o.auth.empty()) return ResolvedSend{std::move(o), {}};
  auto authorization = session::Authorization::load(*data, st->path(), o.auth);
  if (!authorization) return std::unexpected(authorization.error());
  return ResolvedSend{std::move(o), std::move(*authorization)};
}

// The signer's world: the clock of --at, the system's random bytes, and -v's lines through the redactor.
session::SignerDeps signer_deps(const GlobalOptions& g, const SendOptions& o, const auth::Redactor& redactor) {
  session::SignerDeps deps;
  deps.now = [&g] { return g.now(); };
  deps.random_bytes = [](std::size_t n) { return auth::crypto::random_bytes(n); };
  deps.make_transport = net::make_curl_transport;
  if (o.verbose) {
    deps.trace.line = [&redactor](const std::string& line) { std::cerr << "* " << redactor.text(line) << "\n"; };
    deps.trace.sigv4 = [&redactor](const auth::SigV4Steps& steps) { print_sigv4_steps(steps, redactor); };
    deps.trace.signature = [&redactor](const auth::SignatureCredentials& c, const auth::SignatureSteps& steps) {
      print_signature_steps(c, steps, redactor);
    };
  }
  return deps;
}

session::SignerOptions signer_options(const SendOptions& o, const net::Origin& origin, const auth::Redactor& redactor) {
  session::SignerOptions options;
  options.origin = origin.scheme + "://" + origin.host + ":" + origin.port;
  options.dry_run = o.dry_run;
  options.cached_token_only = o.curl;
  options.reveal = o.reveal;
  options.presign = o.presign;
  options.expires = o.expires;
  options.batch = !o.data_lines.empty();
  options.allow_insecure_http = o.allow_insecure_http;
  options.token_transport.timeout_seconds = o.timeout;
  if (o.verbose) options.token_transport.trace = wire_trace(redactor);
  return options;
}

net::TransportOptions transport_options(const SendOptions& o, const auth::Redactor& redactor) {
  net::TransportOptions topt;
  topt.timeout_seconds = o.timeout;
  topt.cacert = o.cacert;
  topt.insecure = o.insecure;
  topt.client_cert = o.cert;
  topt.client_key = o.key;
  if (o.verbose) topt.trace = wire_trace(redactor);
  return topt;
}

}  // namespace hookauth::cli
