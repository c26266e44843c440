// The bearer checks of `webhook probe`.

#include "session/probe_catalogue.hpp"

namespace hookauth::session {

const std::vector<ProbeCheck>& bearer_probe_checks() {
  static const std::vector<ProbeCheck> checks;
  return checks;
}

}  // namespace hookauth::session
