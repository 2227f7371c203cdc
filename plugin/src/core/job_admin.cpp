// Job records for hosts: list, find, cancel (core/maintenance.h).

#include <algorithm>
#include <map>
#include <set>

#include "base/input_error.h"
#include "base/job_name.h"
#include "cache/cache.h"
#include "core/maintenance.h"

#include "platform/directory.h"
#include "platform/file.h"
#include "platform/path.h"

namespace assetfetch {

namespace fs = std::filesystem;

namespace {

std::string status_of(const JobRecord& r) {
  if (record_owner_alive(r.pid)) return "running";
  return r.state == "transferring" ? "interrupted" : r.state;
}

}  // namespace

std::vector<JobEntry> list_jobs(const fs::path& root, std::vector<std::string>* warnings) {
  const Cache cache(root);
  cache.check_tree();
  std::vector<fs::path> files;
  // platform::list_directory: mingw-w64's directory_iterator lists the wrong
  // folder past 260 characters. No jobs/ folder: no jobs.
  if (const auto entries = platform::list_directory(platform::utf8_of(cache.jobs_dir())); entries) {
    for (const auto& e : entries.value()) {
      const fs::path file = cache.jobs_dir() / platform::path_from_utf8(e.name);
      if (file.extension() == ".json") files.push_back(file);
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<JobEntry> out;
  for (const auto& f : files) {
    try {
      JobRecord r = read_job_record(f);
      std::string status = status_of(r);
      out.push_back({f, std::move(r), std::move(status)});
    } catch (const InputError& e) {
      if (warnings) warnings->push_back(e.what());
    }
  }
  return out;
}

JobEntry find_job(const fs::path& root, const std::string& name) {
  if (name.empty()) throw InputError("name the job: `assetfetch job list` shows them");
  const Cache cache(root);
  cache.check_tree();
  const fs::path file = job_record_path(cache.jobs_dir(), name);  // throws for a bad name
  std::error_code ec;
  if (!fs::exists(file, ec))
    throw InputError("no job '" + name + "' under " + platform::utf8_of(cache.jobs_dir()) +
                     " (`assetfetch job list` shows them)");
  JobRecord r = read_job_record(file);
  std::string status = status_of(r);
  return {file, std::move(r), std::move(status)};
}

std::uint64_t partial_bytes(const fs::path& root, const RecordedFile& f) {
  if (!f.digest) return 0;
  std::error_code ec;
  const auto n = fs::file_size(Cache(root).partial_path(*f.digest), ec);
  return ec ? 0 : n;
}

std::vector<TemporaryInfo> destination_temporaries(const JobRecord& record) {
  // <local_name>.<pid>.<random>.part[.whole] (Job::add_file names it). Each
  // destination folder is read once, however many of the job's files it holds.
  std::map<fs::path, std::set<std::string>> names_by_dir;
  for (const auto& f : record.files)
    if (!f.local_name.empty()) names_by_dir[f.local_name.parent_path()].insert(platform::utf8_of(f.local_name.filename()));
  std::vector<TemporaryInfo> out;
  for (const auto& [dir, names] : names_by_dir) {
    const auto entries = platform::list_directory(platform::utf8_of(dir));
    if (!entries) continue;  // the folder is gone: no temporaries in it
    for (const auto& e : entries.value()) {
      const std::string& n = e.name;
      long pid = 0;
      for (std::size_t dot = n.find('.'); dot != std::string::npos && pid == 0; dot = n.find('.', dot + 1))
        if (names.count(n.substr(0, dot)) && n.find(".part", dot) != std::string::npos)
          pid = temporary_owner(n.substr(dot + 1));
      if (pid <= 0) continue;
      const fs::path file = dir / platform::path_from_utf8(n);
      platform::Result<platform::FileIdentity> st = platform::identity_of_path(platform::utf8_of(file));
      if (!st || st.value().kind != platform::FileKind::regular) continue;
      TemporaryInfo t;
      t.file = file;
      t.size = st.value().size;
      t.modified = static_cast<std::time_t>(st.value().mtime_ns / 1000000000);
      t.owner_pid = pid;
      t.owner_alive = process_alive(pid);
      t.job = record.name;
      out.push_back(std::move(t));
    }
  }
  std::sort(out.begin(), out.end(), [](const TemporaryInfo& a, const TemporaryInfo& b) { return a.file < b.file; });
  return out;
}

void refuse_if_running(const JobRecord& r, const char* verb) {
  if (record_owner_alive(r.pid))
    throw std::runtime_error("job " + r.name + " is running in process " + std::to_string(r.pid) + "; cannot " +
                             verb + " it now (wait for it, or stop that process first)");
}

std::vector<fs::path> cancel_job(const fs::path& root, const std::string& name) {
  const JobEntry entry = find_job(root, name);
  refuse_if_running(entry.record, "cancel");
  std::vector<fs::path> removed;
  std::error_code ec;
  const Cache cache(root);
  for (const auto& f : entry.record.files) {
    if (const auto& d = f.digest) {
      const fs::path part = cache.partial_path(*d);
      if (fs::exists(part, ec)) removed.push_back(part);
      cache.remove_partial(*d);
    }
  }
  for (const auto& t : destination_temporaries(entry.record))
    if (!t.owner_alive && fs::remove(t.file, ec)) removed.push_back(t.file);
  fs::remove(entry.file, ec);
  return removed;
}

}  // namespace assetfetch
