#include "nginx_server.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace af_test {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kNginx = "/usr/sbin/nginx";

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// A port that was free a moment ago (bind to 0, read it back, close).
int pick_free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr = loopback(0);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  if (port == 0) throw std::runtime_error("cannot find a free port on 127.0.0.1");
  return port;
}

bool accepts_connections(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr = loopback(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

NginxServer::NginxServer(Options options)
    : options_(std::move(options)), dir_("assetfetch-nginx") {
  if (!fs::exists(kNginx)) {
    throw std::runtime_error(std::string(kNginx) +
                             " not found: install nginx (Debian: nginx-light) to run "
                             "the nginx-backed tests");
  }
  if (options_.root.empty()) throw std::invalid_argument("NginxServer: Options::root is empty");
  for (const char* sub : {"tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"}) {
    fs::create_directories(dir_.path() / sub);
  }
  // Another process may grab the port between our probe and nginx's bind.
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = pick_free_port();
    if (try_start()) return;
  }
  throw std::runtime_error("nginx could not bind a free port after 5 attempts:\n" + error_log());
}

NginxServer::~NginxServer() { stop(); }

void NginxServer::write_config() const {
  const std::string d = dir_.str();
  std::ostringstream c;
  c << "pid " << d << "/nginx.pid;\n"
    << "lock_file " << d << "/nginx.lock;\n"
    << "error_log " << d << "/error.log warn;\n"
    << "events { worker_connections 512; }\n"
    << "http {\n"
    << "  default_type application/octet-stream;\n"
    << "  log_format af '$request_method $uri $http_range $status $body_bytes_sent';\n"
    << "  access_log " << d << "/access.log af;\n"
    << "  client_body_temp_path " << d << "/tmp/body;\n"
    << "  proxy_temp_path " << d << "/tmp/proxy;\n"
    << "  fastcgi_temp_path " << d << "/tmp/fastcgi;\n"
    << "  uwsgi_temp_path " << d << "/tmp/uwsgi;\n"
    << "  scgi_temp_path " << d << "/tmp/scgi;\n"
    << "  sendfile on;\n"
    << "  keepalive_timeout 30s;\n"
    << "  keepalive_requests 10000;\n"
    << options_.extra_http_config << "\n"
    << "  server {\n"
    << "    listen 127.0.0.1:" << port_ << (tls() ? " ssl http2" : "") << ";\n"
    << "    server_name localhost;\n"
    << "    root " << options_.root.string() << ";\n";
  if (tls()) {
    c << "    ssl_certificate " << options_.cert_file << ";\n"
      << "    ssl_certificate_key " << options_.key_file << ";\n";
  }
  c << "    location / {\n";
  if (!options_.limit_rate.empty()) c << "      limit_rate " << options_.limit_rate << ";\n";
  if (options_.enable_dav_put) {
    c << "      dav_methods PUT;\n"
      << "      create_full_put_path on;\n"
      << "      client_max_body_size 0;\n"
      << "      dav_access user:rw group:r all:r;\n";
  }
  c << "    }\n" << options_.extra_server_config << "\n  }\n}\n";
  std::ofstream out(dir_.path() / "nginx.conf", std::ios::trunc);
  out << c.str();
  if (!out) throw std::runtime_error("cannot write nginx.conf in " + d);
}

bool NginxServer::try_start() {
  write_config();
  std::error_code ec;
  fs::remove(dir_.path() / "error.log", ec);
  const std::string d = dir_.str();
  // Foreground, single process: no daemon to chase, no user switch as root.
  process_ = start_process({kNginx, "-p", d, "-e", d + "/error.log", "-c", d + "/nginx.conf",
                            "-g", "daemon off; master_process off;"});
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < deadline) {  // bounded: nginx is up, dead, or too slow
    if (!process_.running()) {
      ProcessResult r = process_.wait(std::chrono::milliseconds(0));
      std::string log = error_log() + r.err;
      if (log.find("Address already in use") != std::string::npos) return false;
      throw std::runtime_error("nginx exited at start (code " + std::to_string(r.exit_code) +
                               "):\n" + log);
    }
    if (accepts_connections(port_)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop();
  throw std::runtime_error("nginx did not accept connections within 5 s:\n" + error_log());
}

void NginxServer::stop() {
  if (!process_.running()) return;
  process_.kill(SIGTERM);
  process_.wait(std::chrono::seconds(3));  // SIGKILLs on timeout
}

std::string NginxServer::url(const std::string& path) const {
  std::string u = std::string(tls() ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
  if (path.empty() || path.front() != '/') u += '/';
  return u + path;
}

std::vector<std::string> NginxServer::access_log_lines(std::size_t min_lines,
                                                       std::chrono::milliseconds wait) const {
  const auto deadline = Clock::now() + wait;
  std::vector<std::string> lines;
  for (;;) {  // bounded by the deadline
    lines.clear();
    std::istringstream in(slurp(dir_.path() / "access.log"));
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) lines.push_back(line);
    }
    if (lines.size() >= min_lines || Clock::now() >= deadline) return lines;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::vector<NginxServer::LogEntry> NginxServer::access_log(std::size_t min_entries,
                                                           std::chrono::milliseconds wait) const {
  std::vector<LogEntry> entries;
  for (const auto& line : access_log_lines(min_entries, wait)) {
    // "METHOD URI RANGE... STATUS BYTES": a Range value may hold spaces.
    std::istringstream in(line);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    if (words.size() < 5) continue;
    LogEntry e;
    e.method = words[0];
    e.uri = words[1];
    for (std::size_t i = 2; i + 2 < words.size(); ++i) e.range += (i > 2 ? " " : "") + words[i];
    if (e.range == "-") e.range.clear();
    e.status = std::atoi(words[words.size() - 2].c_str());
    e.body_bytes = std::strtoull(words.back().c_str(), nullptr, 10);
    entries.push_back(std::move(e));
  }
  return entries;
}

std::string NginxServer::error_log() const { return slurp(dir_.path() / "error.log"); }

}  // namespace af_test
