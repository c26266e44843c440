// The store file's text (store/store.hpp parse_store): schema, authorizations (store/profile.hpp)
// and saved webhooks (store/saved_webhook.hpp). A store that parses must validate or say why,
// serialize, and parse again to the same serialization (what `auth add` writes back is readable).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "store/profile.hpp"
#include "store/saved_webhook.hpp"
#include "store/store.hpp"

using namespace hookauth;

namespace {

bool only_literal_secrets(const store::Profile& p) {
  for (const auto& [name, ref] : p.secrets)
    if (ref.kind != store::SecretRef::Kind::literal) return false;  // env: and file: would read outside
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = store::parse_store(text, "store.json");
  if (!parsed) return 0;
  for (const auto& p : parsed->authorizations) {
    if (!store::validate(p)) continue;
    (void)store::to_json(p);
    if (only_literal_secrets(p)) {
      (void)store::to_credentials(p);
      (void)store::to_signature(p);
    }
  }
  for (const auto& w : parsed->webhooks) (void)store::validate(w);
  std::string written = store::serialize_store(*parsed);
  auto again = store::parse_store(written, "store.json");
  if (!again) {
    std::fprintf(stderr, "serialized store does not parse: %s\n", again.error().message.c_str());
    std::abort();
  }
  if (store::serialize_store(*again) != written) {
    std::fprintf(stderr, "serialized store changes when read and written again\n");
    std::abort();
  }
  return 0;
}
