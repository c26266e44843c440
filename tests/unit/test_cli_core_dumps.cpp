#include "cli/core_dumps.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

namespace hookauth::cli {

namespace {
// forbid_core_dumps(allow) run in a child, whose exit status says what it saw afterwards: bit 0 set
// when the core limit (soft and hard) is 0, bit 1 when the process is dumpable. The child starts
// dumpable with an unlimited soft limit, so both bits say what the call changed.
int after_forbid(const char* allow) {
  pid_t pid = ::fork();
  if (pid == 0) {
    struct rlimit start {};
    ::getrlimit(RLIMIT_CORE, &start);
    start.rlim_cur = start.rlim_max;
    ::setrlimit(RLIMIT_CORE, &start);
    ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    forbid_core_dumps(allow);
    struct rlimit now {};
    ::getrlimit(RLIMIT_CORE, &now);
    int seen = (now.rlim_cur == 0 && now.rlim_max == 0 ? 1 : 0) | (::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1 ? 2 : 0);
    ::_exit(seen);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}
}  // namespace

TEST_CASE("forbid_core_dumps: core limit 0 and not dumpable, unless HOOKAUTH_ALLOW_CORE_DUMPS is 1") {
  struct rlimit mine {};
  REQUIRE(::getrlimit(RLIMIT_CORE, &mine) == 0);
  CHECK(after_forbid(nullptr) == 1);
  CHECK(after_forbid("") == 1);
  CHECK(after_forbid("0") == 1);
  CHECK(after_forbid("yes") == 1);
  // Allowed: still dumpable, and the limit as it was (0 only if the hard limit was 0 to begin with).
  CHECK(after_forbid("1") == (mine.rlim_max == 0 ? 3 : 2));
}

}  // namespace hookauth::cli
