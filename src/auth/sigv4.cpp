#include "auth/sigv4.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>

#include "auth/crypto.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

namespace hookauth::auth {

std::string SigV4KeyCache::key(const std::string& secret, const std::string& date, const std::string& region,
                               const std::string& service) {
  std::lock_guard lock(mutex_);
  auto k = std::make_tuple(secret, date, region, service);
  if (auto it = keys_.find(k); it != keys_.end()) return it->second;
  ++derivations_;
  // "Derive a signing key for SigV4": kDate, kRegion, kService, kSigning.
  std::string key = crypto::hmac_sha256("AWS4" + secret, date);
  key = crypto::hmac_sha256(key, region);
  key = crypto::hmac_sha256(key, service);
  key = crypto::hmac_sha256(key, "aws4_request");
  keys_.emplace(std::move(k), key);
  return key;
}

std::string aws_uri_encode(std::string_view s, bool keep_slash) {
  if (!keep_slash) return util::percent_encode(s);  // the same unreserved set as RFC 3986
  std::string out;
  bool first = true;
  for (auto segment : util::split(s, '/')) {
    if (!first) out.push_back('/');
    first = false;
    out += util::percent_encode(segment);
  }
  return out;
}

namespace {

// RFC 3986 section 5.2.4, with the empty segments of duplicate slashes dropped as AWS asks.
std::string remove_dot_segments(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> out;
  for (auto seg : util::split(path, '/')) {
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
    } else {
      out.push_back(seg);
    }
  }
  std::string result = path.front() == '/' ? "/" : "";
  for (size_t i = 0; i < out.size(); ++i) result += (i ? "/" : "") + std::string(out[i]);
  if (path.back() == '/' && !out.empty()) result += "/";
  return result;
}

bool is_s3(std::string_view service) {
  return service == "s3" || service == "s3-object-lambda" || service == "s3express";
}

std::string date_part(const std::string& amz) { return amz.substr(0, 8); }

std::string hex_sha256(std::string_view s) { return crypto::hex_encode(crypto::sha256(s)); }

// A presigned URL's payload: S3 signs UNSIGNED-PAYLOAD; other services the body's SHA-256, as
// botocore's SigV4QueryAuth does.
std::string presigned_payload(const AwsCredentials& c, std::string_view body);

std::string join(const std::vector<std::string>& v, char sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? std::string(1, sep) : "") + v[i];
  return out;
}

// The headers a sender signs: host, every x-amz-*, content-type, and the profile's extras.
std::vector<std::string> headers_to_sign(const AwsCredentials& c, const Headers& headers) {
  std::vector<std::string> names{"host"};
  for (const auto& [k, v] : headers.items) {
    std::string l = util::to_lower(k);
    if (l.starts_with("x-amz-") || l == "content-type" ||
        std::find(c.sign_headers.begin(), c.sign_headers.end(), l) != c.sign_headers.end())
      names.push_back(l);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

// Content-Length is not among the headers until libcurl adds it: when the profile signs it, it is
// set here to what will be sent, so the signed value and the sent one are the same header.
void add_signed_content_length(const AwsCredentials& c, Request& request) {
  bool signed_length =
      std::find(c.sign_headers.begin(), c.sign_headers.end(), "content-length") != c.sign_headers.end();
  if (signed_length && sends_body(request) && !request.headers.has("Content-Length"))
    request.headers.add("Content-Length", std::to_string(request.body.size()));
}

}  // namespace

std::string canonical_uri(std::string_view raw_path, std::string_view service) {
  if (raw_path.empty()) return "/";
  if (is_s3(service)) return std::string(raw_path);
  return aws_uri_encode(remove_dot_segments(raw_path), true);
}

std::string canonical_query(std::string_view raw_query, std::string_view skip) {
  std::vector<std::pair<std::string, std::string>> params;
  if (!raw_query.empty()) {
    for (auto part : util::split(raw_query, '&')) {
      if (part.empty()) continue;
      auto eq = part.find('=');
      std::string name = util::percent_decode(part.substr(0, eq));
      if (!skip.empty() && name == skip) continue;
      std::string value = eq == std::string_view::npos ? "" : util::percent_decode(part.substr(eq + 1));
      params.emplace_back(aws_uri_encode(name, false), aws_uri_encode(value, false));
    }
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) out += (out.empty() ? "" : "&") + k + "=" + v;
  return out;
}

std::string canonical_headers(const Headers& headers, const std::vector<std::string>& names, std::string_view host) {
  std::string out;
  for (const auto& name : names) {
    std::vector<std::string> values;
    if (name == "host" && !headers.has("host")) values.emplace_back(host);
    for (const auto& [k, v] : headers.items) {
      if (!util::iequals(k, name)) continue;
      // Trimall: outer whitespace removed, inner runs of spaces folded to one.
      std::string folded;
      bool space = false;
      for (char ch : util::trim(v)) {
        if (ch == ' ' || ch == '\t') {
          space = true;
          continue;
        }
        if (space && !folded.empty()) folded.push_back(' ');
        space = false;
        folded.push_back(ch);
      }
      // Host names are case-insensitive: signed as a sender derives them from the URL.
      values.push_back(name == "host" ? util::to_lower(folded) : std::move(folded));
    }
    out += name + ":" + join(values, ',') + "\n";
  }
  return out;
}

namespace {
std::string presigned_payload(const AwsCredentials& c, std::string_view body) {
  return is_s3(c.service) ? std::string(unsigned_payload) : hex_sha256(body);
}
}  // namespace

std::string amz_date(util::Clock::time_point t) {
  std::time_t secs = util::Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

SigV4Steps sigv4_sign_steps(const AwsCredentials& c, const SigV4Input& in, SigV4KeyCache* cache) {
  SigV4Steps s;
  s.signed_headers = join(in.signed_headers, ';');
  // Task 1: the canonical request.
  s.canonical_request = in.method + "\n" + canonical_uri(in.raw_path, c.service) + "\n" +
                        canonical_query(in.raw_query, "X-Amz-Signature") + "\n" +
                        canonical_headers(*in.headers, in.signed_headers, in.host) + "\n" + s.signed_headers + "\n" +
                        in.payload_hash;
  // Task 2: the string to sign.
  s.scope = date_part(in.amz_date) + "/" + c.region + "/" + c.service + "/aws4_request";
  s.string_to_sign =
      std::string(sigv4_algorithm) + "\n" + in.amz_date + "\n" + s.scope + "\n" + hex_sha256(s.canonical_request);
  // Task 3: the signature.
  SigV4KeyCache local;
  std::string key = (cache ? cache : &local)->key(c.secret_key, date_part(in.amz_date), c.region, c.service);
  s.signature = crypto::hex_encode(crypto::hmac_sha256(key, s.string_to_sign));
  return s;
}

namespace {

Result<std::string> host_of(const Request& r) {
  if (auto h = r.headers.get("Host")) return *h;
  auto url = util::split_url(r.url);
  if (!url) return usage_error("sigv4: the request's URL " + url.error().message);
  return util::host_header(*url);
}

}  // namespace

Result<void> sign_sigv4(const AwsCredentials& c, Request& request, const SignContext& context) {
  auto host = host_of(request);
  if (!host) return std::unexpected(host.error());
  std::string date = amz_date(context.now);
  add_signed_content_length(c, request);
  request.headers.set("X-Amz-Date", date);
  if (!c.session_token.empty()) request.headers.set("X-Amz-Security-Token", c.session_token);
  std::string payload = c.unsigned_payload ? std::string(unsigned_payload) : hex_sha256(request.body);
  // An unsigned payload is always declared (as botocore does), so a receiver can tell.
  if (c.content_sha256 || c.unsigned_payload) request.headers.set("x-amz-content-sha256", payload);
  auto target = split_target(request.url);
  SigV4Input in{request.method, target.path, target.query, *host, &request.headers, headers_to_sign(c, request.headers),
                payload,        date};
  auto steps = sigv4_sign_steps(c, in, context.sigv4_keys);
  request.headers.set("Authorization", std::string(sigv4_algorithm) + " Credential=" + c.access_key + "/" +
                                           steps.scope + ", SignedHeaders=" + steps.signed_headers +
                                           ", Signature=" + steps.signature);
  if (context.sigv4_steps) *context.sigv4_steps = std::move(steps);
  return {};
}

Result<void> presign_sigv4(const AwsCredentials& c, Request& request, util::Clock::time_point now, std::int64_t expires,
                           SigV4Steps* out, SigV4KeyCache* cache) {
  if (expires < 1 || expires > 604800) return usage_error("--expires: must be 1 to 604800 seconds (7 days)");
  auto host = host_of(request);
  if (!host) return std::unexpected(host.error());
  std::string date = amz_date(now);
  add_signed_content_length(c, request);
  std::vector<std::string> names{"host"};
  for (const auto& h : c.sign_headers)
    if (request.headers.has(h)) names.push_back(h);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string scope = date.substr(0, 8) + "/" + c.region + "/" + c.service + "/aws4_request";
  // The operation's parameters first, then the authentication ones (as botocore orders them).
  std::string fragment;
  if (auto hash = request.url.find('#'); hash != std::string::npos) {
    fragment = request.url.substr(hash);
    request.url.resize(hash);
  }
  std::string auth = "X-Amz-Algorithm=" + std::string(sigv4_algorithm) +
                     "&X-Amz-Credential=" + aws_uri_encode(c.access_key + "/" + scope, false) + "&X-Amz-Date=" + date +
                     "&X-Amz-Expires=" + std::to_string(expires) +
                     "&X-Amz-SignedHeaders=" + aws_uri_encode(join(names, ';'), false);
  if (!c.session_token.empty()) auth += "&X-Amz-Security-Token=" + aws_uri_encode(c.session_token, false);
  auto q = request.url.find('?');
  if (q == std::string::npos)
    request.url += "?" + auth;
  else if (q + 1 == request.url.size())
    request.url += auth;
  else
    request.url += "&" + auth;
  auto target = split_target(request.url);
  SigV4Input in{request.method,
                target.path,
                target.query,
                *host,
                &request.headers,
                names,
                presigned_payload(c, request.body),
                date};
  auto steps = sigv4_sign_steps(c, in, cache);
  request.url += "&X-Amz-Signature=" + steps.signature + fragment;
  if (out) *out = std::move(steps);
  return {};
}

}  // namespace hookauth::auth

namespace hookauth::auth {

namespace {

struct SigV4Claim {
  std::string credential, signed_headers, signature, date;
  std::int64_t expires = -1;  // presigned only
  bool presigned = false;
};

// "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...".
std::optional<SigV4Claim> parse_authorization(std::string_view value, std::string& why) {
  value = util::trim(value);
  if (!value.starts_with(sigv4_algorithm) || value.size() == sigv4_algorithm.size() ||
      value[sigv4_algorithm.size()] != ' ') {
    why = "Authorization is not AWS4-HMAC-SHA256";
    return std::nullopt;
  }
  SigV4Claim c;
  for (auto part : util::split(value.substr(sigv4_algorithm.size() + 1), ',')) {
    part = util::trim(part);
    auto eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    auto name = part.substr(0, eq);
    std::string v(util::trim(part.substr(eq + 1)));
    if (name == "Credential")
      c.credential = v;
    else if (name == "SignedHeaders")
      c.signed_headers = v;
    else if (name == "Signature")
      c.signature = v;
  }
  for (auto [field, text] : {std::pair{"Credential", &c.credential}, std::pair{"SignedHeaders", &c.signed_headers},
                             std::pair{"Signature", &c.signature}})
    if (text->empty()) {
      why = std::string("Authorization has no ") + field;
      return std::nullopt;
    }
  return c;
}

std::optional<SigV4Claim> parse_presigned(const std::vector<std::pair<std::string, std::string>>& q, std::string& why) {
  SigV4Claim c;
  c.presigned = true;
  std::string algorithm, expires;
  for (const auto& [k, v] : q) {
    if (k == "X-Amz-Algorithm")
      algorithm = v;
    else if (k == "X-Amz-Credential")
      c.credential = v;
    else if (k == "X-Amz-SignedHeaders")
      c.signed_headers = v;
    else if (k == "X-Amz-Signature")
      c.signature = v;
    else if (k == "X-Amz-Date")
      c.date = v;
    else if (k == "X-Amz-Expires")
      expires = v;
  }
  if (algorithm != sigv4_algorithm) {
    why = "X-Amz-Algorithm is not AWS4-HMAC-SHA256";
    return std::nullopt;
  }
  for (auto [field, text] :
       {std::pair{"X-Amz-Credential", &c.credential}, std::pair{"X-Amz-SignedHeaders", &c.signed_headers},
        std::pair{"X-Amz-Signature", &c.signature}, std::pair{"X-Amz-Date", &c.date},
        std::pair{"X-Amz-Expires", &expires}})
    if (text->empty()) {
      why = std::string("presigned query has no ") + field;
      return std::nullopt;
    }
  auto [ptr, ec] = std::from_chars(expires.data(), expires.data() + expires.size(), c.expires);
  if (ec != std::errc() || ptr != expires.data() + expires.size() || c.expires < 1 || c.expires > 604800) {
    why = "X-Amz-Expires must be 1 to 604800 seconds";
    return std::nullopt;
  }
  return c;
}

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Reads the claim from the Authorization header and X-Amz-Date, or from a presigned query (AWS:
// "Authenticating requests: using the Authorization header" and "using query parameters").
std::expected<SigV4Claim, std::string> read_sigv4_claim(const Request& request, const QueryParams& params) {
  std::string why;
  std::optional<SigV4Claim> claim;
  if (auto a = request.headers.get("Authorization")) {
    claim = parse_authorization(*a, why);
    if (claim) {
      auto d = request.headers.get("X-Amz-Date");
      if (!d) return std::unexpected("no X-Amz-Date header");
      claim->date = *d;
    }
  } else if (std::any_of(params.begin(), params.end(), [](const auto& p) { return p.first == "X-Amz-Algorithm"; })) {
    claim = parse_presigned(params, why);
  } else {
    return std::unexpected("no SigV4 Authorization header or presigned query");
  }
  if (!claim) return std::unexpected(why);
  return std::move(*claim);
}

// Checks the credential scope (AKID/yyyymmdd/region/service/aws4_request) against the profile and
// X-Amz-Date (AWS: "elements of an AWS API request signature", credential scope); the signing time.
std::expected<util::Clock::time_point, std::string> check_sigv4_scope(const AwsCredentials& c,
                                                                      const SigV4Claim& claim) {
  auto scope = util::split(claim.credential, '/');
  if (scope.size() != 5 || scope[4] != "aws4_request")
    return std::unexpected("Credential is not KEY/DATE/REGION/SERVICE/aws4_request");
  if (scope[0] != c.access_key)
    return std::unexpected("access key id " + std::string(scope[0]) + " is not the profile's");
  if (scope[2] != c.region) return std::unexpected("scope region " + std::string(scope[2]) + " is not " + c.region);
  if (scope[3] != c.service) return std::unexpected("scope service " + std::string(scope[3]) + " is not " + c.service);
  auto when = util::parse_time(claim.date);
  if (!when || claim.date.size() != 16)
    return std::unexpected("X-Amz-Date '" + util::excerpt(claim.date, 40) + "' is not YYYYMMDDTHHMMSSZ");
  if (scope[1] != claim.date.substr(0, 8))
    return std::unexpected("scope date " + std::string(scope[1]) + " differs from X-Amz-Date " + claim.date);
  return *when;
}

// Checks the signing time: a presigned URL within X-Amz-Expires and not from the future, a header
// signature within the maximum skew either way (AWS: "X-Amz-Expires", "signature time").
std::optional<std::string> check_sigv4_age(const SigV4Claim& claim, util::Clock::time_point when,
                                           const VerifyContext& ctx) {
  auto age = std::chrono::duration_cast<std::chrono::seconds>(ctx.now - when);
  if (claim.presigned) {
    if (age.count() > claim.expires)
      return "presigned URL expired " + std::to_string(age.count() - claim.expires) + " s ago (X-Amz-Expires " +
             std::to_string(claim.expires) + ")";
    if (-age > ctx.max_skew)
      return "X-Amz-Date is " + std::to_string(-age.count()) + " s in the future (max skew " +
             std::to_string(ctx.max_skew.count()) + " s)";
  } else if (age > ctx.max_skew || -age > ctx.max_skew) {
    return "X-Amz-Date is " + std::to_string(age.count() < 0 ? -age.count() : age.count()) + " s " +
           (age.count() < 0 ? "in the future" : "old") + " (max skew " + std::to_string(ctx.max_skew.count()) + " s)";
  }
  return std::nullopt;
}

// Checks SignedHeaders (host included, sorted, each in the request), the session token, and that
// no header that must be signed went unsigned (AWS: "canonical headers", "signed headers").
std::optional<std::string> check_sigv4_signed_headers(const AwsCredentials& c, const Request& request,
                                                      const QueryParams& params, const SigV4Claim& claim,
                                                      const std::vector<std::string>& names) {
  if (std::find(names.begin(), names.end(), "host") == names.end()) return "SignedHeaders does not include host";
  if (!std::is_sorted(names.begin(), names.end())) return "SignedHeaders is not sorted";
  for (const auto& n : names)
    if (!request.headers.has(n)) return "signed header " + n + " is not in the request";
  if (!c.session_token.empty()) {
    std::optional<std::string> token = request.headers.get("X-Amz-Security-Token");
    if (claim.presigned)
      for (const auto& [k, v] : params)
        if (k == "X-Amz-Security-Token") token = v;
    if (!token || !crypto::constant_time_equal(*token, c.session_token)) return "wrong or missing X-Amz-Security-Token";
    if (!claim.presigned && std::find(names.begin(), names.end(), "x-amz-security-token") == names.end())
      return "X-Amz-Security-Token is not signed";
  }
  // As AWS requires, every x-amz-* header is signed, and so is each header the profile names:
  // unsigned, it could have been added by anyone on the way. (Content-Type may go unsigned, as
  // curl --aws-sigv4 sends it.)
  for (const auto& [k, v] : request.headers.items) {
    std::string l = util::to_lower(k);
    bool must =
        l.starts_with("x-amz-") || std::find(c.sign_headers.begin(), c.sign_headers.end(), l) != c.sign_headers.end();
    if (must && std::find(names.begin(), names.end(), l) == names.end())
      return "header " + l + " is in the request but not signed";
  }
  return std::nullopt;
}

// The payload hash that ends the canonical request: the declared x-amz-content-sha256 when it is
// UNSIGNED-PAYLOAD or the body's hash (AWS: "HashedPayload"); the reason when it is neither.
std::expected<std::string, std::string> sigv4_payload_of(const AwsCredentials& c, const Request& request,
                                                         const SigV4Claim& claim) {
  if (claim.presigned) return presigned_payload(c, request.body);
  std::string body_hash = hex_sha256(request.body);
  if (auto declared = request.headers.get("x-amz-content-sha256")) {
    std::string payload(util::trim(*declared));
    if (payload != unsigned_payload && payload != body_hash)
      return std::unexpected("body does not match x-amz-content-sha256");
    return payload;
  }
  // Without the header the profile says whether the body was signed.
  return c.unsigned_payload ? std::string(unsigned_payload) : body_hash;
}

}  // namespace

Verdict verify_sigv4(const AwsCredentials& c, const Request& request, const VerifyContext& ctx) {
  auto no = [](std::string reason) { return Verdict{false, std::move(reason), {}}; };
  auto target = split_target(request.url);
  auto params = parse_query(target.query);
  auto claim = read_sigv4_claim(request, params);
  if (!claim) return no(claim.error());
  auto when = check_sigv4_scope(c, *claim);
  if (!when) return no(when.error());
  if (auto refused = check_sigv4_age(*claim, *when, ctx)) return no(*refused);
  std::vector<std::string> names;
  for (auto n : util::split(claim->signed_headers, ';')) names.emplace_back(n);
  if (auto refused = check_sigv4_signed_headers(c, request, params, *claim, names)) return no(*refused);
  auto payload = sigv4_payload_of(c, request, *claim);
  if (!payload) return no(payload.error());
  SigV4Input in{request.method, target.path, target.query, "", &request.headers, names, *payload, claim->date};
  auto steps = sigv4_sign_steps(c, in, nullptr);
  bool match = crypto::constant_time_equal(steps.signature, claim->signature);
  if (ctx.sigv4_steps) *ctx.sigv4_steps = std::move(steps);
  if (!match)
    return no(
        "signature does not match (the canonical request or the string to sign differ: -v prints the verifier's)");
  return {true, "", {}};
}

}  // namespace hookauth::auth
