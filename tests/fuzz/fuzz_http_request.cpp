// The raw HTTP/1.1 request parser of `verify --request` (auth/http_message.hpp): request line,
// headers, Content-Length and chunked bodies; then the target's path and query, the URL splitter
// (util/url.hpp) and the JSON check behind the default Content-Type.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/http_message.hpp"
#include "util/url.hpp"

using namespace hookauth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  auto request = auth::parse_raw_request(raw);
  if (request) {
    auto target = auth::split_target(request->url);
    (void)auth::parse_query(target.query);
    (void)request->headers.get("host");
    (void)request->headers.get("authorization");
  }
  auto target = auth::split_target(raw);
  (void)auth::parse_query(target.query);
  (void)auth::parse_query(raw);
  if (auto url = util::split_url(raw)) (void)util::host_header(*url);
  (void)util::origin_of(raw);
  (void)auth::default_content_type(raw);
  return 0;
}
