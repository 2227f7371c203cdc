// The portable half of platform/directory.h: walking and removing a tree on
// top of list_directory, remove_file and remove_directory.
#include "platform/directory.h"

#include <utility>

#include "platform/fs_ops.h"

namespace assetfetch::platform {

namespace {

std::string join(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (!out.empty() && out.back() != '/' && out.back() != '\\') out += '/';
  out += name;
  return out;
}

// A link to a folder on Windows is removed as a folder (RemoveDirectoryW);
// any other link as a file.
Status remove_link(const std::string& path) {
  Status s = remove_file(path);
  if (s) return s;
  Status d = remove_directory(path);
  return d ? d : s;
}

}  // namespace

Result<std::vector<DirectoryEntry>> list_tree(std::string_view dir) {
  Result<std::vector<DirectoryEntry>> top = list_directory(dir);
  if (!top) return top.error();
  std::vector<DirectoryEntry> out;
  // Pending folders, last first: each folder's entries follow it.
  std::vector<std::vector<DirectoryEntry>> stack;
  stack.push_back(std::move(top.value()));
  std::vector<std::string> prefixes{""};
  std::vector<std::size_t> next{0};
  while (!stack.empty()) {
    if (next.back() == stack.back().size()) {
      stack.pop_back();
      prefixes.pop_back();
      next.pop_back();
      continue;
    }
    DirectoryEntry e = stack.back()[next.back()++];
    e.name = prefixes.back() + e.name;
    out.push_back(e);
    if (e.kind != FileKind::directory) continue;
    Result<std::vector<DirectoryEntry>> inner = list_directory(join(dir, e.name));
    if (!inner) continue;  // unreadable: listed, not entered
    stack.push_back(std::move(inner.value()));
    prefixes.push_back(e.name + "/");
    next.push_back(0);
  }
  return out;
}

namespace {

Status remove_directory_tree(const std::string& dir) {
  Result<std::vector<DirectoryEntry>> entries = list_tree(dir);
  if (!entries) return entries.error();
  // Deepest first: a folder's entries come after it in the listing.
  for (auto it = entries.value().rbegin(); it != entries.value().rend(); ++it) {
    const std::string path = join(dir, it->name);
    Status s = it->kind == FileKind::directory ? remove_directory(path)
               : it->kind == FileKind::link    ? remove_link(path)
                                               : remove_file(path);
    if (!s) return s;
  }
  return remove_directory(dir);
}

}  // namespace

Status remove_tree(std::string_view dir) {
  const std::string path(dir);
  Result<FileIdentity> id = identity_of_path(path);
  if (!id) return id.error().code == Errc::not_found ? Status() : Status(id.error());
  switch (id->kind) {
    case FileKind::directory: return remove_directory_tree(path);
    case FileKind::link: return remove_link(path);
    default: return remove_file(path);
  }
}

}  // namespace assetfetch::platform
