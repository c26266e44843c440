// The state file's JSON (store/state_file.hpp): Digest sessions and counts and cached OAuth 2.0
// tokens read from a fuzzed state.json, and each read-modify-write over it. The file lives in a
// per-process directory under /dev/shm (tmpfs, so the fsyncs cost nothing), or $TMPDIR, made for
// each input and removed after it.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "store/state_file.hpp"

using namespace hookauth;
namespace fs = std::filesystem;

namespace {

// A fresh directory per input, removed after it (libFuzzer ends with _Exit, so no atexit).
fs::path scratch_dir() {
  static const fs::path dir = (fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path()) /
                              ("hookauth-fuzz-state-" + std::to_string(::getpid()));
  return dir;
}

// 0600, as hookauth writes it: StateFile refuses one that group or others can read.
void write(const fs::path& path, const std::uint8_t* data, std::size_t size) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fs::create_directories(scratch_dir());
  fs::permissions(scratch_dir(), fs::perms::owner_all, fs::perm_options::replace);
  struct Cleanup {
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(scratch_dir(), ec);
    }
  } cleanup;
  const fs::path path = scratch_dir() / "state.json";
  const store::StateFile state(path);
  const std::string key = store::digest_session_key("p", "http://127.0.0.1:8080");
  write(path, data, size);
  if (!state.read()) return 0;
  (void)store::peek_digest_session(state, key);
  (void)store::load_token(state, "p");
  (void)store::reserve_digest_session(state, key);
  (void)store::reserve_digest_count(state, key, "n1");
  store::DigestSession session;
  session.challenge.realm = "r";
  session.challenge.nonce = "n2";
  session.nc = 1;
  (void)store::remember_digest_session(state, key, session);
  (void)store::save_token(state, "q", store::CachedToken{"fp", auth::OAuth2Token{"t", "Bearer", {}, "", ""}});
  (void)store::forget_token(state, "p");
  if (!state.read()) std::abort();  // every update writes an object back
  return 0;
}
