#include "cli/app.hpp"

int main(int argc, char** argv) { return hookauth::cli::run(argc, argv); }
