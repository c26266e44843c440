#include "store/store_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace hookauth::store {

namespace fs = std::filesystem;

namespace {
std::string errno_text() { return std::strerror(errno); }
}  // namespace

Result<FileLock> FileLock::acquire(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return usage_error("cannot open lock file " + path.string() + ": " + errno_text());
  ::fchmod(fd, 0600);
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

Result<fs::path> resolve_links(const fs::path& path) {
  fs::path at = path;
  for (int hops = 0; hops <= 40; ++hops) {
    std::error_code ec;
    if (!fs::is_symlink(fs::symlink_status(at, ec))) return at;
    fs::path next = fs::read_symlink(at, ec);
    if (ec) return usage_error("cannot read the symbolic link " + at.string() + ": " + ec.message());
    // A relative target is relative to the link's own directory.
    at = next.is_absolute() ? next : at.parent_path() / next;
  }
  return usage_error("cannot follow " + path.string() + ": too many levels of symbolic links");
}

Result<void> atomic_replace(const fs::path& link, std::string_view content) {
  auto target = resolve_links(link);
  if (!target) return std::unexpected(target.error());
  const fs::path& path = *target;
  fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  std::string tmpl = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return usage_error("cannot create a temporary file in " + dir.string() + ": " + errno_text());
  auto give_up = [&](const std::string& what) {
    std::string msg = what + " " + tmpl + ": " + errno_text();
    ::close(fd);
    ::unlink(tmpl.c_str());
    return usage_error(msg);
  };
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
  auto lock = FileLock::acquire(path.string() + ".lock");
  if (!lock) return std::unexpected(lock.error());
  remove_stale_temporaries(path);
  auto content = produce();
  if (!content) return std::unexpected(content.error());
  return atomic_replace(path, *content);
}

Result<void> check_private(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return usage_error("cannot stat " + path.string() + ": " + errno_text());
  if (S_ISDIR(st.st_mode)) return usage_error(path.string() + " is a directory, not a file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return usage_error(path.string() + " is accessible by group or others (mode " + mode +
                       "); it holds secrets: run 'chmod 600 " + path.string() + "'");
  }
  return {};
}

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
