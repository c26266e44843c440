#include "cli/output.hpp"

#include <algorithm>
#include <iostream>
#include <ostream>

#include <nlohmann/json.hpp>

#include "util/strings.hpp"

namespace hookauth::cli {

void print_json(std::ostream& out, const nlohmann::ordered_json& j, bool pretty) {
  out << j.dump(pretty ? 2 : -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
}

void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
}

void print_sigv4_steps(const auth::SigV4Steps& steps, const auth::Redactor& redactor, bool show_signature) {
  auto trace = [&](const std::string& line) { std::cerr << "* " << redactor.text(line) << "\n"; };
  trace("sigv4: canonical request:");
  for (auto line : util::split(steps.canonical_request, '\n')) trace("sigv4:   " + std::string(line));
  trace("sigv4: string to sign:");
  for (auto line : util::split(steps.string_to_sign, '\n')) trace("sigv4:   " + std::string(line));
  trace("sigv4: signature = " + (show_signature ? steps.signature : std::string(withheld_signature)));
}

std::string format_request(const auth::Request& request, const std::string& host, const auth::Redactor& redactor) {
  auto target = auth::split_target(request.url);
  std::string origin_form = target.path + (target.query.empty() ? "" : "?" + target.query);
  std::string out = request.method + " " + redactor.url(origin_form) + " HTTP/1.1\r\n";
  out += "Host: " + host + "\r\n";
  for (const auto& [k, v] : request.headers.items) out += k + ": " + redactor.header_value(k, v) + "\r\n";
  // A signer that signs Content-Length (SigV4's --sign-header) has put it in the headers already.
  if (auth::sends_body(request) && !request.headers.has("Content-Length"))
    out += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  out += "\r\n";
  out += redactor.text(request.body);
  return out;
}

namespace {
std::string shell_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out.push_back(c);
  }
  return out + "'";
}
}  // namespace

Result<std::string> format_curl(const auth::Request& request, const auth::Redactor& redactor,
                                const std::string& digest_userinfo) {
  if (request.body.find('\0') != std::string::npos)
    return usage_error("--curl: the body holds NUL bytes, which a shell argument cannot carry (use --dry-run)");
  bool head = request.method == "HEAD";
  // POST, PUT and PATCH go with a body, empty or not (Content-Length: 0), as hookauth sends them.
  bool with_body = auth::sends_body(request);
  std::string out = "curl -sS";
  if (head)
    out += " -I";
  else if (!(request.method == "GET" && !with_body) && !(request.method == "POST" && with_body))
    out += " -X " + shell_quote(request.method);
  if (!digest_userinfo.empty()) out += " --digest -u " + shell_quote(digest_userinfo);
  out += " " + shell_quote(redactor.url(request.url));
  for (const auto& [name, value] : request.headers.items) {
    if (util::iequals(name, "Host") || util::iequals(name, "Content-Length")) continue;
    std::string shown = redactor.header_value(name, value);
    // curl drops "Name:" with nothing after it; "Name;" sends the header empty.
    out += " \\\n  -H " + shell_quote(shown.empty() ? name + ";" : name + ": " + shown);
  }
  // --data-raw: the bytes as they are, even when they start with '@'; curl's own form Content-Type
  // is removed when the request has none.
  if (with_body && !request.headers.has("Content-Type")) out += " \\\n  -H 'Content-Type:'";
  if (with_body) out += " \\\n  --data-raw " + shell_quote(redactor.text(request.body));
  return out + "\n";
}

void print_signature_steps(const auth::SignatureCredentials& credentials, const auth::SignatureSteps& steps,
                           const auth::Redactor& redactor, bool show_signatures) {
  constexpr std::size_t shown = 300;
  std::string content = util::printable(redactor.text(std::string_view(steps.content).substr(0, shown)));
  if (steps.content.size() > shown) content += "... (" + std::to_string(steps.content.size()) + " bytes)";
  std::cerr << "* signature: " << auth::scheme_name(credentials.scheme) << "\n";
  std::cerr << "* signed content: " << content << "\n";
  for (const auto& s : steps.signatures)
    std::cerr << "* signature value: " << (show_signatures ? s : std::string(withheld_signature)) << "\n";
}

std::function<void(char, std::string_view)> wire_trace(const auth::Redactor& redactor) {
  return [&redactor](char dir, std::string_view line) {
    std::string shown;
    if (dir == '*') {
      shown = redactor.text(line);
    } else if (auto colon = line.find(':');
               colon != std::string_view::npos && !line.starts_with("HTTP/") && line.find(' ') > colon) {
      shown = std::string(line.substr(0, colon)) + ": " +
              redactor.header_value(line.substr(0, colon), util::trim(line.substr(colon + 1)));
    } else if (auto sp1 = line.find(' '), sp2 = line.rfind(' ');
               sp1 != std::string_view::npos && sp2 > sp1 && line.substr(sp2 + 1).starts_with("HTTP/")) {
      // The request line: only its target is a URL (its last query value must not take the version).
      shown = std::string(line.substr(0, sp1 + 1)) + redactor.url(line.substr(sp1 + 1, sp2 - sp1 - 1)) +
              std::string(line.substr(sp2));
    } else {
      shown = redactor.url(line);  // the status line
    }
    std::cerr << dir << ' ' << shown << "\n";
  };
}

}  // namespace hookauth::cli
