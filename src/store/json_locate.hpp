#pragma once
// Finds where a value stands in JSON text, so a schema error can name its line and column.

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hookauth::store {

struct TextPosition {
  std::size_t line = 1;    // 1-based
  std::size_t column = 1;  // 1-based, in bytes
};

TextPosition position_of(std::string_view text, std::size_t byte_offset);

using PathStep = std::variant<std::string, std::size_t>;  // an object key or an array index

// The byte offset of the value at path in text, which must be valid JSON; for a key step whose
// member is missing, the offset of the enclosing object. Offset 0 when nothing matches.
std::size_t locate(std::string_view text, const std::vector<PathStep>& path);

}  // namespace hookauth::store
