#include "reporter.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "platform/terminal.h"
#include "platform/path.h"

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

ProgressStyle parse_progress_style(const std::string& s) {
  if (s == "bar") return ProgressStyle::bar;
  if (s == "lines") return ProgressStyle::lines;
  if (s == "none") return ProgressStyle::none;
  return ProgressStyle::automatic;
}

namespace {

ProgressStyle resolve_style(ProgressStyle asked, bool json, bool quiet) {
  if (quiet) return ProgressStyle::none;
  if (asked != ProgressStyle::automatic) return asked;
  if (json) return ProgressStyle::none;
  return platform::is_terminal(platform::StdStream::err) ? ProgressStyle::bar : ProgressStyle::lines;
}

// Progress lines: none for a transfer shorter than this, then at most one
// line per interval (a log or CMake's output stays readable).
constexpr auto kLineDelay = std::chrono::seconds(1);
constexpr auto kLineInterval = std::chrono::seconds(2);

}  // namespace

std::string progress_line_text(const std::string& asset, const Progress& p, double bytes_per_s) {
  std::string line = "assetfetch: progress: " + asset + " " + human_bytes(p.bytes_transferred);
  if (p.bytes_total_known && p.bytes_total > 0) {
    auto pct = static_cast<unsigned>(std::min<std::uint64_t>(100, p.bytes_transferred * 100 / p.bytes_total));
    line += "/" + human_bytes(p.bytes_total) + " (" + std::to_string(pct) + "%)";
  }
  line += " " + human_bytes(static_cast<std::uint64_t>(bytes_per_s)) + "/s";
  return line;
}

Reporter::Reporter(bool json, bool quiet, bool verbose, ProgressStyle style)
    : json_(json), quiet_(quiet), verbose_(verbose), style_(resolve_style(style, json, quiet)) {}

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
                {"outcome", outcome_name(r.outcome)}, {"retry_reason", r.retry_reason}}
               .dump());
    } else if (verbose_) {
      clear_bar();
      std::cerr << "assetfetch: " << r.asset << ": " << r.url << (r.range.empty() ? "" : " [" + r.range + "]")
                << " -> " << (r.http_status ? "HTTP " + std::to_string(r.http_status) : std::string("no HTTP status"))
                << ", " << r.bytes << " bytes in " << r.duration_s << " s: " << outcome_name(r.outcome)
                << (r.retry_reason.empty() ? "" : " (" + r.retry_reason + ")") << "\n";
    }
  };
  cb.failover = [this](const File& f, const std::string& from, const std::string& to, const std::string& why) {
    std::lock_guard lock(mu_);
    if (json_) {
      emit(Json{{"event", "failover"}, {"asset", f.spec().name}, {"from", from}, {"to", to}, {"reason", why}}.dump());
    } else if (verbose_) {  // a miss the next candidate may cover: -v only (issue 21)
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
  if (json_ && now - last_json_progress_ >= std::chrono::milliseconds(500)) {
    last_json_progress_ = now;
    Json j{{"event", "progress"}, {"asset", f.spec().name}, {"bytes", p.bytes_transferred}};
    if (p.bytes_total_known) j["total"] = p.bytes_total;
    emit(j.dump());
  }
  if (style_ == ProgressStyle::lines) progress_line(p, f);
  if (style_ == ProgressStyle::bar && !json_) progress_bar(p, f, secs);
}

void Reporter::progress_line(const Progress& p, const File& f) {
  auto now = std::chrono::steady_clock::now();
  auto first = first_progress_.try_emplace(&f, now).first->second;
  if (now - first < kLineDelay || now - last_line_ < kLineInterval) return;
  last_line_ = now;
  double secs = std::chrono::duration<double>(now - first).count();
  double rate = secs > 0 ? static_cast<double>(p.bytes_transferred) / secs : 0;
  std::cerr << progress_line_text(f.spec().name, p, rate) << "\n" << std::flush;
}

void Reporter::progress_bar(const Progress& p, const File& f, double secs) {
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
  if (!json_ || !announced_.emplace(spec.name, platform::utf8_of(spec.local_name)).second) return;
  Json j{{"event", "start"}, {"asset", spec.name}};
  if (!label_) j["path"] = platform::utf8_of(spec.local_name);
  emit(j.dump());
}

void Reporter::done(const FileSpec& spec, const FileResult& r) {
  std::lock_guard lock(mu_);
  ++files_done_;
  const std::string where = label_ ? label_(spec) : platform::utf8_of(spec.local_name);
  if (json_) {
    Json j{{"event", "done"}, {"asset", spec.name}, {"source", r.source}, {"bytes", r.bytes},
           {"from_cache", r.from_cache}, {"verified", r.verified}};
    if (!label_) j["path"] = where;
    emit(j.dump());
    return;
  }
  if (quiet_ || where.empty()) return;
  clear_bar();
  std::cerr << "assetfetch: " << spec.name << ": " << human_bytes(r.bytes) << " -> " << where
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
  if (json_) emit(Json{{"event", "warning"}, {"asset", asset}, {"message", message}}.dump());
  if (quiet_) return;
  clear_bar();
  std::cerr << "assetfetch: warning: " << (asset.empty() ? "" : asset + ": ") << message << "\n";
}

void Reporter::write_back_failed(const std::string& asset, const std::string& target, const std::string& reason) {
  {
    std::lock_guard lock(mu_);
    if (json_) emit(Json{{"event", "write_back"}, {"asset", asset}, {"target", target}, {"ok", false}, {"reason", reason}}.dump());
  }
  verbose(asset + ": write-back to " + target + " failed: " + reason + " (the fetch itself succeeded)");
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

void Reporter::digest(const std::string& asset, const Digest& d) {
  std::lock_guard lock(mu_);
  const std::string algo = algorithm_name(d.algorithm);
  if (json_) {
    emit(Json{{"event", "digest"}, {"asset", asset}, {algo, d.hex}}.dump());
    return;
  }
  if (quiet_) return;
  clear_bar();
  std::cerr << "assetfetch: " << asset << ": " << algo << " " << d.hex << " (not checked against anything; pin it with --"
            << algo << " " << d.hex << ")\n";
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
