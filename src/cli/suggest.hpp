#pragma once
// "Did you mean ...?" for a word the command line does not know: the known words closest to it by
// edit distance. Pure: the candidates come in from what CLI11 knows (cli/app.cpp) or a field's choices.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hookauth::cli {

// The optimal string alignment distance (Damerau-Levenshtein where no substring is edited twice):
// insertions, deletions, substitutions and swaps of two adjacent characters cost 1 each. ASCII
// letters compare without case.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidates nearest to word, in their given order, when near enough to be a typo: at most 1
// edit for a word of up to 3 characters, else at most 2 or a third of its length (a candidate that
// word is the start of counts as 1 edit, as git's "did you mean" favours prefixes). Empty when none is.
std::vector<std::string> closest_words(std::string_view word, const std::vector<std::string>& candidates);

// "did you mean 'x'?" (or "did you mean 'x' or 'y'?") for closest_words, or "" when there is none.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace hookauth::cli
