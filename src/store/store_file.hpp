#pragma once
// The file operations under the store and the state files: an exclusive lock, an atomic replace,
// private directories, and the permission check.

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace hookauth::store {

// An exclusive flock on PATH (created 0600); released when destroyed, or by the kernel when the
// process dies, so a killed writer never leaves it held.
class FileLock {
 public:
  static Result<FileLock> acquire(const std::filesystem::path& path);
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Creates the missing directories of path's parent with mode 0700, whatever the umask.
Result<void> ensure_private_parent(const std::filesystem::path& path);

// path, or the file its chain of symbolic links ends at (which need not exist yet), so that a file
// kept as a link (a dotfiles set-up) is replaced where it lives instead of the link being replaced.
// Errors: a link that cannot be read, or a chain of more than 40 links (a loop).
Result<std::filesystem::path> resolve_links(const std::filesystem::path& path);

// Writes content to a temporary file (0600) in the directory of path's link target, fsyncs it,
// renames it over that target and fsyncs the directory: readers see the old file or the new one,
// never a mix.
Result<void> atomic_replace(const std::filesystem::path& path, std::string_view content);

// Removes the temporary files that writers killed before their rename left beside path. Only
// safe while holding the store's lock: then no live writer has one.
void remove_stale_temporaries(const std::filesystem::path& path);

// The read-modify-write every changing command does on path's link target (resolve_links), so
// that writers through a link and through the target share one lock: creates the private parent
// directories, takes the exclusive lock TARGET.lock, clears temporaries of killed writers, then lets produce
// read the file and return its new content (or an error, which leaves the file as it was), and
// replaces the file atomically.
Result<void> locked_rewrite(const std::filesystem::path& path, const std::function<Result<std::string>()>& produce);

// Refuses a file that group or others may read or write, saying how to fix it, and a directory.
Result<void> check_private(const std::filesystem::path& path);

// The whole file; an error naming the path when it cannot be read. Missing files are the caller's
// to detect first.
Result<std::string> read_whole_file(const std::filesystem::path& path);

}  // namespace hookauth::store
