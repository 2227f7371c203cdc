#include "writeback/write_back_object.h"

#include "cache/install.h"
#include "cache/unique_fd.h"
#include "platform/process.h"
#include "transfer/curl_api.h"
#include "transfer/redact.h"
#include "transfer/transfer.h"
#include "platform/path.h"

namespace assetfetch {

namespace fs = std::filesystem;

std::string write_back_object(const fs::path& object, const Candidate& target, const JobOptions& options) {
  try {
    if (url_scheme(target.url) == "file") {
      // The conversion file:// sources and mirror --to use (platform/path.h).
      const platform::Result<std::string> local = platform::file_url_to_path(target.url);
      if (!local) return "not a local file:// URL: " + local.error().detail;
      const fs::path dest = platform::path_from_utf8(local.value());
      std::error_code ec;
      if (fs::exists(dest, ec)) return {};  // content-addressed: already there
      fs::create_directories(dest.parent_path());
      fs::path tmp = dest;
      tmp += "." + std::to_string(platform::current_pid()) + "." + random_suffix() + ".tmp";
      clone_or_copy(object, tmp);
      fs::rename(tmp, dest);
      return {};
    }
    TransferRequest req;
    req.url = target.url;
    req.headers = target.headers;
    req.retry = &options.retry;
    req.tls = &options.tls;
    req.put_file = platform::utf8_of(object);
    Transfer t(std::move(req), nullptr, nullptr);
    CURLcode code = curl_api().easy_perform(t.handle());
    TransferResult r = t.finish(code);
    if (code != CURLE_OK) return r.curl_error;
    if (r.status < 200 || r.status >= 300) return "HTTP " + std::to_string(r.status);
    return {};
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace assetfetch
