#include "store/store_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

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
