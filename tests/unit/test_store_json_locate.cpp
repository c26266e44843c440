#include "store/json_locate.hpp"

#include <doctest/doctest.h>

#include <string>

namespace hookauth::store {

namespace {
// The text from the located offset, cut to n characters: what the offset points at.
std::string at(std::string_view text, const std::vector<PathStep>& path, std::size_t n) {
  return std::string(text.substr(locate(text, path), n));
}
}  // namespace

TEST_CASE("position_of counts lines and byte columns from 1") {
  std::string_view text = "ab\ncd\n\nef";
  CHECK(position_of(text, 0).line == 1);
  CHECK(position_of(text, 0).column == 1);
  CHECK(position_of(text, 1).column == 2);
  CHECK(position_of(text, 3).line == 2);
  CHECK(position_of(text, 3).column == 1);
  CHECK(position_of(text, 4).column == 2);
  CHECK(position_of(text, 7).line == 4);
  CHECK(position_of(text, 8).column == 2);
  // Past the end: the end.
  CHECK(position_of(text, 100).line == 4);
  CHECK(position_of(text, 100).column == 3);
}

TEST_CASE("locate finds nested keys and array elements") {
  std::string_view text = R"({
  "version": 1,
  "skip": {"a": [1, {"b": "}]"}], "c": "x\"y", "d": {}},
  "authorizations": [
    {"name": "first", "type": "none"},
    { "name" : "second",
      "type": "basic",
      "nested": [[], [10, 20], "s"]
    }
  ]
})";
  CHECK(at(text, {}, 1) == "{");
  CHECK(at(text, {std::string("version")}, 1) == "1");
  CHECK(at(text, {std::string("authorizations")}, 1) == "[");
  CHECK(at(text, {std::string("authorizations"), std::size_t{0}}, 9) == "{\"name\": ");
  CHECK(at(text, {std::string("authorizations"), std::size_t{1}, std::string("name")}, 8) == "\"second\"");
  CHECK(at(text, {std::string("authorizations"), std::size_t{1}, std::string("type")}, 7) == "\"basic\"");
  CHECK(at(text, {std::string("authorizations"), std::size_t{1}, std::string("nested"), std::size_t{1}, std::size_t{1}},
           2) == "20");
  CHECK(at(text, {std::string("authorizations"), std::size_t{1}, std::string("nested"), std::size_t{2}}, 3) == "\"s\"");
  CHECK(at(text, {std::string("skip"), std::string("c")}, 6) == "\"x\\\"y\"");
  CHECK(at(text, {std::string("skip"), std::string("d")}, 2) == "{}");

  auto pos = position_of(text, locate(text, {std::string("authorizations"), std::size_t{1}, std::string("type")}));
  CHECK(pos.line == 7);
  CHECK(pos.column == 15);
}

TEST_CASE("locate falls back to the enclosing value when a step does not match") {
  std::string_view text = R"({"a": {"b": 1}, "list": [0, 1]})";
  // A missing key: the enclosing object.
  CHECK(at(text, {std::string("a"), std::string("zz")}, 8) == "{\"b\": 1}");
  CHECK(locate(text, {std::string("zz")}) == 0);
  // An index past the end: the array.
  CHECK(at(text, {std::string("list"), std::size_t{5}}, 6) == "[0, 1]");
  // A key step into an array, an index step into an object.
  CHECK(at(text, {std::string("list"), std::string("x")}, 1) == "[");
  CHECK(at(text, {std::string("a"), std::size_t{0}}, 1) == "{");
}

}  // namespace hookauth::store
