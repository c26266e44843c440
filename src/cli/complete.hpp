#pragma once
// `hookauth __complete WORD...`: the shell completions ask the binary. The words are those after
// the program name, the last one the word under the cursor (possibly empty). The answer is one
// candidate a line (`candidate<TAB>description` when there is one), then a last line `:N`, N the
// sum of the directives below. See hookauth(1), COMPLETION.

#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace hookauth::cli {

// What the shell does besides offering the candidates.
enum Directive : unsigned {
  directive_files = 1,     // also complete file names
  directive_no_space = 2,  // add no space after the word (unused by hookauth's commands today)
};

struct Candidate {
  std::string value;
  std::string description;  // one line, may be empty
};

struct Completion {
  std::vector<Candidate> candidates;
  unsigned directive = 0;
};

// The store's authorizations or saved webhooks, or the AWS profiles (`auth add --aws-profile`).
enum class NameKind { authorizations, webhooks, aws_profiles };

// The names in the store that the line names (its --store value, empty when there is none), or the
// profile names of the AWS config and credentials files; empty when anything fails.
using NameSource = std::function<std::vector<std::string>(NameKind, const std::string& store)>;

// The candidates for the last of words (the words after the program name), from the CLI11 model
// under root (walked through its public API only) and the names that names gives. Candidates are
// those that start with the last word.
Completion complete_words(const CLI::App& root, const std::vector<std::string>& words, const NameSource& names);

// The answer's text: a line per candidate, then ":N".
std::string format_completion(const Completion& completion);

// Answers `hookauth __complete WORD...` on stdout for the model under root, with the names read from
// the store (no lock, no write); prints nothing on stderr and returns 0 whatever happens.
int run_complete(const CLI::App& root, const std::vector<std::string>& words);

}  // namespace hookauth::cli
