#include "store/store_file.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace hookauth::store {

namespace fs = std::filesystem;

namespace {

std::string errno_text() { return std::strerror(errno); }

// The name of uid in the user database, or "" when it has none.
std::string user_name(uid_t uid) {
  struct passwd pw {};
  struct passwd* found = nullptr;
  std::vector<char> buf(4096);
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found) return found->pw_name;
  return "";
}

// "nobody (uid 65534)", or "uid 65534" for a uid with no name.
std::string user_text(uid_t uid) {
  std::string name = user_name(uid), id = "uid " + std::to_string(uid);
  return name.empty() ? id : name + " (" + id + ")";
}

// What the fix's chown names: the effective user's name, or its number.
std::string chown_owner() {
  std::string name = user_name(::geteuid());
  return name.empty() ? std::to_string(::geteuid()) : name;
}

// A store, state file or directory may belong to the user or to root. Root is trusted as ssh's
// StrictModes trusts it: it can rewrite the user's own files anyway, so refusing it protects from
// no one (and a root-owned 0600 file cannot be read by anyone else).
bool trusted_owner(uid_t uid) { return uid == ::geteuid() || uid == 0; }

// A file hookauth opened to create or write for itself (a lock, a temporary file): refused unless it
// is a regular file owned by the effective user with one name, so a file planted in its place is
// never locked, changed or written through. what names the file in the error ("lock file").
Result<void> check_own_file(int fd, const fs::path& path, const std::string& what) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return usage_error("cannot stat " + what + " " + path.string() + ": " + errno_text());
  std::string fix = ": hookauth did not make it; remove it";
  if (!S_ISREG(st.st_mode)) return usage_error(what + " " + path.string() + " is not a regular file" + fix);
  if (st.st_uid != ::geteuid())
    return usage_error(what + " " + path.string() + " is owned by " + user_text(st.st_uid) + ", not by " +
                       user_text(::geteuid()) + fix);
  if (st.st_nlink != 1)
    return usage_error(what + " " + path.string() + " has " + std::to_string(st.st_nlink) + " names (hard links)" +
                       fix);
  return {};
}

}  // namespace

Result<FileLock> FileLock::acquire(const fs::path& path) {
  if (auto ok = check_private_directory(path); !ok) return std::unexpected(ok.error());
  // O_NOFOLLOW: a symbolic link planted in the lock's place is refused, never followed to create or
  // change the file it points at.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    int err = errno;
    struct stat st {};
    if (err == ELOOP && ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
      return usage_error("lock file " + path.string() + " is a symbolic link: hookauth did not make it; remove it");
    return usage_error("cannot open lock file " + path.string() + ": " + std::strerror(err));
  }
  if (auto ok = check_own_file(fd, path, "lock file"); !ok) {
    ::close(fd);
    return std::unexpected(ok.error());
  }
  ::fchmod(fd, 0600);  // ours: checked above
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    ::close(fd);
    return usage_error("cannot lock " + path.string() + ": " + errno_text());
  }
  return FileLock(fd);
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

Result<void> ensure_private_parent(const fs::path& path) {
  fs::path parent = path.parent_path();
  if (parent.empty()) return {};
  std::error_code ec;
  if (fs::exists(parent, ec)) return {};
  if (auto up = ensure_private_parent(parent); !up) return up;
  if (::mkdir(parent.c_str(), 0700) != 0 && errno != EEXIST)
    return usage_error("cannot create directory " + parent.string() + ": " + errno_text());
  ::chmod(parent.c_str(), 0700);
  return {};
}

Result<std::vector<fs::path>> link_chain(const fs::path& path) {
  std::vector<fs::path> chain{path};
  for (int hops = 0; hops <= 40; ++hops) {
    const fs::path& at = chain.back();
    std::error_code ec;
    if (!fs::is_symlink(fs::symlink_status(at, ec))) return chain;
    fs::path next = fs::read_symlink(at, ec);
    if (ec) return usage_error("cannot read the symbolic link " + at.string() + ": " + ec.message());
    // A relative target is relative to the link's own directory.
    chain.push_back(next.is_absolute() ? next : at.parent_path() / next);
  }
  return usage_error("cannot follow " + path.string() + ": too many levels of symbolic links");
}

Result<fs::path> resolve_links(const fs::path& path) {
  auto chain = link_chain(path);
  if (!chain) return std::unexpected(chain.error());
  return chain->back();
}

Result<void> atomic_replace(const fs::path& link, std::string_view content) {
  auto target = resolve_links(link);
  if (!target) return std::unexpected(target.error());
  const fs::path& path = *target;
  fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  std::string tmpl = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
  // mkostemp opens with O_EXCL, so a name planted by someone else (a link included) is never opened.
  int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return usage_error("cannot create a temporary file in " + dir.string() + ": " + errno_text());
  auto give_up = [&](const std::string& what) {
    std::string msg = what + " " + tmpl + ": " + errno_text();
    ::close(fd);
    ::unlink(tmpl.c_str());
    return usage_error(msg);
  };
  if (auto ok = check_own_file(fd, tmpl, "temporary file"); !ok) {
    ::close(fd);
    ::unlink(tmpl.c_str());
    return ok;
  }
  if (::fchmod(fd, 0600) != 0) return give_up("cannot set the mode of");
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return give_up("cannot write");
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return give_up("cannot fsync");
  if (::close(fd) != 0) {
    ::unlink(tmpl.c_str());
    return usage_error("cannot close " + tmpl + ": " + errno_text());
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    std::string msg = "cannot replace " + path.string() + ": " + errno_text();
    ::unlink(tmpl.c_str());
    return usage_error(msg);
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

void remove_stale_temporaries(const fs::path& path) {
  fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  std::string prefix = "." + path.filename().string() + ".";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    // mkstemp's names: the prefix and six characters.
    if (name.size() == prefix.size() + 6 && name.starts_with(prefix)) fs::remove(entry.path(), ec);
  }
}

Result<void> locked_rewrite(const fs::path& link, const std::function<Result<std::string>()>& produce) {
  auto target = resolve_links(link);
  if (!target) return std::unexpected(target.error());
  const fs::path& path = *target;
  if (auto ok = ensure_private_parent(path); !ok) return ok;
  if (auto ok = check_link_directories(link); !ok) return ok;
  auto lock = FileLock::acquire(path.string() + ".lock");
  if (!lock) return std::unexpected(lock.error());
  remove_stale_temporaries(path);
  auto content = produce();
  if (!content) return std::unexpected(content.error());
  return atomic_replace(path, *content);
}

Result<void> check_private_directory(const fs::path& file) {
  fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return usage_error("cannot stat directory " + dir.string() + ": " + errno_text());
  if (!trusted_owner(st.st_uid))
    return usage_error("directory " + dir.string() + " is owned by " + user_text(st.st_uid) + ", who could replace " +
                       file.filename().string() + " in it: run 'chown " + chown_owner() + " " + dir.string() +
                       "' or move the file");
  // A sticky directory (/tmp) lets others add names but not remove or rename another user's.
  if ((st.st_mode & 022) != 0 && (st.st_mode & S_ISVTX) == 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return usage_error("directory " + dir.string() + " is writable by group or others (mode " + mode +
                       "), who could replace " + file.filename().string() + " in it: run 'chmod go-w " + dir.string() +
                       "' (or 'chmod +t " + dir.string() + "' if it must stay shared)");
  }
  return {};
}

Result<void> check_link_directories(const fs::path& path) {
  auto chain = link_chain(path);
  if (!chain) return std::unexpected(chain.error());
  for (const auto& name : *chain)
    if (auto ok = check_private_directory(name); !ok) return ok;
  return {};
}

Result<void> check_private(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return usage_error("cannot stat " + path.string() + ": " + errno_text());
  if (S_ISDIR(st.st_mode)) return usage_error(path.string() + " is a directory, not a file");
  // As ssh's StrictModes: a file of another user's could point hookauth's secrets anywhere.
  if (!trusted_owner(st.st_uid))
    return usage_error(path.string() + " is owned by " + user_text(st.st_uid) + ", not by " + user_text(::geteuid()) +
                       "; it decides where secrets go: if you trust it, run 'chown " + chown_owner() + " " +
                       path.string() + "'");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return usage_error(path.string() + " is accessible by group or others (mode " + mode +
                       "); it holds secrets: run 'chmod 600 " + path.string() + "'");
  }
  return check_link_directories(path);
}

bool is_blank(std::string_view text) { return text.find_first_not_of(" \t\r\n") == std::string_view::npos; }

Result<std::string> read_whole_file(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return usage_error("cannot read " + path.string() + ": " + errno_text());
  // Read straight into the string, sized from fstat, so the text is copied once and its memory
  // touched once (appending 64 KiB reads touched up to three times its size).
  std::string out;
  struct stat st {};
  std::size_t want = ::fstat(fd, &st) == 0 && st.st_size > 0 ? static_cast<std::size_t>(st.st_size) + 1 : 65536;
  std::size_t used = 0;
  for (;;) {
    if (used == out.size()) out.resize(used < want ? want : 2 * used);
    ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return usage_error("cannot read " + path.string() + ": " + errno_text());
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(used);
  return out;
}

}  // namespace hookauth::store
