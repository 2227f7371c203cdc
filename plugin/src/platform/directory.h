// Folder listings and removal of a folder tree, at any path length and with
// names in UTF-8. Above this layer nothing lists a folder through
// std::filesystem: mingw-w64's directory_iterator lists the current folder
// instead of a folder past 260 characters (seen under Wine), and its
// remove_all is built on it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "platform/error.h"
#include "platform/file.h"

namespace assetfetch::platform {

struct DirectoryEntry {
  // UTF-8. list_directory: one name; list_tree: the path below the listed
  // folder, with '/' between its parts ("sha256/ab", "a/b/c").
  std::string name;
  // What the name itself is: a symbolic link, or on Windows any reparse
  // point (a junction, a mount point), is FileKind::link and never followed.
  FileKind kind = FileKind::other;
};

// What `dir` holds, without "." and "..", sorted by name (bytewise).
// opendir/readdir (d_type, lstat where it is unknown); Windows
// FindFirstFileExW on the extended-length path. Errc::not_found for a missing
// folder; listing a file is an error too (never an empty list).
Result<std::vector<DirectoryEntry>> list_directory(std::string_view dir);

// Everything below `dir`: its entries, each folder's own entries right after
// it (depth first). Links are listed, not entered. A subfolder that cannot
// be listed (permissions) is listed without what it holds; `dir` itself
// failing is the error.
Result<std::vector<DirectoryEntry>> list_tree(std::string_view dir);

// Removes an empty folder, or a link to a folder (never its target).
// Missing is success.
Status remove_directory(std::string_view dir);

// Removes `dir` and everything below it, read-only files included (Windows
// refuses to delete those until the attribute is cleared: remove_file does).
// A link is removed, never followed; `dir` being a link or a file removes
// just that name. Missing is success. Stops at the first failure.
Status remove_tree(std::string_view dir);

}  // namespace assetfetch::platform
