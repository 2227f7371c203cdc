// `assetfetch job list|show|resume|cancel [NAME]`: the jobs the engine
// persists under <cache>/jobs/<name>.json (plugin/src/core/job.cpp persist():
// name, state, pid, files[{name, local_name, urls (redacted), sha256|sha512,
// ranges, completed}]). A record outlives its process when that process was
// killed; `resume` re-runs it (the cache's partial download makes it continue
// where it stopped), `cancel` drops it with its temporaries.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cache/cache.h"
#include "cli_options.h"
#include "command.h"
#include "verify/digest.h"
#include "core/input_error.h"
#include "core/range.h"
#include "reporter.h"
#include "run_job.h"

namespace assetfetch::cli {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

struct JobArgs {
  std::string action;
  std::string name;
  CommonOptions common;
};

struct JobRecord {
  fs::path file;
  Json json;
  std::string name;
  long pid = 0;
};

bool alive(long pid) { return pid > 0 && pid != ::getpid() && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

// "running", "interrupted" (its process is gone mid-transfer), or the record's state.
std::string status_of(const JobRecord& r) {
  if (alive(r.pid)) return "running";
  std::string state = r.json.value("state", std::string("unknown"));
  return state == "transferring" ? "interrupted" : state;
}

JobRecord read_record(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw InputError("cannot read job record " + file.string());
  JobRecord r;
  r.file = file;
  try {
    r.json = Json::parse(in);
  } catch (const Json::exception& e) {
    throw InputError("job record " + file.string() + " is not valid JSON (" + e.what() +
                     "); remove it with `assetfetch job cancel " + file.stem().string() + "`");
  }
  r.name = r.json.value("name", file.stem().string());
  r.pid = r.json.value("pid", 0L);
  return r;
}

std::vector<JobRecord> all_records(const fs::path& jobs_dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(jobs_dir, ec))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<JobRecord> out;
  for (const auto& f : files) {
    try {
      out.push_back(read_record(f));
    } catch (const InputError& e) {
      std::cerr << "assetfetch: warning: " << e.what() << "\n";
    }
  }
  return out;
}

JobRecord find_record(const fs::path& jobs_dir, const std::string& name) {
  if (name.empty()) throw InputError("name the job: `assetfetch job list` shows them");
  fs::path file = jobs_dir / (sanitize_job_name(name) + ".json");
  if (!fs::exists(file))
    throw InputError("no job '" + name + "' under " + jobs_dir.string() + " (`assetfetch job list` shows them)");
  return read_record(file);
}

std::optional<Digest> record_digest(const Json& f) {
  for (HashAlgorithm algo : {HashAlgorithm::sha256, HashAlgorithm::sha512})
    if (f.contains(algorithm_name(algo)) && f[algorithm_name(algo)].is_string())
      return parse_digest(algo, f[algorithm_name(algo)].get<std::string>(), "job record");
  return std::nullopt;
}

std::uint64_t partial_bytes(const fs::path& root, const Json& f) {
  std::error_code ec;
  try {
    if (auto d = record_digest(f)) {
      auto n = fs::file_size(Cache(root).partial_path(*d), ec);
      if (!ec) return n;
    }
  } catch (const InputError&) {
  }
  return 0;
}

int job_list(const fs::path& root, const JobArgs& a) {
  auto records = all_records(root / "jobs");
  for (const auto& r : records) {
    const Json files = r.json.value("files", Json::array());
    if (a.common.json) {
      Json j{{"name", r.name}, {"state", status_of(r)}, {"pid", r.pid}, {"files", Json::array()}};
      for (const auto& f : files)
        j["files"].push_back({{"name", f.value("name", "")}, {"completed", f.value("completed", false)},
                              {"partial_bytes", partial_bytes(root, f)}});
      std::cout << j.dump() << "\n";
      continue;
    }
    std::cout << r.name << "  " << status_of(r) << "  " << files.size() << " file(s):";
    for (const auto& f : files)
      std::cout << " " << f.value("name", "?") << (f.value("completed", false) ? " (done)" : "");
    std::cout << "\n";
  }
  if (records.empty() && !a.common.json && !a.common.quiet)
    std::cerr << "assetfetch: no jobs under " << (root / "jobs").string() << "\n";
  return 0;
}

int job_show(const fs::path& root, const JobArgs& a) {
  JobRecord r = find_record(root / "jobs", a.name);
  Json j = r.json;
  j["status"] = status_of(r);
  for (auto& f : j["files"]) f["partial_bytes"] = partial_bytes(root, f);
  if (a.common.json) {
    std::cout << j.dump() << "\n";
    return 0;
  }
  std::cout << "job " << r.name << ": " << status_of(r) << " (pid " << r.pid << ")\n";
  for (const auto& f : j["files"]) {
    std::cout << "  " << f.value("name", "?") << " -> " << f.value("local_name", "?")
              << (f.value("completed", false) ? "  done" : "") << "\n";
    for (const char* algo : {"sha256", "sha512"})
      if (f.contains(algo)) std::cout << "    " << algo << " " << f[algo].get<std::string>() << "\n";
    for (const auto& u : f.value("urls", Json::array())) std::cout << "    url " << u.get<std::string>() << "\n";
    for (const auto& rg : f.value("ranges", Json::array())) std::cout << "    range " << rg.get<std::string>() << "\n";
    if (auto n = f["partial_bytes"].get<std::uint64_t>()) std::cout << "    partial " << n << " bytes in the cache\n";
  }
  return 0;
}

void refuse_if_running(const JobRecord& r, const char* verb) {
  if (alive(r.pid))
    throw std::runtime_error("job " + r.name + " is running in process " + std::to_string(r.pid) + "; cannot " +
                             verb + " it now (wait for it, or stop that process first)");
}

// Rebuilds the job's FileSpecs from its record. Refuses records that cannot
// be replayed faithfully (a redacted credential, no digest).
std::vector<FileSpec> specs_from_record(const JobRecord& r, const Config& config) {
  std::vector<FileSpec> specs;
  for (const auto& f : r.json.value("files", Json::array())) {
    FileSpec s;
    s.name = f.value("name", "");
    s.local_name = f.value("local_name", "");
    s.digest = record_digest(f);
    if (!s.digest)
      throw InputError("job " + r.name + ": file '" + s.name +
                       "' has no sha256/sha512 in its record; re-run the original command instead");
    std::vector<std::string> urls;
    for (const auto& u : f.value("urls", Json::array())) urls.push_back(u.get<std::string>());
    for (const auto& u : urls)
      if (u.find("REDACTED") != std::string::npos)
        throw InputError("job " + r.name + ": file '" + s.name + "' came from " + u +
                         ", whose credentials the record does not keep; re-run the original command "
                         "(assetfetch fetch/sync ... with the same URLs): it resumes from the cached partial "
                         "download too");
    if (urls.empty()) throw InputError("job " + r.name + ": file '" + s.name + "' has no URL in its record");
    // Headers are not recorded; the config (--config) gives them back to its sources.
    AssetIdentity id{s.name, std::nullopt, std::nullopt};
    (s.digest->algorithm == HashAlgorithm::sha256 ? id.sha256 : id.sha512) = s.digest;
    auto configured = build_candidates(config, id, urls);
    for (const auto& u : urls) {
      Candidate c{u, CandidateKind::origin, {}};
      for (const auto& k : configured)
        if (k.url == u) c = k;
      s.candidates.push_back(std::move(c));
    }
    s.write_back = write_back_targets(config, id);
    for (const auto& rg : f.value("ranges", Json::array()))
      s.ranges.push_back(parse_range_arg(rg.get<std::string>(), "job record range"));
    s.ranges_given = f.contains("ranges");
    specs.push_back(std::move(s));
  }
  if (specs.empty()) throw InputError("job " + r.name + " has no files in its record");
  return specs;
}

int job_resume(const Settings& s, const JobArgs& a, Reporter& reporter) {
  JobRecord r = find_record(s.job.cache_dir / "jobs", a.name);
  refuse_if_running(r, "resume");
  auto specs = specs_from_record(r, s.config);
  reporter.info("resuming job " + r.name + " (" + std::to_string(specs.size()) + " file(s))");
  JobOutcome o = run_job(r.name, s.job, std::move(specs), reporter);
  reporter.summary(o.fetched, o.from_cache, o.failed);
  return o.exit_code;
}

int job_cancel(const fs::path& root, const JobArgs& a) {
  JobRecord r = find_record(root / "jobs", a.name);
  refuse_if_running(r, "cancel");
  std::vector<fs::path> removed;
  std::error_code ec;
  Cache cache(root);
  for (const auto& f : r.json.value("files", Json::array())) {
    std::optional<Digest> d;
    try {
      d = record_digest(f);
    } catch (const InputError&) {
    }
    if (d) {
      fs::path part = cache.partial_path(*d);
      if (fs::exists(part, ec)) removed.push_back(part);
      cache.remove_partial(*d);
    }
    // The .part beside the destination: <local_name>.<pid>.part[.whole].
    fs::path local = f.value("local_name", "");
    if (local.empty()) continue;
    std::string prefix = local.filename().string() + ".";
    for (const auto& e : fs::directory_iterator(local.parent_path(), ec)) {
      std::string n = e.path().filename().string();
      if (n.rfind(prefix, 0) != 0 || n.find(".part") == std::string::npos) continue;
      std::string pid = n.substr(prefix.size(), n.find('.', prefix.size()) - prefix.size());
      if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos || alive(std::stol(pid))) continue;
      if (fs::remove(e.path(), ec)) removed.push_back(e.path());
    }
  }
  fs::remove(r.file, ec);
  if (!a.common.quiet) {
    for (const auto& p : removed) std::cerr << "assetfetch: removed " << p.string() << "\n";
    std::cerr << "assetfetch: job " << r.name << " cancelled\n";
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
