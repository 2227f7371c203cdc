// `assetfetch fetch URL... (--sha256 HEX | --sha512 HEX) -o PATH [--range ...]`
#include <CLI/CLI.hpp>
#include <memory>

#include "base/digest.h"
#include "base/input_error.h"
#include "base/quoted_value.h"
#include "base/range.h"
#include "base/url.h"
#include "cli_options.h"
#include "command.h"
#include "core/maintenance.h"
#include "reporter.h"
#include "run_job.h"
#include "service_job.h"
#include "platform/path.h"

namespace assetfetch::cli {
namespace {

struct FetchArgs {
  std::vector<std::string> urls;
  std::string sha256, sha512, output;
  std::vector<std::string> ranges;
  bool sparse = false;
  bool no_verify = false;
  CommonOptions common;
};

int run_fetch(FetchArgs& a) {
  Reporter reporter(a.common.json, a.common.quiet, a.common.verbose, parse_progress_style(a.common.progress));
  std::string asset = platform::utf8_of(platform::path_from_utf8(a.output).filename());
  try {
    const std::string output_name = platform::utf8_of(platform::path_from_utf8(a.output).filename());
    if (a.output.empty() || output_name.empty() || output_name == "." || output_name == "..")
      throw InputError("-o/--output " + quoted_value(a.output) + " does not name a file; give the path to write, "
                       "such as -o downloads/zlib.tar.gz");
    for (std::size_t i = 0; i < a.urls.size(); ++i)
      if (auto problem = url_problem(a.urls[i]))
        throw InputError("URL " + std::to_string(i + 1) + ": " + *problem);
    FileSpec spec;
    spec.name = asset;
    if (!a.sha256.empty() && !a.sha512.empty())
      throw InputError("give either --sha256 or --sha512, not both");
    if (!a.sha256.empty()) spec.digest = parse_digest(HashAlgorithm::sha256, a.sha256, "--sha256");
    if (!a.sha512.empty()) spec.digest = parse_digest(HashAlgorithm::sha512, a.sha512, "--sha512");
    if (!spec.digest && !a.no_verify)
      throw InputError("no hash given: add --sha256 HEX or --sha512 HEX (or --no-verify to accept unverified bytes)");
    spec.allow_unverified = a.no_verify;
    for (const auto& r : a.ranges) spec.ranges.push_back(parse_range_arg(r, "--range"));
    spec.ranges_given = !a.ranges.empty();
    if (a.sparse && !spec.ranges_given) throw InputError("--sparse needs at least one --range");
    spec.layout = a.sparse ? Layout::sparse : Layout::concatenated;
    spec.local_name = platform::path_from_utf8(a.output);

    Settings s = resolve_settings(a.common);
    spec.urls = a.urls;  // the core builds the candidate walk from the job's source policy
    std::string job_name = spec.digest ? std::string(algorithm_name(spec.digest->algorithm)) + "-" + spec.digest->hex
                                       : "fetch-" + asset;
    std::vector<FileSpec> specs;
    specs.push_back(std::move(spec));
    const int rc = run_job_maybe_in_service(job_name, s, std::move(specs), reporter).exit_code;
    // Nothing checked these bytes: show their digest so the user can pin it.
    if (rc == 0 && a.no_verify && a.ranges.empty())
      reporter.digest(asset, digest_of_file(platform::path_from_utf8(a.output), HashAlgorithm::sha256));
    return rc;
  } catch (const InputError& e) {
    for (const auto& line : error_lines(e)) reporter.error(asset, ErrorCode::bad_input, line);
    return exit_code_for(ErrorCode::bad_input);
  }
}

const RegisterCommand registered(
    "fetch", "Fetch one asset by URL(s) and hash into a file", [](CLI::App& sub) -> std::function<int()> {
      auto a = std::make_shared<FetchArgs>();
      sub.add_option("urls", a->urls, "URLs, origin first, then fallbacks")->required();
      sub.add_option("--sha256", a->sha256, "SHA-256 of the whole remote file (its identity)");
      sub.add_option("--sha512", a->sha512, "SHA-512 of the whole remote file (its identity)");
      sub.add_option("-o,--output", a->output, "where to write the file (parent directories are created)")->required();
      sub.add_option("--range", a->ranges, "OFF:LEN[:SHA256], LEN may be EOF; repeatable; written one after another")
          ->allow_extra_args(false);
      sub.add_flag("--sparse", a->sparse, "write each range at its own offset of a file of the remote size");
      sub.add_flag("--no-verify", a->no_verify, "accept the file without a hash (never cached)");
      add_common_options(sub, a->common);
      return [a] { return run_fetch(*a); };
    });

}  // namespace
}  // namespace assetfetch::cli
