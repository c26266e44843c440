#include "cli/suggest.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace hookauth::cli {

TEST_CASE("edit_distance: optimal string alignment") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("abc", "") == 3);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("username", "username") == 0);
  CHECK(edit_distance("usernme", "username") == 1);    // a deletion
  CHECK(edit_distance("userrname", "username") == 1);  // an insertion
  CHECK(edit_distance("usernamx", "username") == 1);   // a substitution
  CHECK(edit_distance("usrename", "username") == 1);   // two adjacent characters swapped
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("SHA-256", "sha-256") == 0);  // ASCII letters without case
  // OSA, not unrestricted Damerau-Levenshtein: a swapped pair is not edited again ("ca" -> "ac" -> "abc").
  CHECK(edit_distance("ca", "abc") == 3);
  CHECK(edit_distance("ab", "ba") == 1);
  CHECK(edit_distance("a", "b") == 1);
}

TEST_CASE("closest_words: near enough to be a typo") {
  const std::vector<std::string> commands{"add", "list", "show", "remove", "rm", "token", "login", "presign"};
  CHECK(closest_words("ad", commands) == std::vector<std::string>{"add"});
  CHECK(closest_words("lsit", commands) == std::vector<std::string>{"list"});
  CHECK(closest_words("tokn", commands) == std::vector<std::string>{"token"});
  CHECK(closest_words("presgin", commands) == std::vector<std::string>{"presign"});
  CHECK(closest_words("remve", commands) == std::vector<std::string>{"remove"});
  SUBCASE("nothing near") {
    CHECK(closest_words("bogus", commands).empty());
    CHECK(closest_words("xyz", commands).empty());
    CHECK(closest_words("", commands).empty());
    CHECK(closest_words("q", {"rm"}).empty());  // every character would change
  }
  SUBCASE("a word of up to 3 characters gets 1 edit, a longer one 2 or a third of its length") {
    CHECK(closest_words("shw", {"show"}) == std::vector<std::string>{"show"});
    CHECK(closest_words("sw", {"show"}).empty());
    CHECK(closest_words("sow", {"shown"}).empty());
    CHECK(closest_words("shwo", {"show"}) == std::vector<std::string>{"show"});
    CHECK(closest_words("clientcredentals", {"client-credentials"}) == std::vector<std::string>{"client-credentials"});
    CHECK(closest_words("clint-credentals", {"client-credentials"}) == std::vector<std::string>{"client-credentials"});
    CHECK(closest_words("cli-cred", {"client-credentials"}).empty());
  }
  SUBCASE("a start of a candidate counts as one edit; ties are all given, in order") {
    CHECK(closest_words("user", {"username", "userhash", "password"}) ==
          std::vector<std::string>{"username", "userhash"});
    CHECK(closest_words("sign", {"signature", "signature-secret", "sign-header"}) ==
          std::vector<std::string>{"signature", "signature-secret", "sign-header"});
  }
  SUBCASE("only the nearest") {
    CHECK(closest_words("jsn", {"json", "jsnx2"}) == std::vector<std::string>{"json", "jsnx2"});
    CHECK(closest_words("sha-256", {"SHA-256", "SHA-512-256"}) == std::vector<std::string>{"SHA-256"});
    CHECK(closest_words("verfy", {"verify", "webhook", "auth"}) == std::vector<std::string>{"verify"});
  }
  SUBCASE("a candidate listed twice is given once") {
    CHECK(closest_words("jsno", {"json", "json"}) == std::vector<std::string>{"json"});
  }
}

TEST_CASE("did_you_mean: the sentence") {
  CHECK(did_you_mean("usernme", {"username", "password"}) == "did you mean 'username'?");
  CHECK(did_you_mean("user", {"username", "userhash"}) == "did you mean 'username' or 'userhash'?");
  CHECK(did_you_mean("sign", {"signature", "signature-secret", "sign-header"}) ==
        "did you mean 'signature', 'signature-secret' or 'sign-header'?");
  CHECK(did_you_mean("bogus", {"username", "password"}) == "");
}

}  // namespace hookauth::cli
