// `assetfetch service [--idle-exit S] [--dir DIR] [-v]`: the optional
// per-user background service (src/service/service_server.h). Clients start
// it themselves with ASSETFETCH_SERVICE=auto; running it by hand is for
// tests and for users who want it up before a build.
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "assetfetch/job.h"
#include "command.h"
#include "service/service_paths.h"
#include "service/service_server.h"

namespace assetfetch::cli {
namespace {

struct ServiceArgs {
  int idle_exit = 60;
  std::string dir;
  bool verbose = false;
};

int run_service(const ServiceArgs& a) {
  service::ServerOptions o;
  if (!a.dir.empty()) {
    o.dir = a.dir;
  } else if (auto dir = service::service_dir(default_cache_dir())) {
    o.dir = *dir;
  } else {
    std::cerr << "assetfetch: error: no folder for the service's socket: set XDG_RUNTIME_DIR or give --dir\n";
    return 2;
  }
  o.idle_exit = std::chrono::seconds(a.idle_exit);
  if (a.verbose) o.log = [](const std::string& line) { std::cerr << "assetfetch service: " << line << std::endl; };
  std::string error;
  const int rc = service::run_server(o, &error);
  if (rc != 0) std::cerr << "assetfetch: error: " << error << "\n";
  return rc;
}

const RegisterCommand registered(
    "service", "Run the background service that keeps connections warm for single-asset fetches",
    [](CLI::App& sub) -> std::function<int()> {
      auto a = std::make_shared<ServiceArgs>();
      sub.add_option("--idle-exit", a->idle_exit, "leave after this many seconds without a client (0: never)")
          ->check(CLI::Range(0, 86400));
      sub.add_option("--dir", a->dir,
                     "the private folder of its socket (default: $XDG_RUNTIME_DIR/assetfetch, else "
                     "<cache dir>/service)");
      sub.add_flag("-v,--verbose", a->verbose, "log each client and job on stderr");
      return [a] { return run_service(*a); };
    });

}  // namespace
}  // namespace assetfetch::cli
