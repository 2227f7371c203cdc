#include "transfer/curl_api.h"

#include <mutex>
#include <stdexcept>
#include <string>

#include "platform/library.h"

namespace assetfetch {
namespace {

// libcurl 7/8's ABI 4 (Debian: libcurl4, soname libcurl.so.4).
const std::string& libcurl_name() {
  static const std::string name = platform::shared_library_name("curl", 4);
  return name;
}

template <class F>
void bind(const platform::Library& lib, F*& slot, const char* name) {
  void* sym = lib.symbol(name);
  if (!sym) throw std::runtime_error(libcurl_name() + " has no symbol " + name + "; install libcurl 7.85 or later (CURLOPT_PROTOCOLS_STR)");
  slot = reinterpret_cast<F*>(sym);
}

CurlApi load() {
  platform::Result<platform::Library> loaded = platform::Library::open(libcurl_name());
  if (!loaded) {
    const platform::PlatformError& e = loaded.error();
    throw std::runtime_error("cannot load " + libcurl_name() + ": " +
                             (e.detail.empty() ? platform::native_error_text(e.native) : e.detail) +
                             "; install it (Debian: apt-get install libcurl4)");
  }
  platform::Library& lib = loaded.value();
  CurlApi api{};
  bind(lib, api.global_init, "curl_global_init");
  bind(lib, api.easy_init, "curl_easy_init");
  bind(lib, api.easy_setopt, "curl_easy_setopt");
  bind(lib, api.easy_getinfo, "curl_easy_getinfo");
  bind(lib, api.easy_perform, "curl_easy_perform");
  bind(lib, api.easy_cleanup, "curl_easy_cleanup");
  bind(lib, api.easy_strerror, "curl_easy_strerror");
  bind(lib, api.slist_append, "curl_slist_append");
  bind(lib, api.slist_free_all, "curl_slist_free_all");
  bind(lib, api.getdate, "curl_getdate");
  bind(lib, api.multi_init, "curl_multi_init");
  bind(lib, api.multi_setopt, "curl_multi_setopt");
  bind(lib, api.multi_add_handle, "curl_multi_add_handle");
  bind(lib, api.multi_remove_handle, "curl_multi_remove_handle");
  bind(lib, api.multi_perform, "curl_multi_perform");
  bind(lib, api.multi_info_read, "curl_multi_info_read");
  bind(lib, api.multi_poll, "curl_multi_poll");
  bind(lib, api.multi_wakeup, "curl_multi_wakeup");
  bind(lib, api.multi_cleanup, "curl_multi_cleanup");
  bind(lib, api.url, "curl_url");
  bind(lib, api.url_set, "curl_url_set");
  bind(lib, api.url_get, "curl_url_get");
  bind(lib, api.url_cleanup, "curl_url_cleanup");
  bind(lib, api.free, "curl_free");
  bind(lib, api.share_init, "curl_share_init");
  bind(lib, api.share_setopt, "curl_share_setopt");
  bind(lib, api.share_cleanup, "curl_share_cleanup");
  api.global_init(CURL_GLOBAL_DEFAULT);
  lib.keep_loaded();  // the library stays loaded for the life of the process
  return api;
}

}  // namespace

const CurlApi& curl_api() {
  static std::once_flag once;
  static CurlApi api;
  static std::string error;
  std::call_once(once, [] {
    try {
      api = load();
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  if (!error.empty()) throw std::runtime_error(error);
  return api;
}

}  // namespace assetfetch
