// The AWS shared credentials and config files (store/aws_config.hpp) and credential_process's
// answer. Input: the credentials file's text, then "\\\n", then the config file's text; the whole
// input is also read as a process answer. Nothing is read from disk and no process runs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <fuzzer/FuzzedDataProvider.h>

#include "store/aws_config.hpp"

using namespace hookauth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string whole(reinterpret_cast<const char*>(data), size);
  (void)store::parse_process_answer(whole);
  FuzzedDataProvider in(data, size);
  store::AwsFiles files;
  files.paths = {"/home/u/.aws/credentials", "/home/u/.aws/config"};
  files.credentials = in.ConsumeRandomLengthString(1 << 16);
  files.config = in.ConsumeRemainingBytesAsString();
  for (const auto& text : {*files.credentials, *files.config})
    if (auto sections = store::parse_ini(text))
      for (const auto& s : *sections)
        if (s.name.empty() || s.name == "DEFAULT") std::abort();  // a header holds one character at least
  auto names = store::aws_profile_names(files);
  names.insert(names.end(), {"default", "dev"});
  for (const auto& name : names) {
    auto settings = store::aws_profile_settings(files, name);
    // A profile resolves to static keys (both of them) or to a command, never to neither.
    if (settings && settings->credential_process.empty() &&
        (settings->access_key.empty() || settings->secret_key.empty()))
      std::abort();
  }
  return 0;
}
