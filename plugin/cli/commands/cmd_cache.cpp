// `assetfetch cache path|list|verify|prune [--max-size SIZE]`: the local
// cache, inspected and maintained by the core (core/maintenance.h); this file
// only prints.
#include <CLI/CLI.hpp>
#include <ctime>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "base/byte_size.h"
#include "base/input_error.h"
#include "cli_options.h"
#include "command.h"
#include "core/maintenance.h"
#include "reporter.h"
#include "platform/path.h"

namespace assetfetch::cli {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

struct CacheArgs {
  std::string action;
  std::string max_size;
  bool max_size_given = false;  // --max-size "" is an error, not "no limit"
  CommonOptions common;
};

// "2024-05-01 12:00:00 UTC"
std::string format_time(std::time_t t) {
  std::tm tm{};
  if (const std::tm* utc = std::gmtime(&t)) tm = *utc;  // the CLI's one thread: the C++ standard's, not gmtime_r
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string temporary_state(const TemporaryInfo& t) {
  std::string s = t.owner_alive ? "written by running process " + std::to_string(t.owner_pid)
                                : "left by process " + std::to_string(t.owner_pid) + ", which is gone (`cache prune` removes it)";
  if (!t.job.empty()) s += "; beside a destination of job " + t.job;
  return s;
}

std::string partial_state(const PartialInfo& p) {
  if (p.is_link) return "a symbolic link (never followed; `cache prune` removes it)";
  if (p.in_use) return std::string(partial_kind_name(p.kind)) + ", downloading now";
  switch (p.kind) {
    case PartialKind::part: return "resumable";
    case PartialKind::record: return "record of a resumable download";
    case PartialKind::journal: return "filled-ranges journal";
    case PartialKind::bad: return "set aside after a hash mismatch";
    case PartialKind::temporary: return "temporary";
    case PartialKind::stray: return "not assetfetch's";
  }
  return "unknown";
}

int cache_list(const fs::path& root, const CacheArgs& a) {
  const CacheListing listing = list_cache(root);
  const auto& objects = listing.objects;
  const auto& partials = listing.partials;
  const auto& locks = listing.locks;
  std::uint64_t total = 0;
  for (const auto& o : objects) {
    if (a.common.json) {
      std::cout << Json{{"kind", "object"}, {"algo", algorithm_name(o.digest.algorithm)}, {"hex", o.digest.hex},
                        {"size", o.size}, {"last_use", format_time(o.last_use)}, {"last_use_unix", o.last_use},
                        {"path", platform::utf8_of(o.file)}}
                       .dump()
                << "\n";
    } else {
      std::cout << algorithm_name(o.digest.algorithm) << "  " << o.digest.hex << "  " << o.size << " bytes ("
                << human_bytes(o.size) << ")  last used " << format_time(o.last_use) << "\n";
    }
    total += o.size;
  }
  for (const auto& p : partials) {
    if (a.common.json) {
      Json j{{"kind", "partial"}, {"type", partial_kind_name(p.kind)}, {"size", p.size},
             {"modified", format_time(p.modified)}, {"in_use", p.in_use}, {"link", p.is_link},
             {"path", platform::utf8_of(p.file)}};
      if (p.digest) {
        j["algo"] = algorithm_name(p.digest->algorithm);
        j["hex"] = p.digest->hex;
      }
      std::cout << j.dump() << "\n";
    } else {
      std::cout << "partial  " << platform::utf8_of(p.file.filename()) << "  " << p.size << " bytes (" << human_bytes(p.size)
                << ")  " << partial_state(p) << ", modified " << format_time(p.modified) << "\n";
    }
  }
  for (const auto& l : locks) {
    if (a.common.json)
      std::cout << Json{{"kind", "lock"}, {"held", l.held}, {"path", platform::utf8_of(l.file)}}.dump() << "\n";
    else
      std::cout << "lock  " << platform::utf8_of(l.file.filename()) << "  " << (l.held ? "held by a running fetch" : "free")
                << "\n";
  }
  for (const auto& t : listing.temporaries) {
    if (a.common.json)
      std::cout << Json{{"kind", "temporary"}, {"size", t.size}, {"modified", format_time(t.modified)},
                        {"pid", t.owner_pid}, {"owner_alive", t.owner_alive}, {"job", t.job}, {"path", platform::utf8_of(t.file)}}
                       .dump()
                << "\n";
    else
      std::cout << "temporary  " << platform::utf8_of(t.file) << "  " << t.size << " bytes (" << human_bytes(t.size) << ")  "
                << temporary_state(t) << ", modified " << format_time(t.modified) << "\n";
  }
  if (!a.common.json && !a.common.quiet)
    std::cerr << "assetfetch: " << platform::utf8_of(root) << ": " << objects.size() << " objects (" << human_bytes(total)
              << ", hard-linked names counted each), " << partials.size() << " partial-download files, "
              << listing.temporaries.size() << " temporaries, " << locks.size() << " locks\n";
  return 0;
}

int cache_verify(const fs::path& root, const CacheArgs& a) {
  auto n = list_objects(root).size();
  auto corrupt = verify_cache(root);
  if (a.common.json) {
    Json names = Json::array();
    for (const auto& c : corrupt) names.push_back(platform::utf8_of(c));
    std::cout << Json{{"event", "verify"}, {"objects", n}, {"corrupt_removed", names}}.dump() << "\n";
  }
  if (corrupt.empty()) {
    if (!a.common.json && !a.common.quiet)
      std::cerr << "assetfetch: " << platform::utf8_of(root) << ": " << n << " objects verified, none corrupt\n";
    return 0;
  }
  std::cerr << "assetfetch: error: " << corrupt.size() << " of " << n
            << " cache objects were corrupt (bytes do not match their hash) and have been removed:\n";
  for (const auto& c : corrupt) std::cerr << "  " << platform::utf8_of(c) << "\n";
  std::cerr << "assetfetch: hint: the next fetch of those assets downloads them again; if this recurs, check the "
               "disk\n";
  return 1;
}

int cache_prune(const fs::path& root, const CacheArgs& a, const Config* sources) {
  std::optional<std::uint64_t> max;
  if (a.max_size_given) max = parse_byte_size(a.max_size, "--max-size");
  PruneResult r = prune(root, max, sources);
  if (a.common.json) {
    Json objs = Json::array(), tmps = Json::array();
    for (const auto& p : r.removed_objects) objs.push_back(platform::utf8_of(p));
    Json locks = Json::array();
    for (const auto& p : r.removed_temporaries) tmps.push_back(platform::utf8_of(p));
    for (const auto& p : r.removed_locks) locks.push_back(platform::utf8_of(p));
    std::cout << Json{{"event", "prune"}, {"total_before", r.total_before}, {"total_after", r.total_after},
                      {"removed_objects", objs}, {"removed_temporaries", tmps}, {"removed_locks", locks},
                      {"removed_store_marks", r.removed_store_marks}, {"removed_store_folders", r.removed_store_folders}}
                     .dump()
              << "\n";
  } else if (!a.common.quiet) {
    for (const auto& p : r.removed_objects) std::cerr << "assetfetch: removed " << platform::utf8_of(p) << "\n";
    for (const auto& p : r.removed_temporaries) std::cerr << "assetfetch: removed stale " << platform::utf8_of(p) << "\n";
    for (const auto& p : r.removed_locks) std::cerr << "assetfetch: removed unused lock " << platform::utf8_of(p) << "\n";
    std::cerr << "assetfetch: " << platform::utf8_of(root) << ": " << human_bytes(r.total_before) << " -> "
              << human_bytes(r.total_after) << " of objects; " << r.removed_objects.size() << " objects and "
              << r.removed_temporaries.size() << " stale temporaries and " << r.removed_locks.size()
              << " unused locks removed; store records: " << r.removed_store_marks << " of objects no longer cached, "
              << r.removed_store_folders << " stores unused and not configured\n";
  }
  return 0;
}

int run_cache(CacheArgs& a) {
  try {
    if (a.max_size_given && a.action != "prune")
      throw InputError("--max-size applies to `cache prune` only");
    if (a.max_size_given) parse_byte_size(a.max_size, "--max-size");  // before the config
    Settings s = resolve_settings(a.common);
    if (s.job.cache_dir.empty()) throw InputError("no cache directory (--no-cache given?)");
    fs::path root = s.job.cache_dir;
    if (a.action == "path") {
      std::cout << platform::utf8_of(root) << "\n";
      return 0;
    }
    if (a.action == "list") return cache_list(root, a);
    if (a.action == "verify") return cache_verify(root, a);
    return cache_prune(root, a, s.job.sources.get());
  } catch (const InputError& e) {
    std::cerr << "assetfetch: error: " << e.what() << "\n";
    return 2;
  } catch (const UnsafeCache& e) {
    std::cerr << "assetfetch: error: " << e.what() << "\n";
    return 1;
  }
}

const RegisterCommand registered(
    "cache", "Local cache: path, list, verify (re-hash all), prune [--max-size SIZE]",
    [](CLI::App& sub) -> std::function<int()> {
      auto a = std::make_shared<CacheArgs>();
      sub.add_option("action", a->action, "path | list | verify | prune")
          ->required()
          ->check(CLI::IsMember({"path", "list", "verify", "prune"}));
      sub.add_option("--max-size", a->max_size,
                        "prune: remove least recently used objects until they total at most SIZE "
                        "(bytes, or K/M/G/T suffixes, powers of 1024)")
          ->each([a](const std::string&) { a->max_size_given = true; });
      sub.add_option("--config", a->common.config_file, "mirror configuration (JSON); default: $ASSETFETCH_CONFIG");
      sub.add_option("--cache-dir", a->common.cache_dir, "cache directory (default as for fetch)");
      sub.add_flag("-q,--quiet", a->common.quiet, "print errors only");
      sub.add_flag("--json", a->common.json, "list: one JSON object per line; verify/prune: one JSON summary");
      return [a] { return run_cache(*a); };
    });

}  // namespace
}  // namespace assetfetch::cli
