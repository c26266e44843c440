// SigV4 (auth/sigv4.hpp): the canonical URI, query and headers of fuzzed path, query and header
// bytes, and verify_sigv4 of the fuzzed request (Authorization header or presigned X-Amz-* query).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "auth/sigv4.hpp"
#include "fuzz_common.hpp"
#include "fuzz_request_input.hpp"
#include "util/strings.hpp"

using namespace hookauth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auth::Request request = fuzz::request_from(data, size);
  auto target = auth::split_target(request.url);
  for (const char* service : {"s3", "iam"}) (void)auth::canonical_uri(target.path, service);
  (void)auth::canonical_uri(request.url, "iam");
  (void)auth::canonical_query(target.query);
  (void)auth::canonical_query(target.query, "X-Amz-Signature");
  (void)auth::aws_uri_encode(request.body, true);
  std::vector<std::string> names{"host"};
  for (const auto& [k, v] : request.headers.items) names.push_back(util::to_lower(k));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  (void)auth::canonical_headers(request.headers, names, request.headers.get("host").value_or("example.com"));

  static const auth::AwsCredentials credentials[] = {fuzz::aws("iam"), fuzz::aws("s3", "session-token-example")};
  for (const auto& c : credentials) {
    auth::SigV4Steps steps;
    auth::VerifyContext context{fuzz::now, nullptr, std::chrono::seconds(300), &steps, nullptr};
    (void)auth::verify_sigv4(c, request, context);
  }
  return 0;
}
