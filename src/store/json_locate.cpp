#include "store/json_locate.hpp"

#include <string>

namespace hookauth::store {

TextPosition position_of(std::string_view text, std::size_t byte_offset) {
  TextPosition pos;
  for (std::size_t i = 0; i < byte_offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++pos.line;
      pos.column = 1;
    } else {
      ++pos.column;
    }
  }
  return pos;
}

namespace {

// A minimal scanner over text already known to be valid JSON.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  std::size_t find(const std::vector<PathStep>& path) {
    skip_ws();
    std::size_t best = i_;
    for (const auto& step : path) {
      skip_ws();
      best = i_;
      if (i_ >= text_.size()) return best;
      if (const auto* key = std::get_if<std::string>(&step)) {
        if (text_[i_] != '{' || !enter_member(*key)) return best;
      } else {
        if (text_[i_] != '[' || !enter_element(std::get<std::size_t>(step))) return best;
      }
    }
    skip_ws();
    return i_;
  }

 private:
  void skip_ws() {
    while (i_ < text_.size() && (text_[i_] == ' ' || text_[i_] == '\n' || text_[i_] == '\r' || text_[i_] == '\t')) ++i_;
  }

  std::string read_string() {
    std::string out;
    ++i_;  // opening quote
    while (i_ < text_.size() && text_[i_] != '"') {
      if (text_[i_] == '\\' && i_ + 1 < text_.size()) {
        out.push_back(text_[i_ + 1]);  // good enough to compare plain keys
        i_ += 2;
      } else {
        out.push_back(text_[i_++]);
      }
    }
    ++i_;
    return out;
  }

  void skip_value() {
    skip_ws();
    if (i_ >= text_.size()) return;
    char c = text_[i_];
    if (c == '"') {
      read_string();
    } else if (c == '{' || c == '[') {
      char close = c == '{' ? '}' : ']';
      ++i_;
      skip_ws();
      if (i_ < text_.size() && text_[i_] == close) {
        ++i_;
        return;
      }
      for (;;) {
        skip_ws();
        if (c == '{') {
          read_string();
          skip_ws();
          ++i_;  // ':'
        }
        skip_value();
        skip_ws();
        if (i_ >= text_.size()) return;
        if (text_[i_++] == close) return;
      }
    } else {
      while (i_ < text_.size() && text_[i_] != ',' && text_[i_] != '}' && text_[i_] != ']' && text_[i_] != ' ' &&
             text_[i_] != '\n' && text_[i_] != '\r' && text_[i_] != '\t')
        ++i_;
    }
  }

  bool enter_member(const std::string& key) {
    std::size_t object_start = i_;
    ++i_;
    for (;;) {
      skip_ws();
      if (i_ >= text_.size() || text_[i_] == '}') break;
      std::string k = read_string();
      skip_ws();
      ++i_;  // ':'
      skip_ws();
      if (k == key) return true;
      skip_value();
      skip_ws();
      if (i_ < text_.size() && text_[i_] == ',') ++i_;
    }
    i_ = object_start;
    return false;
  }

  bool enter_element(std::size_t index) {
    std::size_t array_start = i_;
    ++i_;
    for (std::size_t n = 0;; ++n) {
      skip_ws();
      if (i_ >= text_.size() || text_[i_] == ']') break;
      if (n == index) return true;
      skip_value();
      skip_ws();
      if (i_ < text_.size() && text_[i_] == ',') ++i_;
    }
    i_ = array_start;
    return false;
  }

  std::string_view text_;
  std::size_t i_ = 0;
};

}  // namespace

std::size_t locate(std::string_view text, const std::vector<PathStep>& path) { return Scanner(text).find(path); }

}  // namespace hookauth::store
