// What a local cache knows its writable sources already hold: one empty
// file per object in a store, <cache>/stores/<2 hex>/<62 hex>, named by the
// SHA-256 of the object's URL without its query (a rotated SAS names the
// same object). A mark is written when an upload succeeded, found the object
// there, or when the object was fetched from that source.
//
// A cache hit writes the object to each writable source that has no mark
// (docs/mirrors.md, "Cache hits and a newly added store"): one HEAD, and an
// upload when the store lacks it, once per cache, store and object; a hit
// whose sources are all marked costs one stat each and no network. A store
// that later loses objects is not noticed by hits; `rm -r <cache>/stores`
// forgets every mark.
//
// Thread safety: stateless apart from the files; any thread.
#pragma once

#include <filesystem>
#include <string>

namespace assetfetch {

class StoreMarks {
 public:
  // No marks at all (has() false, path_of() empty) for an empty root.
  explicit StoreMarks(std::filesystem::path cache_root);

  std::filesystem::path path_of(const std::string& url) const;
  bool has(const std::string& url) const;
  // Creates the mark; best effort (a read-only cache, a planted link where
  // a folder belongs: nothing is written), never throws.
  static void add(const std::filesystem::path& mark) noexcept;

 private:
  std::filesystem::path dir_;
};

}  // namespace assetfetch
