// The background service (`assetfetch service`): a long-lived process of
// one user that runs the jobs its clients send over the private socket
// (service_protocol.h), several at once (worker_pool.h), each worker in a
// libcurl share of its own, so a client's file reuses the connection an
// earlier job left warm (BITS' model: a service holds the transfers; a
// client never depends on it).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace assetfetch::service {

struct ServerOptions {
  std::filesystem::path dir;  // the private folder (service_paths.h)
  // Leaves after this long with no client (0: stays until signalled).
  std::chrono::seconds idle_exit{60};
  std::function<void(const std::string&)> log;  // one line per event, for -v
};

// Runs until idle, SIGINT/SIGTERM, or its socket is taken away. Returns the
// exit code: 0, or 1 with `error` set when it could not listen (another
// service listening there is 0: nothing to do).
int run_server(const ServerOptions& options, std::string* error);

}  // namespace assetfetch::service
