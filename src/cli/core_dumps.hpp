#pragma once
// Process hygiene at start-up: a crash of hookauth writes no core file, and other processes of the
// same user cannot read its memory, since both would hold the secrets it resolved.

namespace hookauth::cli {

// Sets RLIMIT_CORE to 0 (soft and hard) and PR_SET_DUMPABLE to 0, unless allow (the value of
// HOOKAUTH_ALLOW_CORE_DUMPS) is "1": the way out for a debugger attaching to a running hookauth or
// a core wanted for a bug report. Both calls only lower what the process may do, so they cannot
// fail in a way worth reporting.
void forbid_core_dumps(const char* allow);

}  // namespace hookauth::cli
