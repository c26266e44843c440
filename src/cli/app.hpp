#pragma once

namespace hookauth::cli {

// Parses the command line, runs the command, and turns every failure into one line on stderr
// and a documented exit code.
int run(int argc, char** argv);

}  // namespace hookauth::cli
