#include "store/store_scan.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>

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
  bool string = false;       // a JSON string
  bool good_list = false;    // a non-empty array of non-empty one-line strings
  bool good_secret = false;  // {"env": NAME} or {"file": PATH}, NAME and PATH non-empty strings
  bool empty = false;        // an empty string
  std::string value;         // the string, when it is one
};

class StoreEvents {
 public:
  StoreEvents(std::string_view text, const SummaryFunction* summary)
      : base_(text.data()), read_(text.data()), summary_(summary) {
    // Room for as many entries as the text has objects, so the lists never grow by copying: pages
    // reserved and never written cost nothing.
    std::size_t objects = 0;
    for (const char* p = text.data();
         (p = static_cast<const char*>(std::memchr(p, '{', text.data() + text.size() - p))); ++p)
      ++objects;
    result.authorizations.reserve(objects);
    if (summary_) result.listed.reserve(objects);
  }

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
  const SummaryFunction* summary_;
  Profile scratch_;        // the profile given to summary_, one entry after another
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
    section_ = kind != ValueKind::array       ? Section::other
               : top_key_ == "authorizations" ? Section::authorizations
               : top_key_ == "webhooks"       ? Section::webhooks
                                              : Section::other;
    if (section_ == Section::authorizations) {
      result.authorizations.clear();
      result.listed.clear();
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
  if (!summary_) return;
  ListedAuthorization& row = result.listed.emplace_back();
  if (suspect) return;
  scratch_.name = *entry.name;
  scratch_.type = type->value;
  scratch_.fields.clear();
  for (std::size_t i = 0; i < used_; ++i) {
    const EntryMember& m = members_[i];
    if (&m == name || &m == type || !m.string) continue;
    if (const FieldSpec* f = spec->field(m.key); f && !f->secret && !f->list) scratch_.fields.emplace(m.key, m.value);
  }
  row = {scratch_.name, scratch_.type, (*summary_)(scratch_)};
}

// A walk over plain JSON: ASCII strings with the one-letter escapes, integers of up to 18 digits,
// nesting to 64 levels, which is what hookauth writes. It reports the events nlohmann's SAX parser
// would, in fewer instructions than nlohmann's lexer alone (BENCHMARKS.md, section 3.1), and gives up (false) on
// anything else, valid or not: nlohmann's parser then reads the text again, with its own messages for what is wrong.
class PlainJsonWalk {
 public:
  PlainJsonWalk(std::string_view text, StoreEvents& events)
      : at_(text.data()), end_(text.data() + text.size()), events_(events) {}

  bool run() {
    skip_ws();
    if (!value(0)) return false;
    skip_ws();
    return at_ == end_;
  }

 private:
  void skip_ws() {
    while (at_ != end_ && (*at_ == ' ' || *at_ == '\n' || *at_ == '\r' || *at_ == '\t')) ++at_;
  }
  bool next_is(char c) {
    skip_ws();
    if (at_ == end_ || *at_ != c) return false;
    ++at_;
    return true;
  }
  void mark() { *events_.read() = at_; }

  bool value(int depth) {
    if (at_ == end_ || depth > 64) return false;
    switch (*at_) {
      case '{':
        return object(depth);
      case '[':
        return array(depth);
      case '"':
        return string(buffer_) && events_.string(buffer_);
      case 't':
        return literal("true") && events_.boolean(true);
      case 'f':
        return literal("false") && events_.boolean(false);
      case 'n':
        return literal("null") && events_.null();
      default:
        return integer();
    }
  }

  bool object(int depth) {
    ++at_;
    mark();
    events_.start_object(static_cast<std::size_t>(-1));
    if (!next_is('}')) {
      do {
        skip_ws();
        if (at_ == end_ || *at_ != '"' || !string(key_) || !events_.key(key_) || !next_is(':')) return false;
        skip_ws();
        if (!value(depth + 1)) return false;
      } while (next_is(','));
      if (!next_is('}')) return false;
    }
    mark();
    return events_.end_object();
  }

  bool array(int depth) {
    ++at_;
    mark();
    events_.start_array(static_cast<std::size_t>(-1));
    if (!next_is(']')) {
      do {
        skip_ws();
        if (!value(depth + 1)) return false;
      } while (next_is(','));
      if (!next_is(']')) return false;
    }
    mark();
    return events_.end_array();
  }

  bool string(std::string& out) {
    out.clear();
    ++at_;
    for (;;) {
      const char* run = at_;
      while (at_ != end_ && plain_[static_cast<unsigned char>(*at_)]) ++at_;
      out.append(run, at_);
      if (at_ == end_) return false;
      if (*at_ == '"') {
        ++at_;
        return true;
      }
      if (*at_ != '\\' || ++at_ == end_) return false;  // a control character, or a byte of UTF-8
      static constexpr std::string_view from = "\"\\/bfnrt", to = "\"\\/\b\f\n\r\t";
      auto k = from.find(*at_++);
      if (k == std::string_view::npos) return false;  // \u, or not an escape
      out.push_back(to[k]);
    }
  }

  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - at_) < word.size() || std::string_view(at_, word.size()) != word) return false;
    at_ += word.size();
    return at_ == end_ || !std::isalnum(static_cast<unsigned char>(*at_));
  }

  bool integer() {
    bool negative = at_ != end_ && *at_ == '-';
    const char* digits = at_ + (negative ? 1 : 0);
    const char* p = digits;
    while (p != end_ && *p >= '0' && *p <= '9') ++p;
    std::size_t n = static_cast<std::size_t>(p - digits);
    if (n == 0 || n > 18 || (n > 1 && *digits == '0')) return false;
    if (p != end_ && (*p == '.' || *p == 'e' || *p == 'E')) return false;
    long long v = 0;
    for (const char* d = digits; d != p; ++d) v = v * 10 + (*d - '0');
    at_ = p;
    if (negative) return events_.number_integer(-v);
    return events_.number_unsigned(static_cast<std::uint64_t>(v));
  }

  // The bytes a string holds as they are: printable ASCII but '"' and '\\'.
  static constexpr auto plain_ = [] {
    std::array<bool, 256> t{};
    for (int c = 0x20; c < 0x80; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
    return t;
  }();

  const char* at_;
  const char* end_;
  StoreEvents& events_;
  std::string buffer_, key_;
};

// The first authorization whose name an earlier one has, found by sorting the names rather than
// hashing each into a set: no allocation per name.
std::optional<std::size_t> first_duplicate(const std::vector<ScannedEntry>& entries) {
  std::vector<std::pair<std::string_view, std::size_t>> names;
  names.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i)
    if (entries[i].name) names.emplace_back(*entries[i].name, i);
  std::sort(names.begin(), names.end());
  std::optional<std::size_t> first;
  for (std::size_t i = 1; i < names.size(); ++i)
    if (names[i].first == names[i - 1].first && (!first || names[i].second < *first)) first = names[i].second;
  return first;
}

}  // namespace

StoreScan scan_store(std::string_view text, const SummaryFunction* summary) {
  StoreScan result;
  if (StoreEvents walked(text, summary); PlainJsonWalk(text, walked).run()) {
    result = std::move(walked.result);
  } else {
    StoreEvents scanner(text, summary);
    TrackedChars first(text.data(), scanner.read()), last(text.data() + text.size(), scanner.read());
    nlohmann::json::sax_parse(first, last, &scanner);
    result = std::move(scanner.result);
  }
  result.first_duplicate = first_duplicate(result.authorizations);
  return result;
}

}  // namespace hookauth::store
