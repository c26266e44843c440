#include "store/store_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include <doctest/doctest.h>

#include "test_support.hpp"

namespace hookauth::store {

namespace {
// True when another open file description can take the lock without waiting.
bool lock_is_free(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  ::close(fd);
  return free;
}

// nobody: the other user of the ownership tests, which run as root (as CI does) to chown to it.
constexpr uid_t nobody = 65534;

void chown_to(const std::filesystem::path& path, uid_t uid) {
  REQUIRE_MESSAGE(::lchown(path.c_str(), uid, static_cast<gid_t>(-1)) == 0, "the ownership tests run as root");
}

// Every name in dir, sorted.
std::vector<std::string> names_in(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

TEST_CASE("FileLock holds an exclusive lock until destroyed") {
  test::TempDir dir;
  auto path = dir / "store.json.lock";
  {
    auto lock = FileLock::acquire(path);
    REQUIRE(lock);
    CHECK(test::mode_of(path) == 0600);
    CHECK_FALSE(lock_is_free(path));
    FileLock moved = std::move(*lock);
    CHECK_FALSE(lock_is_free(path));
  }
  CHECK(lock_is_free(path));
  auto bad = FileLock::acquire(dir / "missing-dir" / "x.lock");
  CHECK_FALSE(bad);
  CHECK(test::contains(test::error_of(bad), "missing-dir"));
}

TEST_CASE("FileLock refuses a planted symbolic link: the target keeps its mode and content, a dangling one stays so") {
  test::TempDir dir;
  namespace fs = std::filesystem;
  auto lock_path = dir / "store.json.lock";
  test::write_file(dir / "victim", "keep me");
  REQUIRE(::chmod((dir / "victim").c_str(), 0644) == 0);
  fs::create_symlink("victim", lock_path);
  auto lock = FileLock::acquire(lock_path);
  REQUIRE_FALSE(lock);
  CHECK(test::error_of(lock) ==
        "lock file " + lock_path.string() + " is a symbolic link: hookauth did not make it; remove it");
  CHECK(test::mode_of(dir / "victim") == 0644);
  CHECK(test::read_file(dir / "victim") == "keep me");

  fs::remove(lock_path);
  fs::create_symlink(dir / "made-by-hookauth", lock_path);
  CHECK_FALSE(FileLock::acquire(lock_path));
  CHECK_FALSE(fs::exists(fs::symlink_status(dir / "made-by-hookauth")));
}

TEST_CASE("FileLock refuses a lock that is not a regular file of the user's with one name") {
  test::TempDir dir;
  namespace fs = std::filesystem;
  auto lock_path = dir / "x.lock";
  auto refused = [&](const std::string& why) {
    auto lock = FileLock::acquire(lock_path);
    REQUIRE_FALSE(lock);
    CHECK(test::contains(test::error_of(lock), "lock file " + lock_path.string() + " " + why));
    CHECK(test::contains(test::error_of(lock), "remove it"));
  };
  SUBCASE("a directory") {
    fs::create_directory(lock_path);
    CHECK_FALSE(FileLock::acquire(lock_path));  // open(O_RDWR) of a directory fails: EISDIR
  }
  SUBCASE("a FIFO") {
    REQUIRE(::mkfifo(lock_path.c_str(), 0600) == 0);
    refused("is not a regular file");
  }
  SUBCASE("another user's file: refused, and its mode left alone") {
    test::write_file(lock_path, "");
    REQUIRE(::chmod(lock_path.c_str(), 0644) == 0);
    chown_to(lock_path, nobody);
    refused("is owned by nobody (uid 65534), not by root (uid 0)");
    CHECK(test::mode_of(lock_path) == 0644);
  }
  SUBCASE("a hard link to another file of the user's: its mode left alone") {
    test::write_file(dir / "notes", "mine");
    REQUIRE(::chmod((dir / "notes").c_str(), 0644) == 0);
    fs::create_hard_link(dir / "notes", lock_path);
    refused("has 2 names (hard links)");
    CHECK(test::mode_of(dir / "notes") == 0644);
  }
  SUBCASE("the user's own lock of another mode is taken and made 0600") {
    test::write_file(lock_path, "");
    REQUIRE(::chmod(lock_path.c_str(), 0644) == 0);
    CHECK(FileLock::acquire(lock_path));
    CHECK(test::mode_of(lock_path) == 0600);
  }
}

TEST_CASE("FileLock refuses a directory others can write to without the sticky bit") {
  test::TempDir dir;
  auto lock_path = dir / "store.json.lock";
  REQUIRE(::chmod(dir.path().c_str(), 0777) == 0);
  auto lock = FileLock::acquire(lock_path);
  REQUIRE_FALSE(lock);
  CHECK(test::contains(test::error_of(lock), "chmod go-w " + dir.path().string()));
  CHECK_FALSE(std::filesystem::exists(lock_path));
  REQUIRE(::chmod(dir.path().c_str(), 01777) == 0);
  CHECK(FileLock::acquire(lock_path));
}

TEST_CASE("ensure_private_parent creates missing directories 0700 and leaves existing ones") {
  test::TempDir dir;
  REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
  mode_t old = ::umask(0);
  auto ok = ensure_private_parent(dir / "a" / "b" / "c" / "file");
  ::umask(old);
  REQUIRE(ok);
  CHECK(test::mode_of(dir / "a") == 0700);
  CHECK(test::mode_of(dir / "a" / "b") == 0700);
  CHECK(test::mode_of(dir / "a" / "b" / "c") == 0700);
  CHECK(test::mode_of(dir.path()) == 0755);
  CHECK(ensure_private_parent("relative-file"));
}

TEST_CASE("atomic_replace writes a 0600 file and replaces an existing one") {
  test::TempDir dir;
  auto path = dir / "f.json";
  test::write_file(path, "old content that is longer");
  REQUIRE(::chmod(path.c_str(), 0644) == 0);
  mode_t old = ::umask(0);
  auto ok = atomic_replace(path, "new");
  ::umask(old);
  REQUIRE(ok);
  CHECK(test::read_file(path) == "new");
  CHECK(test::mode_of(path) == 0600);
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  CHECK(entries == 1);

  auto bad = atomic_replace(dir / "missing" / "f.json", "x");
  CHECK_FALSE(bad);
}

TEST_CASE("resolve_links follows a chain of links, relative to each link's directory") {
  test::TempDir dir;
  namespace fs = std::filesystem;
  fs::create_directories(dir / "real");
  fs::create_directories(dir / "links");
  CHECK(*resolve_links(dir / "plain.json") == dir / "plain.json");
  fs::create_symlink("../real/store.json", dir / "links" / "one.json");  // dangling: the target is made later
  fs::create_symlink(dir / "links" / "one.json", dir / "two.json");
  CHECK(fs::equivalent(resolve_links(dir / "two.json")->parent_path(), dir / "real"));
  CHECK(resolve_links(dir / "two.json")->filename() == "store.json");

  fs::create_symlink("loop-b", dir / "loop-a");
  fs::create_symlink("loop-a", dir / "loop-b");
  auto loop = resolve_links(dir / "loop-a");
  REQUIRE_FALSE(loop);
  CHECK(test::contains(test::error_of(loop), "too many levels of symbolic links"));
}

TEST_CASE("locked_rewrite through a link replaces the link's target and keeps the link (audit cli #6)") {
  test::TempDir dir;
  namespace fs = std::filesystem;
  fs::create_directories(dir / "real");
  test::write_file(dir / "real" / "store.json", "old");
  REQUIRE(::chmod((dir / "real" / "store.json").c_str(), 0600) == 0);
  fs::create_symlink("real/store.json", dir / "link.json");
  auto ok = locked_rewrite(dir / "link.json", []() -> Result<std::string> { return std::string("new"); });
  REQUIRE(ok);
  CHECK(fs::is_symlink(fs::symlink_status(dir / "link.json")));
  CHECK(test::read_file(dir / "real" / "store.json") == "new");
  CHECK(test::mode_of(dir / "real" / "store.json") == 0600);
  // The lock and the temporary file are beside the target, so writers through either path share the lock.
  CHECK(fs::exists(dir / "real" / "store.json.lock"));
  CHECK_FALSE(fs::exists(dir / "link.json.lock"));
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir / "real")) ++entries;
  CHECK(entries == 2);

  SUBCASE("a dangling link: the target is created, with its private directories") {
    fs::create_symlink("new-dir/store.json", dir / "dangling.json");
    REQUIRE(locked_rewrite(dir / "dangling.json", []() -> Result<std::string> { return std::string("made"); }));
    CHECK(fs::is_symlink(fs::symlink_status(dir / "dangling.json")));
    CHECK(test::read_file(dir / "new-dir" / "store.json") == "made");
    CHECK(test::mode_of(dir / "new-dir") == 0700);
  }
  SUBCASE("atomic_replace alone also writes through the link") {
    REQUIRE(atomic_replace(dir / "link.json", "direct"));
    CHECK(fs::is_symlink(fs::symlink_status(dir / "link.json")));
    CHECK(test::read_file(dir / "real" / "store.json") == "direct");
  }
}

TEST_CASE("check_private refuses any group or other bit, saying how to fix it") {
  test::TempDir dir;
  auto path = dir / "s.json";
  test::write_file(path, "{}");
  for (mode_t mode : {0600, 0400, 0700}) {
    REQUIRE(::chmod(path.c_str(), mode) == 0);
    CHECK(check_private(path));
  }
  for (mode_t mode : {0640, 0604, 0620, 0602, 0644, 0666}) {
    CAPTURE(mode);
    REQUIRE(::chmod(path.c_str(), mode) == 0);
    auto r = check_private(path);
    CHECK_FALSE(r);
    CHECK(test::contains(test::error_of(r), "chmod 600 " + path.string()));
  }
  CHECK_FALSE(check_private(dir / "missing"));
}

TEST_CASE("check_private refuses a file of another user's, with the chown that fixes it") {
  test::TempDir dir;
  auto path = dir / "s.json";
  test::write_file(path, "{}");
  chown_to(path, nobody);
  auto r = check_private(path);
  REQUIRE_FALSE(r);
  CHECK(test::error_of(r) == path.string() +
                                 " is owned by nobody (uid 65534), not by root (uid 0); it decides where secrets go: "
                                 "if you trust it, run 'chown root " +
                                 path.string() + "'");
  chown_to(path, 0);
  CHECK(check_private(path));
}

TEST_CASE("check_private refuses a file in a directory others could replace it in") {
  test::TempDir dir;
  namespace fs = std::filesystem;
  fs::create_directory(dir / "d");
  auto path = dir / "d" / "s.json";
  test::write_file(path, "{}");
  auto d = (dir / "d").string();
  for (mode_t mode : {0700, 0755, 0711, 01777, 01770}) {
    CAPTURE(mode);
    REQUIRE(::chmod(d.c_str(), mode) == 0);
    CHECK(check_private(path));
  }
  for (mode_t mode : {0777, 0770, 0702, 0720}) {
    CAPTURE(mode);
    REQUIRE(::chmod(d.c_str(), mode) == 0);
    auto r = check_private(path);
    REQUIRE_FALSE(r);
    CHECK(test::contains(test::error_of(r), "directory " + d + " is writable by group or others"));
    CHECK(test::contains(test::error_of(r), "'chmod go-w " + d + "' (or 'chmod +t " + d + "'"));
  }
  REQUIRE(::chmod(d.c_str(), 01777) == 0);
  chown_to(dir / "d", nobody);  // the sticky bit does not keep a directory's owner out
  auto owned = check_private(path);
  REQUIRE_FALSE(owned);
  CHECK(test::contains(test::error_of(owned), "directory " + d + " is owned by nobody (uid 65534)"));
  CHECK(test::contains(test::error_of(owned), "'chown root " + d + "'"));
  chown_to(dir / "d", 0);
  REQUIRE(::chmod(d.c_str(), 0700) == 0);

  SUBCASE("the directory of a link's target") {
    fs::create_directory(dir / "shared");
    test::write_file(dir / "shared" / "real.json", "{}");
    fs::create_symlink("../shared/real.json", dir / "d" / "link.json");
    REQUIRE(::chmod((dir / "shared").c_str(), 0777) == 0);
    auto r = check_private(dir / "d" / "link.json");
    REQUIRE_FALSE(r);
    CHECK(test::contains(test::error_of(r), "chmod go-w " + (dir / "d" / "../shared").string()));
  }
  SUBCASE("the directory of the link itself") {
    fs::create_directory(dir / "open");
    fs::create_symlink(path, dir / "open" / "link.json");
    REQUIRE(::chmod((dir / "open").c_str(), 0777) == 0);
    auto r = check_private(dir / "open" / "link.json");
    REQUIRE_FALSE(r);
    CHECK(test::contains(test::error_of(r), "chmod go-w " + (dir / "open").string()));
  }
}

TEST_CASE("locked_rewrite refuses a directory others can write to before it creates anything") {
  test::TempDir dir;
  REQUIRE(::chmod(dir.path().c_str(), 0777) == 0);
  auto produced = false;
  auto r = locked_rewrite(dir / "store.json", [&]() -> Result<std::string> {
    produced = true;
    return std::string("{}");
  });
  REQUIRE_FALSE(r);
  CHECK(test::contains(test::error_of(r), "chmod go-w " + dir.path().string()));
  CHECK_FALSE(produced);
  CHECK(names_in(dir.path()).empty());
}

TEST_CASE("is_blank: empty, or JSON whitespace only") {
  CHECK(is_blank(""));
  CHECK(is_blank(" \n\t\r\n"));
  CHECK_FALSE(is_blank("{}"));
  CHECK_FALSE(is_blank(" \n x"));
  CHECK_FALSE(is_blank(std::string_view("\0", 1)));
  CHECK_FALSE(is_blank("\f"));  // not JSON whitespace
}

TEST_CASE("read_whole_file") {
  test::TempDir dir;
  std::string bytes(200000, 'x');
  bytes[12345] = '\0';
  test::write_file(dir / "big", bytes);
  auto r = read_whole_file(dir / "big");
  REQUIRE(r);
  CHECK(*r == bytes);
  auto missing = read_whole_file(dir / "missing");
  CHECK_FALSE(missing);
  CHECK(test::contains(test::error_of(missing), (dir / "missing").string()));
}

}  // namespace hookauth::store
