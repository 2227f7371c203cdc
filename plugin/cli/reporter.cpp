#include "reporter.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

namespace assetfetch::cli {

using Json = nlohmann::json;

std::string human_bytes(std::uint64_t n) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

namespace {

const char* hint_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::hash_mismatch:
      return "a source served bytes that do not match the declared hash: check the hash, or remove that "
             "source from the URL list or config";
    case ErrorCode::unavailable:
      return "check the URLs and the network, or add a mirror or team cache (--config); -v shows every attempt";
    default:
      return nullptr;
  }
}

}  // namespace

Reporter::Reporter(bool json, bool quiet, bool verbose)
    : json_(json), quiet_(quiet), verbose_(verbose), tty_(!json && !quiet && ::isatty(2)) {}

void Reporter::emit(const std::string& line) {
  std::cout << line << '\n' << std::flush;
}

void Reporter::clear_bar() {
  if (bar_shown_) {
    std::cerr << "\r\033[K" << std::flush;
    bar_shown_ = false;
  }
}

JobCallbacks Reporter::callbacks() {
  JobCallbacks cb;
  cb.attempt = [this](const AttemptRecord& r) {
    std::lock_guard lock(mu_);
    if (json_) {
      emit(Json{{"event", "attempt"}, {"asset", r.asset}, {"url", r.url}, {"range", r.range},
                {"status", r.http_status}, {"bytes", r.bytes}, {"duration_s", r.duration_s},
                {"outcome", r.outcome}, {"retry_reason", r.retry_reason}}
               .dump());
    } else if (verbose_) {
      clear_bar();
      std::cerr << "assetfetch: " << r.asset << ": " << r.url << (r.range.empty() ? "" : " [" + r.range + "]")
                << " -> " << (r.http_status ? "HTTP " + std::to_string(r.http_status) : std::string("no HTTP status"))
                << ", " << r.bytes << " bytes in " << r.duration_s << " s: " << r.outcome
                << (r.retry_reason.empty() ? "" : " (" + r.retry_reason + ")") << "\n";
    }
  };
  cb.failover = [this](const File& f, const std::string& from, const std::string& to, const std::string& why) {
    std::lock_guard lock(mu_);
    if (json_) {
      emit(Json{{"event", "failover"}, {"asset", f.spec().name}, {"from", from}, {"to", to}, {"reason", why}}.dump());
    } else if (!quiet_) {
      clear_bar();
      std::cerr << "assetfetch: " << f.spec().name << ": " << from << " failed (" << why << "); trying " << to << "\n";
    }
  };
  cb.warning = [this](const std::string& asset, const std::string& msg) { warning(asset, msg); };
  cb.progress = [this](const Progress& p, const File& f) { progress(p, f); };
  return cb;
}

void Reporter::progress(const Progress& p, const File& f) {
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  double secs = std::chrono::duration<double>(now - started_).count();
  if (json_) {
    if (now - last_json_progress_ < std::chrono::milliseconds(500)) return;
    last_json_progress_ = now;
    Json j{{"event", "progress"}, {"asset", f.spec().name}, {"bytes", p.bytes_transferred}};
    if (p.bytes_total_known) j["total"] = p.bytes_total;
    emit(j.dump());
    return;
  }
  if (!tty_) return;
  double rate = secs > 0 ? static_cast<double>(p.bytes_transferred) / secs : 0;
  std::string line = f.spec().name + " ";
  if (p.bytes_total_known && p.bytes_total > 0) {
    int width = 24;
    int fill = static_cast<int>(static_cast<double>(p.bytes_transferred) / static_cast<double>(p.bytes_total) * width);
    line += "[" + std::string(static_cast<std::size_t>(std::min(fill, width)), '=') +
            std::string(static_cast<std::size_t>(width - std::min(fill, width)), ' ') + "] ";
    line += human_bytes(p.bytes_transferred) + "/" + human_bytes(p.bytes_total);
    if (rate > 0) {
      auto eta = static_cast<long>(static_cast<double>(p.bytes_total - std::min(p.bytes_total, p.bytes_transferred)) / rate);
      line += " " + human_bytes(static_cast<std::uint64_t>(rate)) + "/s ETA " + std::to_string(eta) + "s";
    }
  } else {
    line += human_bytes(p.bytes_transferred) + " " + human_bytes(static_cast<std::uint64_t>(rate)) + "/s";
  }
  if (files_total_ > 1) line += " (" + std::to_string(files_done_) + "/" + std::to_string(files_total_) + " files)";
  line += " " + f.remote_name();
  if (line.size() > 150) line.resize(150);
  std::cerr << "\r\033[K" << line << std::flush;
  bar_shown_ = true;
}

void Reporter::start(const FileSpec& spec) {
  std::lock_guard lock(mu_);
  if (!json_) return;
  Json urls = Json::array();
  for (const auto& c : spec.candidates) urls.push_back(c.url);
  emit(Json{{"event", "start"}, {"asset", spec.name}, {"path", spec.local_name.string()}}.dump());
}

void Reporter::done(const FileSpec& spec, const FileResult& r) {
  std::lock_guard lock(mu_);
  ++files_done_;
  if (json_) {
    emit(Json{{"event", "done"}, {"asset", spec.name}, {"path", spec.local_name.string()}, {"source", r.source},
              {"bytes", r.bytes}, {"from_cache", r.from_cache}, {"verified", r.verified}}
             .dump());
    return;
  }
  if (quiet_) return;
  clear_bar();
  std::cerr << "assetfetch: " << spec.name << ": " << human_bytes(r.bytes) << " -> " << spec.local_name.string()
            << " (" << (r.from_cache ? std::string("from cache") : "from " + r.source)
            << (r.verified ? ", verified" : ", NOT verified") << ")\n";
}

void Reporter::error(const std::string& asset, ErrorCode code, const std::string& message) {
  std::lock_guard lock(mu_);
  if (json_) emit(Json{{"event", "error"}, {"asset", asset}, {"code", exit_code_for(code)}, {"message", message}}.dump());
  clear_bar();
  std::cerr << "assetfetch: error: " << (asset.empty() ? "" : asset + ": ") << message << "\n";
  if (const char* hint = hint_for(code)) std::cerr << "assetfetch: hint: " << hint << "\n";
}

void Reporter::warning(const std::string& asset, const std::string& message) {
  std::lock_guard lock(mu_);
  if (quiet_) return;
  clear_bar();
  std::cerr << "assetfetch: warning: " << (asset.empty() ? "" : asset + ": ") << message << "\n";
}

void Reporter::info(const std::string& message) {
  std::lock_guard lock(mu_);
  if (json_ || quiet_) return;
  clear_bar();
  std::cerr << "assetfetch: " << message << "\n";
}

void Reporter::verbose(const std::string& message) {
  std::lock_guard lock(mu_);
  if (!verbose_ || json_) return;
  clear_bar();
  std::cerr << "assetfetch: " << message << "\n";
}

void Reporter::summary(int fetched, int from_cache, int failed) {
  std::lock_guard lock(mu_);
  if (json_) {
    emit(Json{{"event", "summary"}, {"fetched", fetched}, {"from_cache", from_cache}, {"failed", failed}}.dump());
    return;
  }
  if (quiet_ && failed == 0) return;
  clear_bar();
  std::cerr << "assetfetch: " << fetched << " fetched, " << from_cache << " from cache, " << failed << " failed\n";
}

}  // namespace assetfetch::cli
