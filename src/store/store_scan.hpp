#pragma once
// One pass over the store's text that builds no JSON values (a walk over plain JSON, else
// nlohmann's SAX parser): the syntax, the store's shape, where each entry stands and whether it
// could be broken, so a command parses only the entries it uses (store.cpp turns what it finds
// into the store's errors).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/profile.hpp"
#include "store/store.hpp"

namespace hookauth::store {

struct ScannedEntry {
  bool object = false;    // false: the entry is not a JSON object
  bool suspect = false;   // the quick checks found what profile_from_json may refuse
  std::size_t begin = 0;  // the entry's bytes, '{' to '}', when it is an object
  std::size_t end = 0;
  std::optional<std::string> name;  // its "name", when that is a string
};

struct ScannedMember {
  std::string key;
  bool array = false;
};

struct StoreScan {
  // When the text is not JSON: the byte nlohmann stopped at and its message, or a number out of range.
  std::optional<std::size_t> syntax_byte;
  std::string syntax_what;
  bool out_of_range = false;

  bool root_object = false;
  std::optional<std::string> version;  // the "version" member's JSON text when it is a number
  bool version_integer = false;
  long long version_value = 0;
  bool has_version = false;
  std::vector<ScannedMember> members;  // the top-level members but "version", in order
  std::vector<ScannedEntry> authorizations;
  std::vector<ScannedEntry> webhooks;
  std::optional<std::size_t> first_duplicate;  // the first authorization whose name was seen before
  // With a summary function, one per authorization: its name, type and summary; empty for an entry
  // the quick checks flagged.
  std::vector<ListedAuthorization> listed;
};

// Scans text. The quick checks of each authorization (name, type, that each member is a field of
// the type with the right kind of JSON value, the required fields) flag every entry that
// profile_from_json would refuse for its shape, and may flag more; the caller checks those in
// full. With summary, fills StoreScan::listed: summary is given each unflagged profile's name, type
// and non-secret single-valued fields, in one reused object.
StoreScan scan_store(std::string_view text, const SummaryFunction* summary);

}  // namespace hookauth::store
