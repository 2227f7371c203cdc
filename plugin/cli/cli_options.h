// Options shared by the fetching commands (fetch, sync, x-script, mirror) and
// how they combine with the environment and the mirror config into the
// engine's JobOptions (precedence: flag > environment > config > default).
#pragma once

#include <optional>
#include <string>

#include "assetfetch/job.h"
#include "core/resolve_options.h"

namespace CLI {
class App;
}

namespace assetfetch::cli {

struct CommonOptions {
  std::string config_file;
  std::string cache_dir;
  bool offline = false;
  bool no_cache = false;
  bool quiet = false;
  bool verbose = false;
  bool json = false;
  bool require_verified = false;
  std::string progress = "auto";  // auto | bar | lines | none
  int jobs = 0;  // 0: not given (automatic, JobOptions::max_parallel_files)
  int max_connections = 0;  // 0: not given (config max_connections, else automatic)
};

// Adds --config, --cache-dir, --offline, --no-cache, --quiet, -v, --json,
// --progress, --require-verified, --max-connections to a subcommand.
void add_common_options(CLI::App& app, CommonOptions& o);

struct Settings {
  JobOptions job;  // job.sources: the mirror config
  ServiceMode service = ServiceMode::off;  // run the job in the background service (service_job.h)
};

// The flags (and a command's own `extra` ones) through the core's
// resolve_options() (the C ABI uses the same): config from --config, else
// $ASSETFETCH_CONFIG; cache dir and offline mode. Throws InputError on a bad
// config or environment value.
Settings resolve_settings(const CommonOptions& o, OptionFlags extra = {});

}  // namespace assetfetch::cli
