#include "store/store_scan.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <unordered_set>

#include <nlohmann/json.hpp>

namespace hookauth::store {

namespace {

// A char iterator that publishes how far nlohmann's lexer has read, so the scan knows each
// entry's bytes without a second pass. The lexer reads '{' and '}' with no lookahead, so at
// start_object the last byte read is the '{', and at end_object the '}'.
class TrackedChars {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  TrackedChars(const char* at, const char** read) : at_(at), read_(read) {}
  reference operator*() const { return *at_; }
  TrackedChars& operator++() {
    *read_ = ++at_;
    return *this;
  }
  TrackedChars operator++(int) {
    TrackedChars before = *this;
    ++*this;
    return before;
  }
  bool operator==(const TrackedChars& other) const { return at_ == other.at_; }

 private:
  const char* at_;
  const char** read_;
};

enum class ValueKind { null, boolean, number, string, object, array };

// What the quick checks keep of one member of an authorization.
struct EntryMember {
  std::string key;
  bool string = false;      // a JSON string
  bool good_list = false;   // a non-empty array of non-empty one-line strings
  bool good_secret = false; // {"env": NAME} or {"file": PATH}, NAME and PATH non-empty strings
  bool empty = false;       // an empty string
  std::string value;        // the string, when it is one
};

class StoreEvents {
 public:
  StoreEvents(std::string_view text, bool keep_fields) : base_(text.data()), read_(text.data()), keep_(keep_fields) {}

  StoreScan result;

  const char* base() const { return base_; }
  const char** read() { return &read_; }

  bool null() { return value(ValueKind::null); }
  bool boolean(bool) { return value(ValueKind::boolean); }
  bool number_integer(std::int64_t v) { return number(std::to_string(v), v, true); }
  bool number_unsigned(std::uint64_t v) { return number(std::to_string(v), static_cast<long long>(v), true); }
  bool number_float(double, const std::string& s) { return number(s, 0, false); }
  bool binary(nlohmann::json::binary_t&) { return value(ValueKind::null); }
  bool string(std::string& s) {
    string_ = &s;
    bool ok = value(ValueKind::string);
    string_ = nullptr;
    return ok;
  }
  bool start_object(std::size_t) { return open(ValueKind::object); }
  bool start_array(std::size_t) { return open(ValueKind::array); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(std::string& k);
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex);

 private:
  enum class Section { none, authorizations, webhooks, other };

  std::size_t at() const { return static_cast<std::size_t>(read_ - base_); }
  bool number(const std::string& text, long long v, bool integer);
  bool value(ValueKind kind);
  bool open(ValueKind kind);
  bool close();
  void member_value(ValueKind kind);
  void inner_value(ValueKind kind);
  void end_entry();

  const char* base_;
  const char* read_;
  bool keep_;
  std::size_t depth_ = 0;  // 1 inside the root object, 2 inside a top-level array, 3 inside its entries
  Section section_ = Section::none;
  std::string top_key_;
  const std::string* string_ = nullptr;  // the string value being reported
  // The authorization entry being read: its members, and the member at depth 4 when it is a container.
  bool in_entry_ = false;
  std::vector<EntryMember> members_;
  std::size_t used_ = 0;  // members_[0, used_) belong to the entry; the rest keep their capacity
  std::string member_key_;
  ValueKind container_ = ValueKind::null;
  bool inner_good_ = false;
  std::size_t inner_count_ = 0;
  std::string inner_key_;
  std::unordered_set<std::string> names_;
};

bool StoreEvents::parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) {
  if (ex.id == 406) {  // nlohmann's "number overflow"
    result.out_of_range = true;
    return false;
  }
  const auto* pe = dynamic_cast<const nlohmann::json::parse_error*>(&ex);
  result.syntax_byte = pe ? pe->byte : position;
  result.syntax_what = ex.what();
  return false;
}

bool StoreEvents::number(const std::string& text, long long v, bool integer) {
  if (depth_ == 1 && top_key_ == "version") {
    result.version = text;
    result.version_integer = integer;
    result.version_value = v;
  }
  return value(ValueKind::number);
}

bool StoreEvents::key(std::string& k) {
  if (depth_ == 1) {
    top_key_ = k;
  } else if (in_entry_ && depth_ == 3) {
    member_key_ = k;
  } else if (in_entry_ && depth_ == 4 && container_ == ValueKind::object) {
    ++inner_count_;
    inner_key_ = k;
  }
  return true;
}

// Called for every value before it is entered: scalars and the start of containers alike.
bool StoreEvents::value(ValueKind kind) {
  if (depth_ == 0) {
    result.root_object = kind == ValueKind::object;
  } else if (depth_ == 1 && result.root_object) {
    if (top_key_ == "version") {
      result.has_version = true;
      if (kind != ValueKind::number) result.version.reset();
      section_ = Section::other;
      return true;
    }
    auto same = std::find_if(result.members.begin(), result.members.end(),
                             [&](const ScannedMember& m) { return m.key == top_key_; });
    if (same != result.members.end()) result.members.erase(same);  // as in a JSON value, the last one counts
    result.members.push_back({top_key_, kind == ValueKind::array});
    section_ = kind != ValueKind::array                ? Section::other
               : top_key_ == "authorizations"   ? Section::authorizations
               : top_key_ == "webhooks"         ? Section::webhooks
                                                : Section::other;
    if (section_ == Section::authorizations) {
      result.authorizations.clear();
      result.first_duplicate.reset();
      names_.clear();
    }
    if (section_ == Section::webhooks) result.webhooks.clear();
  } else if (depth_ == 2 && (section_ == Section::authorizations || section_ == Section::webhooks)) {
    auto& list = section_ == Section::authorizations ? result.authorizations : result.webhooks;
    list.emplace_back().object = kind == ValueKind::object;
  } else if (depth_ == 3 && in_entry_) {
    member_value(kind);
  } else if (depth_ == 4 && in_entry_) {
    inner_value(kind);
  } else if (depth_ > 4 && in_entry_) {
    inner_good_ = false;
  }
  return true;
}

bool StoreEvents::open(ValueKind kind) {
  value(kind);
  ++depth_;
  if (depth_ == 3 && kind == ValueKind::object && section_ != Section::none && section_ != Section::other) {
    auto& list = section_ == Section::authorizations ? result.authorizations : result.webhooks;
    list.back().begin = at() - 1;
    in_entry_ = section_ == Section::authorizations;
    used_ = 0;
  } else if (depth_ == 4 && in_entry_) {
    container_ = kind;
    inner_good_ = true;
    inner_count_ = 0;
  }
  return true;
}

bool StoreEvents::close() {
  --depth_;
  if (depth_ == 2 && (section_ == Section::authorizations || section_ == Section::webhooks)) {
    auto& list = section_ == Section::authorizations ? result.authorizations : result.webhooks;
    list.back().end = at();
    if (in_entry_) end_entry();
    in_entry_ = false;
  } else if (depth_ == 3 && in_entry_) {
    EntryMember& m = used_ < members_.size() ? members_[used_] : members_.emplace_back();
    ++used_;
    m.key = member_key_;
    m.string = m.empty = false;
    m.good_list = container_ == ValueKind::array && inner_good_ && inner_count_ > 0;
    m.good_secret = container_ == ValueKind::object && inner_good_ && inner_count_ == 1;
  }
  return true;
}

void StoreEvents::member_value(ValueKind kind) {
  if (kind == ValueKind::object || kind == ValueKind::array) return;  // recorded when it closes
  EntryMember& m = used_ < members_.size() ? members_[used_] : members_.emplace_back();
  ++used_;
  m.key = member_key_;
  m.string = kind == ValueKind::string;
  m.good_list = m.good_secret = false;
  m.empty = m.string && string_->empty();
  if (m.string) m.value = *string_;
}

// A value inside a member: an item of a list, or the one value of a secret reference.
void StoreEvents::inner_value(ValueKind kind) {
  if (kind != ValueKind::string || string_->empty()) {
    inner_good_ = false;
    return;
  }
  if (container_ == ValueKind::array) {
    ++inner_count_;
    if (string_->find('\n') != std::string::npos) inner_good_ = false;
  } else if (inner_key_ != "env" && inner_key_ != "file") {
    inner_good_ = false;
  }
}

// The quick checks of one authorization: they flag an entry whenever profile_from_json could
// refuse it for its shape (the values themselves are validate()'s, left to the full check).
void StoreEvents::end_entry() {
  ScannedEntry& entry = result.authorizations.back();
  const EntryMember *name = nullptr, *type = nullptr;
  bool suspect = false;
  for (std::size_t i = 0; i < used_; ++i) {
    const EntryMember& m = members_[i];
    for (std::size_t j = 0; j < i; ++j) suspect = suspect || members_[j].key == m.key;
    if (m.key == "name") name = &m;
    if (m.key == "type") type = &m;
  }
  if (name && name->string) {
    entry.name = name->value;
    if (!names_.insert(name->value).second && !result.first_duplicate)
      result.first_duplicate = result.authorizations.size() - 1;
  }
  const TypeSpec* spec = type && type->string ? find_type(type->value) : nullptr;
  suspect = suspect || !entry.name || !check_name(*entry.name) || !spec;
  for (std::size_t i = 0; i < used_ && !suspect; ++i) {
    const EntryMember& m = members_[i];
    if (&m == name || &m == type) continue;
    const FieldSpec* f = spec->field(m.key);
    suspect = !f || (f->secret ? !(m.string || m.good_secret) : f->list ? !m.good_list : !m.string);
  }
  for (std::size_t k = 0; spec && k < spec->fields.size() && !suspect; ++k) {
    const FieldSpec& f = spec->fields[k];
    if (!f.required) continue;
    auto given = std::find_if(members_.begin(), members_.begin() + static_cast<std::ptrdiff_t>(used_),
                              [&](const EntryMember& m) { return m.key == f.name; });
    suspect = given == members_.begin() + static_cast<std::ptrdiff_t>(used_) || given->empty;
  }
  entry.suspect = suspect;
  if (!keep_ || suspect) return;
  entry.listed.name = *entry.name;
  entry.listed.type = type->value;
  for (std::size_t i = 0; i < used_; ++i) {
    const EntryMember& m = members_[i];
    if (&m == name || &m == type || !m.string) continue;
    if (const FieldSpec* f = spec->field(m.key); f && !f->secret) entry.listed.fields.emplace(m.key, m.value);
  }
}

}  // namespace

StoreScan scan_store(std::string_view text, bool keep_fields) {
  StoreEvents scanner(text, keep_fields);
  TrackedChars first(text.data(), scanner.read()), last(text.data() + text.size(), scanner.read());
  nlohmann::json::sax_parse(first, last, &scanner);
  return std::move(scanner.result);
}

}  // namespace hookauth::store
