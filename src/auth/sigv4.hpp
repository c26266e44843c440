#pragma once
// AWS Signature Version 4: header signing, query presigning and verification, stage by stage
// (canonical request, string to sign, signature) as AWS documents them and aws-c-auth does. The
// time is an argument; the signing key is derived once per (secret, date, region, service).

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "auth/credentials.hpp"
#include "util/result.hpp"
#include "util/time.hpp"

namespace hookauth::auth {

inline constexpr std::string_view sigv4_algorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view unsigned_payload = "UNSIGNED-PAYLOAD";

// Derived signing keys, kept so a batch derives each one once. Thread-safe.
class SigV4KeyCache {
 public:
  // kSigning for (secret, yyyymmdd, region, service) (AWS: "derive a signing key").
  std::string key(const std::string& secret, const std::string& date, const std::string& region,
                  const std::string& service);
  std::size_t derivations() const { return derivations_; }

 private:
  std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, std::string, std::string>, std::string> keys_;
  std::size_t derivations_ = 0;
};

// Every stage of one signature, for -v and for tests against the official suite.
struct SigV4Steps {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
  std::string signed_headers;  // "host;x-amz-date"
  std::string scope;           // "20150830/us-east-1/iam/aws4_request"
};

// The AWS URI encoding: everything but A-Z a-z 0-9 - _ . ~ as %XX; '/' kept when keep_slash.
std::string aws_uri_encode(std::string_view s, bool keep_slash);

// The canonical URI of a raw (already percent-encoded) path: for S3 the path as it is; for any
// other service dot segments and duplicate slashes removed, then encoded again.
std::string canonical_uri(std::string_view raw_path, std::string_view service);

// Query parameters decoded, encoded the AWS way, sorted by name then value; a key without '='
// gets an empty value. Parameters named in skip (X-Amz-Signature when verifying) are left out.
std::string canonical_query(std::string_view raw_query, std::string_view skip = "");

// "name:value\n" lines for the named headers (lowercase, sorted, values trimmed with inner runs
// of spaces folded, repeated headers joined with ','), from headers plus host.
std::string canonical_headers(const Headers& headers, const std::vector<std::string>& names, std::string_view host);

// The time as X-Amz-Date: 20150830T123600Z.
std::string amz_date(util::Clock::time_point t);

struct SigV4Input {
  std::string method;
  std::string raw_path;
  std::string raw_query;
  std::string host;
  const Headers* headers = nullptr;
  std::vector<std::string> signed_headers;  // lowercase, sorted, unique
  std::string payload_hash;
  std::string amz_date;  // 20150830T123600Z
};

// The three stages for this input with these credentials.
SigV4Steps sigv4_sign_steps(const AwsCredentials& credentials, const SigV4Input& input, SigV4KeyCache* cache);

// Header signing: adds X-Amz-Date, X-Amz-Security-Token and x-amz-content-sha256 as the profile
// asks, then Authorization. steps, when given, receives each stage.
Result<void> sign_sigv4(const AwsCredentials& credentials, Request& request, const SignContext& context);

// The query parameters presign_sigv4 adds to a URL.
inline constexpr std::array<std::string_view, 7> presign_query_params = {
    "X-Amz-Algorithm",     "X-Amz-Credential",     "X-Amz-Date",     "X-Amz-Expires",
    "X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature"};

// Query presigning (the request's URL gains presign_query_params); expires is 1 to 604800.
Result<void> presign_sigv4(const AwsCredentials& credentials, Request& request, util::Clock::time_point now,
                           std::int64_t expires, SigV4Steps* steps, SigV4KeyCache* cache);

// Checks an Authorization header or a presigned query against the profile; the reason names what
// differs; steps, when given, receives the verifier's own stages.
Verdict verify_sigv4(const AwsCredentials& credentials, const Request& request, const VerifyContext& context);

}  // namespace hookauth::auth
