#include "util/strings.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace hookauth::util {

TEST_CASE("trim removes spaces, tabs, CR and LF at both ends only") {
  CHECK(trim("  a b \t\r\n") == "a b");
  CHECK(trim("\r\n\tx") == "x");
  CHECK(trim("x") == "x");
  CHECK(trim("") == "");
  CHECK(trim(" \t \r\n ") == "");
  CHECK(trim("a  b") == "a  b");
}

TEST_CASE("to_lower, iequals and starts_with_icase ignore ASCII case") {
  CHECK(to_lower("Content-TYPE") == "content-type");
  CHECK(iequals("Authorization", "aUTHORIZATION"));
  CHECK(iequals("", ""));
  CHECK_FALSE(iequals("Basic", "Basi"));
  CHECK_FALSE(iequals("Basic", "Basid"));
  CHECK(starts_with_icase("BASIC abc", "basic"));
  CHECK_FALSE(starts_with_icase("Bas", "basic"));
}

TEST_CASE("split keeps empty fields") {
  CHECK(split("a,b,c", ',') == std::vector<std::string_view>{"a", "b", "c"});
  CHECK(split(",a,,b,", ',') == std::vector<std::string_view>{"", "a", "", "b", ""});
  CHECK(split("", ',') == std::vector<std::string_view>{""});
  CHECK(split("abc", ',') == std::vector<std::string_view>{"abc"});
}

TEST_CASE("replace_all replaces every occurrence, never its own output") {
  CHECK(replace_all("a-b-c", "-", "+") == "a+b+c");
  CHECK(replace_all("aaa", "a", "aa") == "aaaaaa");
  CHECK(replace_all("abcabc", "abc", "") == "");
  CHECK(replace_all("nothing here", "xyz", "!") == "nothing here");
  CHECK(replace_all("keep", "", "!") == "keep");
}

TEST_CASE("percent_encode leaves only RFC 3986 unreserved characters") {
  CHECK(percent_encode("AZaz09-._~") == "AZaz09-._~");
  CHECK(percent_encode("a b&c=d/e?f#g+h%") == "a%20b%26c%3Dd%2Fe%3Ff%23g%2Bh%25");
  CHECK(percent_encode("\xc3\xbc") == "%C3%BC");
  CHECK(percent_encode(std::string("\0\x7f", 2)) == "%00%7F");
  CHECK(percent_encode("") == "");
}

TEST_CASE("percent_decode decodes escapes and keeps malformed ones") {
  CHECK(percent_decode("a%20b%2fc%2F") == "a b/c/");
  CHECK(percent_decode("%C3%BC") == "\xc3\xbc");
  CHECK(percent_decode("%41") == "A");
  CHECK(percent_decode("a+b") == "a+b");
  CHECK(percent_decode("a+b", true) == "a b");
  SUBCASE("malformed escapes are kept as they are") {
    CHECK(percent_decode("%") == "%");
    CHECK(percent_decode("100%") == "100%");
    CHECK(percent_decode("%4") == "%4");
    CHECK(percent_decode("a%4") == "a%4");
    CHECK(percent_decode("%zz") == "%zz");
    CHECK(percent_decode("%4g%41") == "%4gA");
    CHECK(percent_decode("%%41") == "%A");
  }
  SUBCASE("round trip through percent_encode") {
    std::string all;
    for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
    CHECK(percent_decode(percent_encode(all)) == all);
  }
}

TEST_CASE("printable escapes control characters") {
  CHECK(printable("a\r\nb\x7f") == "a\\x0d\\x0ab\\x7f");
  CHECK(printable("plain text") == "plain text");
}

}  // namespace hookauth::util

TEST_CASE("encode_url_bytes encodes what a URL cannot carry and keeps the rest") {
  using hookauth::util::encode_url_bytes;
  CHECK(encode_url_bytes("https://h/a b/\xC3\xA9?q=\"x\"&r=%20") == "https://h/a%20b/%C3%A9?q=%22x%22&r=%20");
  CHECK(encode_url_bytes("https://h/p?a=1&b=2#f") == "https://h/p?a=1&b=2#f");
}

namespace hookauth::util {

TEST_CASE("excerpt keeps a short value whole and cuts a long one at the limit") {
  CHECK(excerpt("20150830T123600Z") == "20150830T123600Z");
  CHECK(excerpt(std::string(64, 'a')) == std::string(64, 'a'));
  CHECK(excerpt(std::string(100000, 'a')) == std::string(64, 'a') + "...");
  CHECK(excerpt("abcdef", 3) == "abc...");
  CHECK(excerpt(std::string("a\nb", 3), 10) == printable(std::string("a\nb", 3)));  // still one line
}

TEST_CASE("url_has_userinfo looks only at the authority") {
  CHECK(url_has_userinfo("http://u:p@127.0.0.1/x"));
  CHECK(url_has_userinfo("https://user@host"));
  CHECK(url_has_userinfo("HTTP://u:p@h:8080?q"));
  CHECK_FALSE(url_has_userinfo("http://127.0.0.1/x@y"));
  CHECK_FALSE(url_has_userinfo("http://h/p?mail=a@b"));
  CHECK_FALSE(url_has_userinfo("http://h#frag@x"));
  CHECK_FALSE(url_has_userinfo("no-scheme@host"));
}

TEST_CASE("take_line takes a CRLF or a lone LF line, and nothing without a line end") {
  std::string_view rest = "one\r\ntwo\n\r\nrest";
  CHECK(take_line(rest) == "one");
  CHECK(take_line(rest) == "two");
  CHECK(take_line(rest) == "");
  CHECK_FALSE(take_line(rest).has_value());
  CHECK(rest == "rest");
}

}  // namespace hookauth::util
