#pragma once
// The file operations under the store and the state files: an exclusive lock, an atomic replace,
// private directories, and the permission check.

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace hookauth::store {

// An exclusive flock on PATH (created 0600); released when destroyed, or by the kernel when the
// process dies, so a killed writer never leaves it held. Refused (exit 2) when PATH's directory
// fails check_private_directory, or PATH is a symbolic link, not a regular file, not the
// effective user's, or has more than one name: the lock is never followed elsewhere nor its mode
// changed on another's file.
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

// path, then each name its chain of symbolic links leads to; the last is not a link (and need not
// exist). Errors: a link that cannot be read, or a chain of more than 40 links (a loop).
Result<std::vector<std::filesystem::path>> link_chain(const std::filesystem::path& path);

// path, or the file its chain of symbolic links ends at (which need not exist yet), so that a file
// kept as a link (a dotfiles set-up) is replaced where it lives instead of the link being replaced.
// Errors: as link_chain's.
Result<std::filesystem::path> resolve_links(const std::filesystem::path& path);

// Writes content to a temporary file (0600) in the directory of path's link target, fsyncs it,
// renames it over that target and fsyncs the directory: readers see the old file or the new one,
// never a mix. The temporary file is created exclusively (never through a planted name) and
// checked as FileLock checks its file.
Result<void> atomic_replace(const std::filesystem::path& path, std::string_view content);

// Removes the temporary files that writers killed before their rename left beside path. Only
// safe while holding the store's lock: then no live writer has one.
void remove_stale_temporaries(const std::filesystem::path& path);

// The read-modify-write every changing command does on path's link target (resolve_links), so
// that writers through a link and through the target share one lock: creates the private parent
// directories, refuses directories others could write in (check_link_directories), takes the
// exclusive lock TARGET.lock, clears temporaries of killed writers, then lets produce
// read the file and return its new content (or an error, which leaves the file as it was), and
// replaces the file atomically.
Result<void> locked_rewrite(const std::filesystem::path& path, const std::function<Result<std::string>()>& produce);

// Refuses, saying how to fix it, a directory whose files others could replace: the one holding
// file, when it is owned by another user than the effective user or root, or writable by group or
// others without the sticky bit.
Result<void> check_private_directory(const std::filesystem::path& file);

// check_private_directory for the directory of path and of each link on its way to the file.
Result<void> check_link_directories(const std::filesystem::path& path);

// Refuses, saying how to fix it: a directory; a file owned by another user than the effective user
// or root; one that group or others may read or write; and one in a directory (path's, or that of
// any link on the way to it) that fails check_private_directory.
Result<void> check_private(const std::filesystem::path& path);

// True when text is empty or JSON whitespace only (space, tab, CR, LF): a store or state file
// created with touch, or emptied by an editor, holds nothing yet.
bool is_blank(std::string_view text);

// The whole file; an error naming the path when it cannot be read. Missing files are the caller's
// to detect first.
Result<std::string> read_whole_file(const std::filesystem::path& path);

}  // namespace hookauth::store
