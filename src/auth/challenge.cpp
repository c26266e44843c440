#include "auth/challenge.hpp"

#include "util/strings.hpp"

namespace hookauth::auth {

namespace {

bool is_tchar(char c) {
  // RFC 9110 section 5.6.2.
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token68_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("-._~+/").find(c) != std::string_view::npos;
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  void skip_ows() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  bool at_end() const { return i_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[i_]; }
  void advance() { ++i_; }
  size_t mark() const { return i_; }
  void reset(size_t m) { i_ = m; }

  std::string token() {
    size_t start = i_;
    while (i_ < s_.size() && is_tchar(s_[i_])) ++i_;
    return std::string(s_.substr(start, i_ - start));
  }

  Result<std::string> quoted() {
    ++i_;  // opening quote
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      char c = s_[i_];
      if (c == '\\') {
        if (++i_ >= s_.size()) break;
        c = s_[i_];
      }
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
        return usage_error("challenge: control character in a quoted value");
      out.push_back(c);
      ++i_;
    }
    if (i_ >= s_.size()) return usage_error("challenge: unterminated quoted value");
    ++i_;
    return out;
  }

  // A token68 ends with optional '=' padding and is followed by a comma, whitespace or the end.
  std::string token68() {
    size_t start = i_;
    while (i_ < s_.size() && is_token68_char(s_[i_])) ++i_;
    while (i_ < s_.size() && s_[i_] == '=') ++i_;
    return std::string(s_.substr(start, i_ - start));
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

// After a scheme: is what follows "name =" (an auth-param) rather than a token68 or a new scheme?
bool param_follows(Lexer& lx) {
  size_t m = lx.mark();
  lx.skip_ows();
  std::string name = lx.token();
  lx.skip_ows();
  bool yes = !name.empty() && lx.peek() == '=';
  if (yes) {
    // "abc==" is a token68 with padding, not a parameter named abc.
    lx.advance();
    lx.skip_ows();
    yes = lx.peek() != '=' && lx.peek() != ',' && !lx.at_end();
  }
  lx.reset(m);
  return yes;
}

}  // namespace

Result<std::vector<AuthChallenge>> parse_challenges(std::string_view header_value) {
  std::vector<AuthChallenge> out;
  Lexer lx(header_value);
  for (;;) {
    lx.skip_ows();
    while (lx.peek() == ',') {  // empty list elements are allowed (RFC 9110 section 5.6.1)
      lx.advance();
      lx.skip_ows();
    }
    if (lx.at_end()) break;
    AuthChallenge ch;
    ch.scheme = lx.token();
    if (ch.scheme.empty())
      return usage_error("challenge: expected an auth scheme at '" +
                         util::printable(header_value.substr(lx.mark(), 20)) + "'");
    if (!lx.at_end() && lx.peek() != ' ' && lx.peek() != '\t' && lx.peek() != ',')
      return usage_error("challenge: unexpected '" + std::string(1, lx.peek()) + "' after scheme " + ch.scheme);
    lx.skip_ows();
    if (!lx.at_end() && lx.peek() != ',' && !param_follows(lx)) {
      ch.token68 = lx.token68();
      lx.skip_ows();
      if (!lx.at_end() && lx.peek() != ',') return usage_error("challenge: malformed token after scheme " + ch.scheme);
      out.push_back(std::move(ch));
      continue;
    }
    // auth-params until one that is followed by a new scheme.
    while (param_follows(lx)) {
      lx.skip_ows();
      std::string name = util::to_lower(lx.token());
      lx.skip_ows();
      lx.advance();  // '='
      lx.skip_ows();
      std::string value;
      if (lx.peek() == '"') {
        auto q = lx.quoted();
        if (!q) return std::unexpected(q.error());
        value = std::move(*q);
      } else {
        value = lx.token();
        if (value.empty()) return usage_error("challenge: parameter " + name + " has no value");
      }
      if (ch.params.contains(name)) return usage_error("challenge: parameter " + name + " given twice");
      ch.params[name] = std::move(value);
      lx.skip_ows();
      if (lx.at_end()) break;
      if (lx.peek() != ',')
        return usage_error("challenge: expected ',' after parameter " + name + ", found '" + std::string(1, lx.peek()) +
                           "'");
      lx.advance();
      // Skip empty elements; stop when the next element starts a new challenge.
      for (;;) {
        lx.skip_ows();
        if (lx.peek() != ',') break;
        lx.advance();
      }
    }
    out.push_back(std::move(ch));
  }
  if (out.empty()) return usage_error("challenge: empty header");
  return out;
}

Result<AuthChallenge> parse_credentials(std::string_view header_value) {
  auto all = parse_challenges(header_value);
  if (!all) return std::unexpected(all.error());
  if (all->size() != 1) return usage_error("credentials: expected one scheme, found " + std::to_string(all->size()));
  return std::move(all->front());
}

std::string scheme_for_display(std::string_view authorization) {
  static constexpr std::string_view known[] = {"Basic",       "Bearer",        "Digest", "AWS4-HMAC-SHA256",
                                               "Negotiate",   "NTLM",          "HOBA",   "Mutual",
                                               "SCRAM-SHA-1", "SCRAM-SHA-256", "DPoP",   "Token"};
  auto trimmed = util::trim(authorization);
  auto space = trimmed.find(' ');
  if (space == std::string_view::npos) return "no scheme";
  for (auto k : known)
    if (util::iequals(trimmed.substr(0, space), k)) return "'" + std::string(k) + "'";
  return "an unknown scheme";
}

std::string quote(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace hookauth::auth
