// `assetfetch job list|show|resume|cancel [NAME]`: the jobs the engine
// persists under <cache>/jobs/<name>.json (the core's JobRecord, listed,
// found and cancelled by core/maintenance.h; this file prints). A record
// outlives its process when that process was killed; `resume` creates the
// job again, which restores its files from the record (the cache's partial
// download makes it continue where it stopped); `cancel` drops it with its
// temporaries.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "base/input_error.h"
#include "cli_options.h"
#include "command.h"
#include "core/maintenance.h"
#include "reporter.h"
#include "run_job.h"
#include "platform/path.h"

namespace assetfetch::cli {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

struct JobArgs {
  std::string action;
  std::string name;
  CommonOptions common;
};

int job_list(const fs::path& root, const JobArgs& a) {
  std::vector<std::string> warnings;
  auto records = list_jobs(root, &warnings);
  for (const auto& w : warnings) std::cerr << "assetfetch: warning: " << w << "\n";
  for (const auto& [file, r, status] : records) {
    if (a.common.json) {
      Json j{{"name", r.name}, {"state", status}, {"pid", r.pid}, {"files", Json::array()}};
      for (const auto& f : r.files)
        j["files"].push_back({{"name", f.name}, {"completed", f.completed}, {"partial_bytes", partial_bytes(root, f)}});
      std::cout << j.dump() << "\n";
      continue;
    }
    std::cout << r.name << "  " << status << "  " << r.files.size() << " file(s):";
    for (const auto& f : r.files) std::cout << " " << (f.name.empty() ? "?" : f.name) << (f.completed ? " (done)" : "");
    std::cout << "\n";
  }
  if (records.empty() && !a.common.json && !a.common.quiet)
    std::cerr << "assetfetch: no jobs under " << platform::utf8_of(root / "jobs") << "\n";
  return 0;
}

int job_show(const fs::path& root, const JobArgs& a) {
  const JobEntry e = find_job(root, a.name);
  const JobRecord& r = e.record;
  if (a.common.json) {
    Json j = to_json(r);
    j["status"] = e.status;
    for (std::size_t i = 0; i < r.files.size(); ++i) j["files"][i]["partial_bytes"] = partial_bytes(root, r.files[i]);
    std::cout << j.dump() << "\n";
    return 0;
  }
  std::cout << "job " << r.name << ": " << e.status << " (pid " << r.pid << ")\n";
  for (const auto& f : r.files) {
    std::cout << "  " << (f.name.empty() ? "?" : f.name) << " -> " << platform::utf8_of(f.local_name) << (f.completed ? "  done" : "")
              << "\n";
    if (f.digest) std::cout << "    " << algorithm_name(f.digest->algorithm) << " " << f.digest->hex << "\n";
    for (const auto& u : f.urls) std::cout << "    url " << u << "\n";
    for (const auto& rg : f.ranges) std::cout << "    range " << recorded_range_text(rg) << "\n";
    if (auto n = partial_bytes(root, f)) std::cout << "    partial " << n << " bytes in the cache\n";
  }
  return 0;
}

int job_resume(const Settings& s, const JobArgs& a, Reporter& reporter) {
  const JobRecord r = find_job(s.job.cache_dir, a.name).record;
  refuse_if_running(r, "resume");
  // Headers are not recorded; the config (--config) gives them back to its sources.
  for (const auto& f : r.files) (void)spec_from_record(r, f);  // refuse what cannot be replayed, before any request
  if (r.files.empty()) throw InputError("job " + r.name + " has no files in its record");
  reporter.info("resuming job " + r.name + " (" + std::to_string(r.files.size()) + " file(s))");
  JobOptions options = s.job;
  options.restore = true;
  JobOutcome o = run_job(r.name, options, {}, reporter);
  reporter.summary(o.fetched, o.from_cache, o.failed);
  return o.exit_code;
}

int job_cancel(const fs::path& root, const JobArgs& a) {
  const std::vector<fs::path> removed = cancel_job(root, a.name);
  if (!a.common.quiet) {
    for (const auto& p : removed) std::cerr << "assetfetch: removed " << platform::utf8_of(p) << "\n";
    std::cerr << "assetfetch: job " << a.name << " cancelled\n";
  }
  return 0;
}

int run_job_command(JobArgs& a) {
  Reporter reporter(a.common.json, a.common.quiet, a.common.verbose, parse_progress_style(a.common.progress));
  try {
    if (a.action != "list" && a.name.empty()) throw InputError("`job " + a.action + "` needs a job NAME (see `assetfetch job list`)");
    Settings s = resolve_settings(a.common);
    if (s.job.cache_dir.empty()) throw InputError("jobs live in the cache; --no-cache leaves none");
    const fs::path root = s.job.cache_dir;
    if (a.action == "list") return job_list(root, a);
    if (a.action == "show") return job_show(root, a);
    if (a.action == "resume") return job_resume(s, a, reporter);
    return job_cancel(root, a);
  } catch (const InputError& e) {
    reporter.error(a.name, ErrorCode::bad_input, e.what());
    return exit_code_for(ErrorCode::bad_input);
  } catch (const std::exception& e) {
    reporter.error(a.name, ErrorCode::internal, e.what());
    return 1;
  }
}

const RegisterCommand registered(
    "job", "Persisted jobs: list, show NAME, resume NAME (continue a killed fetch), cancel NAME",
    [](CLI::App& sub) -> std::function<int()> {
      auto a = std::make_shared<JobArgs>();
      sub.add_option("action", a->action, "list | show | resume | cancel")
          ->required()
          ->check(CLI::IsMember({"list", "show", "resume", "cancel"}));
      sub.add_option("name", a->name, "job name (show, resume, cancel)");
      add_common_options(sub, a->common);
      return [a] { return run_job_command(*a); };
    });

}  // namespace
}  // namespace assetfetch::cli
