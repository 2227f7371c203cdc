#include "service/service_prefetch.h"

#include <system_error>

#include "platform/path.h"
#include "platform/process.h"
#include "service/service_client.h"
#include "service/service_paths.h"

namespace assetfetch::service {

namespace {

namespace fs = std::filesystem;

#ifdef _WIN32
constexpr const char* kProgram = "assetfetch.exe";
#else
constexpr const char* kProgram = "assetfetch";
#endif

class ServicePrefetch final : public Prefetch {
 public:
  explicit ServicePrefetch(ClientOptions client) : client_(std::move(client)) {}

  void run(const std::string& job_name, const JobOptions& options, const std::vector<FileSpec>& files,
           const PrefetchEvents& events, const std::function<bool()>& stop) override {
    // Object-store and write-back files stay with the job (its own
    // credentials, its own upload wait); the others go.
    std::vector<std::size_t> sent;  // request index -> the job's index
    std::vector<FileSpec> specs;
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (!needs_own_process(files[i]).empty()) continue;
      sent.push_back(i);
      specs.push_back(files[i]);
      specs.back().urls.clear();  // the job expanded them: candidates only
    }
    if (specs.empty()) return;
    std::string why_not;
    std::optional<JobRequest> request = make_request(job_name, options, specs, &why_not);
    if (!request) return;
    request->cache_only = true;
    RemoteEvents remote;
    remote.attempt = events.attempt;
    remote.warning = events.warning;
    remote.failover = [&](std::size_t i, const std::string& from, const std::string& to, const std::string& reason) {
      if (events.failover) events.failover(sent[i], from, to, reason);
    };
    remote.progress = [&](std::size_t i, const Progress& p) {
      if (events.progress) events.progress(sent[i], p);
    };
    // Whatever the outcome, the job's loop comes next: it finds what the
    // service put in the cache and resumes what it left.
    run_remote(client_, *request, remote, stop);
  }

 private:
  ClientOptions client_;
};

}  // namespace

std::optional<fs::path> program_beside_library() {
  const platform::Result<std::string> lib = platform::module_path();
  if (!lib) return std::nullopt;
  const fs::path dir = platform::path_from_utf8(lib.value()).parent_path();
  for (const fs::path& candidate : {dir / kProgram, dir.parent_path() / "bin" / kProgram,
                                    dir.parent_path().parent_path() / "bin" / kProgram}) {
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return candidate;
  }
  return std::nullopt;
}

std::shared_ptr<Prefetch> make_service_prefetch(const fs::path& cache_dir) {
  const std::optional<fs::path> dir = service_dir(cache_dir);
  if (!dir) return nullptr;
  ClientOptions client;
  client.dir = *dir;
  if (const std::optional<fs::path> program = program_beside_library())
    client.start_command = start_command(platform::utf8_of(*program), *dir);
  return std::make_shared<ServicePrefetch>(std::move(client));
}

}  // namespace assetfetch::service
