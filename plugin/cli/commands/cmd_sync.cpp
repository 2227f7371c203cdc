// `assetfetch sync MANIFEST.json [--dest DIR] [-j N] [--job NAME]`: every
// asset of a manifest in one process, in parallel on one connection pool.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "base/input_error.h"
#include "base/job_name.h"
#include "cli_options.h"
#include "command.h"
#include "core/manifest_jobs.h"
#include "reporter.h"
#include "run_job.h"
#include "service_job.h"
#include "platform/path.h"

namespace assetfetch::cli {
namespace {

struct SyncArgs {
  std::string manifest;
  std::string dest = ".";
  std::string job;
  bool list_outputs = false;
  CommonOptions common;
};

// --list-outputs: what a sync would write, for build systems that declare
// outputs (fetch_assets(... AT_BUILD_TIME)); nothing is fetched.
void print_outputs(const std::vector<FileSpec>& specs, bool json) {
  for (const auto& spec : specs) {
    if (json)
      std::cout << nlohmann::json{{"event", "output"}, {"asset", spec.name}, {"path", platform::utf8_of(spec.local_name)}}.dump()
                << "\n";
    else
      std::cout << platform::utf8_of(spec.local_name) << "\n";
  }
}

int run_sync(SyncArgs& a) {
  Reporter reporter(a.common.json, a.common.quiet, a.common.verbose, parse_progress_style(a.common.progress));
  try {
    Settings s = resolve_settings(a.common);
    Manifest m = load_manifest(platform::path_from_utf8(a.manifest));
    auto specs = manifest_file_specs(m, std::filesystem::absolute(platform::path_from_utf8(a.dest)));
    if (a.list_outputs) {
      print_outputs(specs, a.common.json);
      return 0;
    }
    std::string name = a.job.empty() ? job_name_from(platform::utf8_of(platform::path_from_utf8(a.manifest).stem())) : a.job;
    JobOutcome o = run_job_maybe_in_service(name, s, std::move(specs), reporter);
    if (o.exit_code != exit_code_for(ErrorCode::bad_input) || o.fetched + o.from_cache > 0)
      reporter.summary(o.fetched, o.from_cache, o.failed);
    return o.exit_code;
  } catch (const InputError& e) {
    // Every problem of the manifest or config, one a line (as `check`).
    for (const auto& line : error_lines(e)) reporter.error("", ErrorCode::bad_input, line);
    return exit_code_for(ErrorCode::bad_input);
  }
}

const RegisterCommand registered(
    "sync", "Fetch every asset of a manifest, in parallel", [](CLI::App& sub) -> std::function<int()> {
      auto a = std::make_shared<SyncArgs>();
      sub.add_option("manifest", a->manifest, "manifest JSON (schemas/assetfetch-manifest.schema.json)")
          ->required();
      sub.add_option("--dest", a->dest, "directory the destinations are relative to (default: .)");
      sub.add_option("-j,--jobs", a->common.jobs,
                     "files fetched at once, at most (default: automatic, 8 over HTTP/1.1, 32 once the "
                     "server multiplexes over HTTP/2)")
          ->check(CLI::Range(1, 256));
      sub.add_option("--job", a->job, "job name (default: the manifest file's stem)");
      sub.add_flag("--list-outputs", a->list_outputs,
                   "print each asset's destination (with --json: an `output` event) and fetch nothing");
      add_common_options(sub, a->common);
      return [a] { return run_sync(*a); };
    });

}  // namespace
}  // namespace assetfetch::cli
