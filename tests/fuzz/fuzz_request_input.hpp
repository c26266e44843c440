#pragma once
// The fuzzed request of the verify targets: a raw HTTP/1.1 request when the input is one (so the
// seeds are readable requests), else fields taken apart with FuzzedDataProvider (so bytes the
// raw parser refuses still reach the verifiers).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <fuzzer/FuzzedDataProvider.h>

#include "auth/http_message.hpp"

namespace hookauth::fuzz {

inline auth::Request request_from(const std::uint8_t* data, std::size_t size) {
  if (auto r = auth::parse_raw_request(std::string_view(reinterpret_cast<const char*>(data), size))) return *r;
  FuzzedDataProvider in(data, size);
  auth::Request r;
  r.method = in.ConsumeRandomLengthString(16);
  r.url = in.ConsumeRandomLengthString(512);
  while (in.remaining_bytes() > 0 && r.headers.items.size() < 16) {
    std::string name = in.ConsumeRandomLengthString(64);
    if (name.empty()) break;
    r.headers.add(std::move(name), in.ConsumeRandomLengthString(1024));
  }
  r.body = in.ConsumeRemainingBytesAsString();
  return r;
}

}  // namespace hookauth::fuzz
