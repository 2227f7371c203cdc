// Checks a libcurl built by scripts/windows/build-curl.sh from a Windows
// program: GET <url> (a loopback server on the Linux side), print the
// status and the byte count. Exit 0 on a 2xx answer.
#include <curl/curl.h>

#include <cstdio>

namespace {

std::size_t count(char*, std::size_t size, std::size_t n, void* total) {
  *static_cast<std::size_t*>(total) += size * n;
  return size * n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: curl_smoke <url>\n");
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURL* h = curl_easy_init();
  std::size_t total = 0;
  curl_easy_setopt(h, CURLOPT_URL, argv[1]);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, count);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &total);
  const CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  std::printf("%s: curl %d, HTTP %ld, %zu bytes (%s)\n", argv[1], static_cast<int>(rc), status, total,
              curl_version());
  curl_easy_cleanup(h);
  curl_global_cleanup();
  return rc == CURLE_OK && status >= 200 && status < 300 ? 0 : 1;
}
