#include <cstdlib>

#include "cli/app.hpp"
#include "cli/core_dumps.hpp"

int main(int argc, char** argv) {
  hookauth::cli::forbid_core_dumps(std::getenv("HOOKAUTH_ALLOW_CORE_DUMPS"));
  return hookauth::cli::run(argc, argv);
}
