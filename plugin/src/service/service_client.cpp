#include "service/service_client.h"

#include <thread>

#include "platform/detached_process.h"
#include "core/source_policy.h"
#include "platform/local_socket.h"
#include "platform/process.h"
#include "service/line_channel.h"
#include "service/service_paths.h"
#include "platform/path.h"

namespace assetfetch::service {

namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;
using Kind = RemoteOutcome::Kind;

RemoteOutcome interrupted_outcome() {
  RemoteOutcome o;
  o.kind = Kind::interrupted;
  return o;
}

RemoteOutcome unavailable(std::string reason) {
  RemoteOutcome o;
  o.kind = Kind::unavailable;
  o.reason = std::move(reason);
  return o;
}

// Connects; with a start command, starts the service when nobody listens
// and waits for it (at most about 2 s, or until interrupted).
platform::Result<platform::LocalSocket> connect(const ClientOptions& options, const std::function<bool()>& interrupted) {
  const auto path = socket_path(options.dir);
  auto s = platform::LocalSocket::connect(path);
  if (s || options.start_command.empty() || s.error().code != platform::Errc::not_found) return s;
  if (auto st = platform::ensure_private_dir(options.dir); !st) return st.error();
  if (auto st = platform::spawn_detached(options.start_command); !st) return st.error();
  for (int i = 0; i < 200 && !(interrupted && interrupted()); ++i) {  // bounded: 200 x 10 ms
    std::this_thread::sleep_for(10ms);
    s = platform::LocalSocket::connect(path);
    if (s || s.error().code != platform::Errc::not_found) return s;
  }
  return s;
}

}  // namespace

std::string needs_own_process(const FileSpec& spec) {
  for (const auto& c : spec.candidates)
    if (c.store.kind != StoreKind::http) return "a source is an object store (signed requests)";
  if (!spec.write_back.empty()) return "a source takes write-back uploads";
  return {};
}

std::optional<JobRequest> make_request(const std::string& name, const JobOptions& options,
                                       const std::vector<FileSpec>& specs, std::string* why_not) {
  JobRequest request;
  request.name = name;
  request.options = options;
  request.options.sources = nullptr;  // the candidates are expanded here
  // The service works in another folder: every path it gets is absolute.
  if (!request.options.cache_dir.empty()) request.options.cache_dir = std::filesystem::absolute(options.cache_dir);
  if (!request.options.tls.ca_file.empty())
    request.options.tls.ca_file = platform::utf8_of(std::filesystem::absolute(platform::path_from_utf8(options.tls.ca_file)));
  request.env = transfer_environment();
  try {
    const auto config = job_source_config(options);
    for (FileSpec spec : specs) {
      expand_candidates(*config, spec);
      if (std::string why = needs_own_process(spec); !why.empty()) {
        *why_not = why;
        return std::nullopt;
      }
      spec.urls.clear();
      if (!spec.local_name.empty()) spec.local_name = std::filesystem::absolute(spec.local_name);
      request.files.push_back(std::move(spec));
    }
  } catch (const std::exception& e) {
    *why_not = e.what();
    return std::nullopt;
  }
  return request;
}

std::vector<std::string> start_command(const std::string& program, const std::filesystem::path& dir) {
  return {program, "service", "--idle-exit", "60", "--dir", platform::utf8_of(dir)};
}

std::vector<std::string> start_command(const std::filesystem::path& dir) {
  auto exe = platform::executable_path();
  if (!exe) return {};
  return start_command(exe.value(), dir);
}

RemoteOutcome run_remote(const ClientOptions& options, const JobRequest& request, const RemoteEvents& events,
                         const std::function<bool()>& interrupted) {
  // A socket in a folder that is not private is never used (nor created).
  if (auto st = platform::ensure_private_dir(options.dir); !st) return unavailable(st.error().message());
  auto socket = connect(options, interrupted);
  if (interrupted && interrupted()) return interrupted_outcome();
  if (!socket) return unavailable(socket.error().message());
  LineChannel channel(std::move(socket.value()));
  if (!channel.send(to_json(request))) return unavailable("the service closed the connection");
  Json msg;
  // The answer comes at once, or after a wait in the service's line (3 s).
  LineChannel::Read first_read = LineChannel::Read::timeout;
  for (int i = 0; i < 50 && first_read == LineChannel::Read::timeout; ++i) {  // bounded: 50 x 100 ms
    if (interrupted && interrupted()) {
      channel.close();
      return interrupted_outcome();
    }
    first_read = channel.next(&msg, 100ms);
  }
  if (first_read != LineChannel::Read::message) return unavailable("the service did not answer");
  const std::string first = msg.value("e", "");
  if (first == "busy") return unavailable("the service is busy with another job");
  if (first == "refused") return unavailable("the service refused the job: " + msg.value("reason", ""));
  if (first != "accepted") return unavailable("the service answered '" + first + "'");
  if (events.accepted) events.accepted(msg.value("pid", std::uint64_t{0}));

  RemoteOutcome out;
  auto last_heard = std::chrono::steady_clock::now();
  // Bounded: the service speaks every second while the job runs; silence
  // past the limit, a closed socket or an interrupt ends it.
  for (;;) {
    if (interrupted && interrupted()) {
      channel.close();
      out.kind = Kind::interrupted;
      return out;
    }
    const LineChannel::Read read = channel.next(&msg, 100ms);
    if (read == LineChannel::Read::timeout) {
      if (std::chrono::steady_clock::now() - last_heard > options.silence_limit) {
        channel.close();
        out.kind = Kind::lost;
        out.reason = "the service fell silent";
        return out;
      }
      continue;
    }
    if (read != LineChannel::Read::message) {
      out.kind = Kind::lost;
      out.reason = read == LineChannel::Read::closed ? "the service closed the connection mid-job"
                                                     : "the service sent a garbled line";
      return out;
    }
    last_heard = std::chrono::steady_clock::now();
    try {
      const std::string e = msg.at("e").get<std::string>();
      if (e == "attempt" && events.attempt) {
        events.attempt(attempt_from_json(msg.at("r")));
      } else if (e == "failover" && events.failover) {
        const auto file = msg.at("file").get<std::size_t>();
        if (file < request.files.size())
          events.failover(file, msg.at("from").get<std::string>(), msg.at("to").get<std::string>(),
                        msg.at("reason").get<std::string>());
      } else if (e == "warning" && events.warning) {
        events.warning(msg.at("asset").get<std::string>(), msg.at("message").get<std::string>());
      } else if (e == "note" && events.note) {
        events.note(msg.at("asset").get<std::string>(), msg.at("message").get<std::string>());
      } else if (e == "progress" && events.progress) {
        const auto file = msg.at("file").get<std::size_t>();
        if (file < request.files.size()) events.progress(file, progress_from_json(msg.at("p")));
      } else if (e == "create_failed") {
        out.kind = Kind::not_run;
        out.error = error_from_json(msg.at("error"));
        return out;
      } else if (e == "rejected") {
        out.kind = Kind::not_run;
        out.error.code = ErrorCode::bad_input;
        out.error.file = msg.at("asset").get<std::string>();
        out.error.message = msg.at("message").get<std::string>();
        return out;
      } else if (e == "result") {
        for (const auto& jf : msg.at("files")) {
          RemoteFile f;
          f.completed = jf.at("completed").get<bool>();
          f.error = error_from_json(jf.at("error"));
          if (jf.contains("result")) f.result = result_from_json(jf.at("result"));
          out.files.push_back(std::move(f));
        }
        if (out.files.size() != request.files.size()) {
          out.kind = Kind::lost;
          out.reason = "the service's result lists another number of files";
          return out;
        }
        out.all = msg.at("all").get<bool>();
        out.complete_error = error_from_json(msg.at("complete_error"));
        out.kind = Kind::done;
        return out;
      }
    } catch (const std::exception& ex) {
      channel.close();
      out.kind = Kind::lost;
      out.reason = std::string("the service sent a malformed event: ") + ex.what();
      return out;
    }
  }
}

}  // namespace assetfetch::service
