// `assetfetch hash URL... [--sha512] [--name N] [--json]`: learn the hash of
// a new asset (as nix-prefetch-url does). The URLs are one asset's
// candidates, origin first. The bytes are fetched without a hash to check,
// hashed, and kept in the cache as an object under the digest they define,
// so the first real fetch with that hash is a cache hit. A killed run's
// bytes stay in the cache's partial/ and the same command resumes them.
//
// stdout: the digest alone, or (--json) a manifest entry ready to paste.
#include <CLI/CLI.hpp>
#include <cctype>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "base/input_error.h"
#include "base/url.h"
#include "cli_options.h"
#include "command.h"
#include "core/maintenance.h"
#include "reporter.h"
#include "run_job.h"
#include "platform/path.h"

namespace assetfetch::cli {
namespace {

namespace fs = std::filesystem;

struct HashArgs {
  std::vector<std::string> urls;
  bool sha512 = false;
  std::string name;
  CommonOptions common;
};

// A manifest name ([A-Za-z0-9_.-]+) from the first URL's file name.
std::string default_asset_name(const std::string& url) {
  std::string file;
  try {
    file = default_file_name(url);
  } catch (const InputError&) {
    return "asset";
  }
  for (char& c : file)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') c = '-';
  return file;
}

void print_entry(const HashArgs& a, const std::string& name, const Digest& d, std::uint64_t size) {
  nlohmann::ordered_json entry;
  entry["name"] = name;
  entry["urls"] = a.urls;
  entry[algorithm_name(d.algorithm)] = d.hex;
  entry["size"] = size;
  std::cout << entry.dump(2) << "\n";
}

int run_hash(HashArgs& a) {
  // --json means "print a manifest entry", not the event stream.
  Reporter reporter(false, a.common.quiet, a.common.verbose, parse_progress_style(a.common.progress));
  reporter.set_destination_label([](const FileSpec&) { return std::string(); });
  const std::string name = a.name.empty() ? default_asset_name(a.urls.at(0)) : a.name;
  fs::path work;
  try {
    if (!a.name.empty() && a.name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") !=
                               std::string::npos)
      throw InputError("--name \"" + a.name + "\" may contain only letters, digits, '_', '.' and '-' (a manifest name)");
    Settings s = resolve_settings(a.common);
    FileSpec spec;
    spec.name = name;
    spec.allow_unverified = true;
    spec.urls = a.urls;  // the core builds the candidate walk from the job's source policy
    if (!has_sources(s.job, spec)) throw InputError("no source left to try: every URL is blocked by block_origin");
    work = unverified_download_path(s.job.cache_dir);
    spec.local_name = work;
    spec.resume_key = unverified_resume_key(a.urls);
    std::vector<FileSpec> specs;
    specs.push_back(std::move(spec));
    const int rc = run_job("hash-" + name, s.job, std::move(specs), reporter).exit_code;
    if (rc != 0) {
      std::error_code ec;
      fs::remove(work, ec);
      return rc;
    }
    const HashAlgorithm algo = a.sha512 ? HashAlgorithm::sha512 : HashAlgorithm::sha256;
    const Digest d = digest_of_file(work, algo);
    const std::uint64_t size = fs::file_size(work);
    const AdoptedFile adopted = adopt_file(s.job.cache_dir, work, d);
    std::string kept = "not kept (--no-cache)";
    if (adopted.kept == AdoptedFile::Kept::already_there) kept = "already in the cache";
    if (adopted.kept == AdoptedFile::Kept::added) kept = "kept in the cache as " + platform::utf8_of(adopted.object);
    if (!a.common.quiet)
      std::cerr << "assetfetch: " << name << ": " << human_bytes(size) << ", " << algorithm_name(algo) << " " << d.hex
                << " (" << kept << ")\n";
    if (a.common.json) print_entry(a, name, d, size);
    else std::cout << d.hex << "\n";
    return 0;
  } catch (const InputError& e) {
    reporter.error(name, ErrorCode::bad_input, e.what());
    return exit_code_for(ErrorCode::bad_input);
  } catch (...) {
    std::error_code ec;
    if (!work.empty()) fs::remove(work, ec);
    throw;
  }
}

const RegisterCommand registered(
    "hash", "Fetch a new asset once and print its hash (or, with --json, a manifest entry to paste)",
    [](CLI::App& sub) -> std::function<int()> {
      auto a = std::make_shared<HashArgs>();
      sub.add_option("urls", a->urls, "URLs of one asset, origin first, then fallbacks")->required();
      sub.add_flag("--sha512", a->sha512, "print the SHA-512 instead of the SHA-256");
      sub.add_option("--name", a->name, "the asset's name in the --json entry (default: from the first URL)");
      add_common_options(sub, a->common);
      sub.get_option("--json")->description("print a manifest entry ready to paste (name, urls, hash, size)");
      return [a] { return run_hash(*a); };
    });

}  // namespace
}  // namespace assetfetch::cli
