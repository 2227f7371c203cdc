// libcurl, loaded on first use (dlopen) instead of at process start.
//
// Why: libcurl pulls in about 30 shared libraries (Kerberos, LDAP, GnuTLS,
// ...). Mapping and relocating them costs ~3 ms per process, which is most of
// what `assetfetch fetch` costs when the asset is already in place. Only runs
// that really transfer something pay for it now.
//
// Every libcurl call in the engine goes through curl_api(). Thread safety:
// curl_api() is safe to call from any thread (loaded once).
#pragma once

#include <curl/curl.h>

#include <ctime>

namespace assetfetch {

struct CurlApi {
  CURLcode (*global_init)(long flags);
  CURL* (*easy_init)();
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  CURLcode (*easy_perform)(CURL*);
  void (*easy_cleanup)(CURL*);
  const char* (*easy_strerror)(CURLcode);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
  time_t (*getdate)(const char*, const time_t*);
  CURLM* (*multi_init)();
  CURLMcode (*multi_setopt)(CURLM*, CURLMoption, ...);
  CURLMcode (*multi_add_handle)(CURLM*, CURL*);
  CURLMcode (*multi_remove_handle)(CURLM*, CURL*);
  CURLMcode (*multi_perform)(CURLM*, int*);
  CURLMsg* (*multi_info_read)(CURLM*, int*);
  CURLMcode (*multi_poll)(CURLM*, curl_waitfd[], unsigned int, int, int*);
  CURLMcode (*multi_wakeup)(CURLM*);
  CURLMcode (*multi_cleanup)(CURLM*);
  CURLU* (*url)();
  CURLUcode (*url_set)(CURLU*, CURLUPart, const char*, unsigned int);
  CURLUcode (*url_get)(const CURLU*, CURLUPart, char**, unsigned int);
  void (*url_cleanup)(CURLU*);
  void (*free)(void*);
  CURLSH* (*share_init)();
  CURLSHcode (*share_setopt)(CURLSH*, CURLSHoption, ...);
  CURLSHcode (*share_cleanup)(CURLSH*);
};

// Loads libcurl (and runs curl_global_init) once. Throws std::runtime_error
// naming the library and the fix when it cannot be loaded.
const CurlApi& curl_api();

}  // namespace assetfetch
