// What a local cache knows its writable sources already hold: one empty
// file per object in a store,
//   <cache>/stores/<store id>/<algo>-<hex>
// where <algo>-<hex> is the cache's name of the object (objects/<algo>/<hex>)
// and <store id> 32 hex of the SHA-256 of the store's key: the object's URL
// without its query (a rotated SAS names the same store), with the object's
// digests put back as {sha256} / {sha512}, which is the source's URL
// template. A mark is written when an upload succeeded, found the object
// there, or when the object was fetched from that source.
//
// A cache hit writes the object to each writable source that has no mark
// (docs/mirrors.md, "Cache hits and a newly added store"): one HEAD, and an
// upload when the store lacks it, once per cache, store and object; a hit
// whose sources are all marked costs two stats each and no network. A
// store that later loses objects is not noticed by hits.
//
// `cache prune` (prune_store_marks) drops the marks of objects the cache no
// longer holds, and a store's folder when no config named the store for
// kStoreIdleDays (a hit refreshes its mark's and the folder's time once a
// day) and the prune's own config does not name it either: several configs
// may share one cache, and a mark only saves a HEAD.
//
// Thread safety: stateless apart from the files; any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <set>
#include <string>

#include "assetfetch/types.h"

namespace assetfetch {

// A store's folder is dropped by prune only after this long unused.
constexpr int kStoreIdleDays = 30;

class StoreMarks {
 public:
  // No marks at all (has() false, path_of() empty) for an empty root.
  explicit StoreMarks(std::filesystem::path cache_root);

  // The mark of the cache's object `object` in the store where `url` names
  // it; `other` is the asset's other digest, when known. Empty for an
  // empty root.
  std::filesystem::path path_of(const std::string& url, const Digest& object,
                                const std::optional<Digest>& other) const;
  // True when the mark exists (never through a link). A mark older than a
  // day gets the current time, and so does its store's folder (in use).
  static bool has(const std::filesystem::path& mark) noexcept;
  // Creates the mark; best effort (a read-only cache, a planted link where
  // a folder belongs: nothing is written), never throws.
  static void add(const std::filesystem::path& mark) noexcept;

 private:
  std::filesystem::path dir_;
};

// The <store id> of a source whose URL template is `url_template`.
std::string store_id_of_template(const std::string& url_template);

struct StoreMarksPruned {
  std::size_t marks = 0;   // of objects no longer in the cache
  std::size_t stores = 0;  // folders of stores unused and unconfigured, and an earlier layout's
};

// Removes the marks whose object is not in `<cache_root>/objects/`, and the
// folders of stores not in `configured` (store ids) whose time is more than
// kStoreIdleDays before `now`. Never follows a link; best effort.
StoreMarksPruned prune_store_marks(const std::filesystem::path& cache_root, const std::set<std::string>& configured,
                                   std::filesystem::file_time_type now);

}  // namespace assetfetch
