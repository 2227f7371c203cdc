#include "core/job_record.h"

#include <fstream>

#include "cache/unique_fd.h"
#include "base/input_error.h"
#include "base/job_name.h"
#include "base/range.h"
#include "base/digest.h"

#include "platform/path.h"
#include "platform/process.h"

namespace assetfetch {

namespace fs = std::filesystem;
using Json = nlohmann::json;

fs::path job_record_path(const fs::path& jobs_dir, const std::string& name) {
  if (auto problem = job_name_problem(name)) throw InputError(*problem);
  return jobs_dir / (name + ".json");
}

std::string recorded_range_text(const ByteRange& r) {
  return r.digest ? format_range(r) + ":" + r.digest->hex : format_range(r);
}

namespace {

template <class T>
T field(const Json& j, const char* key, T fallback, const fs::path& file) {
  if (!j.contains(key)) return fallback;
  try {
    return j.at(key).get<T>();
  } catch (const Json::exception&) {
    throw InputError("job record " + platform::utf8_of(file) + ": \"" + key + "\" has the wrong type; remove the record with `assetfetch job cancel " +
                     platform::utf8_of(file.stem()) + "`");
  }
}

}  // namespace

Json to_json(const JobRecord& r) {
  Json j;
  j["name"] = r.name;
  j["state"] = r.state;
  j["pid"] = r.pid;
  j["files"] = Json::array();
  for (const auto& f : r.files) {
    Json jf;
    jf["name"] = f.name;
    jf["local_name"] = platform::utf8_of(f.local_name);
    jf["urls"] = f.urls;
    if (f.digest) jf[algorithm_name(f.digest->algorithm)] = f.digest->hex;
    if (f.ranges_given) {
      std::vector<std::string> rs;
      for (const auto& rg : f.ranges) rs.push_back(recorded_range_text(rg));
      jf["ranges"] = rs;
    }
    if (f.layout == Layout::sparse) jf["layout"] = "sparse";
    jf["completed"] = f.completed;
    j["files"].push_back(jf);
  }
  return j;
}

JobRecord parse_job_record(const Json& j, const fs::path& file) {
  if (!j.is_object())
    throw InputError("job record " + platform::utf8_of(file) + " is not a JSON object; remove it with `assetfetch job cancel " +
                     platform::utf8_of(file.stem()) + "`");
  JobRecord r;
  r.name = field<std::string>(j, "name", platform::utf8_of(file.stem()), file);
  r.state = field<std::string>(j, "state", "unknown", file);
  r.pid = field<long>(j, "pid", 0, file);
  for (const auto& jf : field<Json>(j, "files", Json::array(), file)) {
    RecordedFile f;
    f.name = field<std::string>(jf, "name", "", file);
    f.local_name = platform::path_from_utf8(field<std::string>(jf, "local_name", "", file));
    f.urls = field<std::vector<std::string>>(jf, "urls", {}, file);
    for (HashAlgorithm algo : {HashAlgorithm::sha256, HashAlgorithm::sha512}) {
      if (!f.digest && jf.contains(algorithm_name(algo)))
        f.digest = parse_digest(algo, field<std::string>(jf, algorithm_name(algo), "", file), "job record " + platform::utf8_of(file));
    }
    for (const auto& rg : field<std::vector<std::string>>(jf, "ranges", {}, file))
      f.ranges.push_back(parse_range_arg(rg, "job record " + platform::utf8_of(file) + " range"));
    f.ranges_given = jf.contains("ranges");
    f.layout = field<std::string>(jf, "layout", "", file) == "sparse" ? Layout::sparse : Layout::concatenated;
    f.completed = field<bool>(jf, "completed", false, file);
    r.files.push_back(std::move(f));
  }
  return r;
}

JobRecord read_job_record(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw InputError("cannot read job record " + platform::utf8_of(file));
  Json j;
  try {
    j = Json::parse(in);
  } catch (const Json::exception& e) {
    throw InputError("job record " + platform::utf8_of(file) + " is not valid JSON (" + e.what() +
                     "); remove it with `assetfetch job cancel " + platform::utf8_of(file.stem()) + "`");
  }
  return parse_job_record(j, file);
}

void write_job_record(const fs::path& file, const JobRecord& record) {
  fs::create_directories(file.parent_path());
  write_file_atomic(file, to_json(record).dump(2) + "\n");
}

FileSpec spec_from_record(const JobRecord& r, const RecordedFile& f) {
  const std::string what = "job " + r.name + ": file '" + f.name + "'";
  if (!f.digest) {
    // `assetfetch hash` (no hash to check yet): its command prints the digest, a job cannot.
    std::string urls;
    for (const auto& u : f.urls) urls += " " + u;
    throw InputError(what + " was fetched to learn its hash; run `assetfetch hash" + urls +
                     "` again: it resumes from the partial download in the cache");
  }
  if (f.urls.empty()) throw InputError(what + " has no URL in its record");
  for (const auto& u : f.urls)
    if (u.find("REDACTED") != std::string::npos)
      throw InputError(what + " came from " + u +
                       ", whose credentials the record does not keep; re-run the original command "
                       "(assetfetch fetch/sync ... with the same URLs): it resumes from the cached partial "
                       "download too");
  FileSpec s;
  s.name = f.name;
  s.local_name = f.local_name;
  s.digest = f.digest;
  s.urls = f.urls;
  s.ranges = f.ranges;
  s.ranges_given = f.ranges_given;
  s.layout = f.layout;
  return s;
}

bool record_owner_alive(long pid) {
  return pid > 0 && static_cast<std::uint64_t>(pid) != platform::current_pid() &&
         platform::pid_alive(static_cast<std::uint64_t>(pid));
}

}  // namespace assetfetch
