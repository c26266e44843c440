#include "cli/core_dumps.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <string_view>

namespace hookauth::cli {

void forbid_core_dumps(const char* allow) {
  if (allow && std::string_view(allow) == "1") return;
  struct rlimit none {};
  ::setrlimit(RLIMIT_CORE, &none);
  // Not dumpable also makes /proc/PID/{environ,mem,fd} root's and refuses ptrace from processes of
  // the same user without CAP_SYS_PTRACE. A tracer that starts hookauth (strace, gdb run) keeps tracing.
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

}  // namespace hookauth::cli
