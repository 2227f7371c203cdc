/*
 * The C ABI from C (after leveldb's db/c_test.c): compiled as C11, linked
 * against libassetfetch.so (assetfetch.dll on Windows). Each phase prints the
 * checks that failed; the program returns non-zero when any did. The fetches
 * go to the loopback HTTP server when with_http_server.sh gives one, else to
 * file:// URLs.
 */
#define _XOPEN_SOURCE 700

#include "assetfetch/assetfetch.h"

#include <stddef.h>
#include <stdint.h>

#include "c_test_util.h"

#define CHECK_CODE(expr, want, job) CHECK_CODE_WITH(expr, want, af_job_last_error_message, job)

static char* g_root;  /* everything this test writes lives under here */

/* A fresh, empty directory under g_root. */
static char* new_dir(const char* name) {
  char* p = join_path(g_root, name);
  if (p != NULL && !make_dir(p)) {
    free(p);
    return NULL;
  }
  return p;
}

/* SHA-256 of test_fetch's payload (the generator below), computed once with
 * `sha256sum`; a generator that changed would fail the fetch as a mismatch. */
static const char kPayloadSha256[] =
    "44b0a4afef30c54d2cf14087f9336face65de80fb448a151fb9a422e0e51cb80";

static af_job* new_job(const char* name, const char* cache_dir) {
  af_job_options o;
  af_job* job = NULL;
  af_job_options_init(&o);
  o.cache_dir = cache_dir;
  CHECK_CODE(af_job_create(name, &o, &job), AF_OK, (af_job*)NULL);
  CHECK(job != NULL);
  return job;
}

/* --- versions and static strings ------------------------------------------ */

static void test_version(void) {
  char expect[32];
  CHECK(AF_VERSION_NUM == ((AF_VERSION_MAJOR << 16) | (AF_VERSION_MINOR << 8) | AF_VERSION_PATCH));
  CHECK(AF_VERSION_NUM == 0x000100);
  CHECK(AF_AT_LEAST_VERSION(0, 1, 0));
  CHECK(AF_AT_LEAST_VERSION(0, 0, 9));
  CHECK(!AF_AT_LEAST_VERSION(0, 1, 1));
  CHECK(!AF_AT_LEAST_VERSION(0, 2, 0));
  CHECK(!AF_AT_LEAST_VERSION(1, 0, 0));
  CHECK(AF_ABI_VERSION_1 == 1u);
  snprintf(expect, sizeof expect, "%d.%d.%d", AF_VERSION_MAJOR, AF_VERSION_MINOR, AF_VERSION_PATCH);
  CHECK(af_version() != NULL);
  CHECK(strcmp(af_version(), expect) == 0);
  CHECK(strcmp(af_version(), AF_VERSION_STRING) == 0);
  CHECK(AF_LENGTH_TO_EOF == UINT64_MAX);
}

static void test_strings(void) {
  int i, j;
  const char* unknown = af_strerror(AF_E_LAST);
  CHECK(unknown != NULL && strcmp(unknown, "unknown error code") == 0);
  CHECK(strcmp(af_strerror((af_code)-1), unknown) == 0);
  CHECK(strcmp(af_strerror(AF_OK), "no error") == 0);
  for (i = 0; i < (int)AF_E_LAST; ++i) {
    const char* s = af_strerror((af_code)i);
    CHECK(s != NULL && *s != '\0');
    CHECK(strcmp(s, unknown) != 0);
    for (j = 0; j < i; ++j) CHECK(strcmp(s, af_strerror((af_code)j)) != 0);
  }
  /* The numbers are the ABI: they never move. */
  CHECK(AF_E_BAD_HANDLE == 1 && AF_E_INVALID_ARG == 2 && AF_E_INVALID_RANGE == 3);
  CHECK(AF_E_OVERLAPPING_RANGES == 4 && AF_E_TOO_MANY_RANGES == 5 && AF_E_HASH_MISMATCH == 6);
  CHECK(AF_E_UNAVAILABLE == 7 && AF_E_OFFLINE_MISS == 8 && AF_E_STATE == 9);
  CHECK(AF_E_NOT_FINISHED == 10 && AF_E_TIMEOUT == 11 && AF_E_RECURSIVE_API_CALL == 12);
  CHECK(AF_E_NOMEM == 13 && AF_E_INTERNAL == 14 && AF_E_LAST == 15);

  for (i = 0; i < (int)AF_STATE_LAST; ++i)
    CHECK(strcmp(af_state_name((af_job_state)i), "unknown") != 0);
  CHECK(strcmp(af_state_name(AF_STATE_LAST), "unknown") == 0);
  CHECK(strcmp(af_state_name(AF_STATE_TRANSFERRED), "transferred") == 0);
  for (i = 0; i < (int)AF_CAUSE_LAST; ++i)
    CHECK(strcmp(af_cause_name((af_cause)i), "unknown") != 0);
  CHECK(strcmp(af_cause_name(AF_CAUSE_HASH_MISMATCH), "hash_mismatch") == 0);
  af_free(NULL);
}

/* --- handles ---------------------------------------------------------------- */

static void test_bad_handles(void) {
  const char* url = "file:///nonexistent";
  const af_range r = {0, 10};
  af_job_state state;
  af_progress progress;
  af_error_info* err = NULL;
  af_file* file = NULL;
  af_range* ranges = NULL;
  size_t n = 0;
  char* s = NULL;
  int done = 0;
  af_job* null_job = NULL;

  progress.struct_size = sizeof progress;
  CHECK_CODE(af_job_destroy(NULL), AF_E_BAD_HANDLE, null_job);
  CHECK_CODE(af_job_add_file(NULL, &url, 1, "/tmp/x", "sha256", "00", &file), AF_E_BAD_HANDLE, null_job);
  CHECK(strstr(af_job_last_error_message(NULL), "af_job_add_file") != NULL);
  CHECK_CODE(af_job_add_file_with_ranges(NULL, &url, 1, "/tmp/x", "sha256", "00", &r, 1, &file),
             AF_E_BAD_HANDLE, null_job);
  CHECK_CODE(af_job_get_file_count(NULL, &n), AF_E_BAD_HANDLE, null_job);
  CHECK_CODE(af_job_get_file(NULL, 0, &file), AF_E_BAD_HANDLE, null_job);
  CHECK_CODE(af_job_set_callbacks(NULL, NULL, NULL), AF_E_BAD_HANDLE, null_job);
  CHECK_CODE(af_job_resume(NULL), AF_E_BAD_HANDLE, null_job);
  CHECK_CODE(af_job_suspend(NULL), AF_E_BAD_HANDLE, null_job);
  CHECK_CODE(af_job_wait(NULL, 0, &state), AF_E_BAD_HANDLE, null_job);
  CHECK_CODE(af_job_complete(NULL), AF_E_BAD_HANDLE, null_job);
  CHECK_CODE(af_job_cancel(NULL), AF_E_BAD_HANDLE, null_job);
  CHECK_CODE(af_job_get_state(NULL, &state), AF_E_BAD_HANDLE, null_job);
  CHECK_CODE(af_job_get_progress(NULL, &progress), AF_E_BAD_HANDLE, null_job);
  CHECK_CODE(af_job_get_error(NULL, &err), AF_E_BAD_HANDLE, null_job);
  CHECK_CODE(af_file_set_remote_name(NULL, url), AF_E_BAD_HANDLE, null_job);
  CHECK_CODE(af_file_get_remote_name(NULL, &s), AF_E_BAD_HANDLE, null_job);
  CHECK_CODE(af_file_get_local_name(NULL, &s), AF_E_BAD_HANDLE, null_job);
  CHECK_CODE(af_file_get_ranges(NULL, &ranges, &n), AF_E_BAD_HANDLE, null_job);
  CHECK_CODE(af_file_get_filled_ranges(NULL, &ranges, &n), AF_E_BAD_HANDLE, null_job);
  CHECK_CODE(af_file_get_progress(NULL, &progress), AF_E_BAD_HANDLE, null_job);
  CHECK_CODE(af_file_is_completed(NULL, &done), AF_E_BAD_HANDLE, null_job);
  CHECK_CODE(af_file_get_error(NULL, &err), AF_E_BAD_HANDLE, null_job);
  CHECK(af_job_last_error_message(NULL) != NULL);
  /* Outputs are untouched on failure. */
  CHECK(file == NULL && err == NULL && ranges == NULL && s == NULL && done == 0);

#ifdef NDEBUG
  {
    /* A pointer that was never a handle (debug builds of the library assert). */
    unsigned char junk[64];
    memset(junk, 0xaf, sizeof junk);
    CHECK_CODE(af_job_get_state((const af_job*)(void*)junk, &state), AF_E_BAD_HANDLE, null_job);
    CHECK_CODE(af_file_get_progress((const af_file*)(void*)junk, &progress), AF_E_BAD_HANDLE,
               null_job);
  }
#endif
}

static void test_get_api(void) {
  const af_api_v1* api = af_get_api(AF_ABI_VERSION_1);
  CHECK(api != NULL);
  if (api == NULL) return;
  CHECK(api->size == sizeof(af_api_v1));
  CHECK(api->version == af_version);
  CHECK(api->job_create == af_job_create);
  CHECK(api->file_get_error == af_file_get_error);
  CHECK(af_get_api(0) == NULL);
  CHECK(af_get_api(2) == NULL);
  CHECK(af_get_api(AF_ABI_VERSION_1) == api);
}

/* --- options ------------------------------------------------------------------ */

/* The options of 0.1 followed by a field a later version might add. */
typedef struct {
  af_job_options base;
  uint64_t future_field;
} options_from_the_future;

static void test_options(const char* cache) {
  af_job_options o;
  options_from_the_future big;
  af_job* job = NULL;

  af_job_options_init(&o);
  CHECK(o.struct_size == sizeof(af_job_options));
  CHECK(o.cache_dir == NULL && o.ca_file == NULL);
  CHECK(o.offline == 0 && o.tls_verify == 1);
  CHECK(o.retry_attempts == 3 && o.backoff_ms == 250 && o.no_progress_timeout_s == 30);
  CHECK(o.max_parallel_files == 0); /* automatic (8 in 0.1) */

  /* struct_size 0: refused. */
  o.cache_dir = cache;
  o.struct_size = 0;
  CHECK_CODE(af_job_create("opts0", &o, &job), AF_E_INVALID_ARG, (af_job*)NULL);
  CHECK(job == NULL);
  CHECK(strstr(af_job_last_error_message(NULL), "struct_size") != NULL);

  /* An older, shorter struct (only cache_dir): the rest takes defaults. */
  o.struct_size = offsetof(af_job_options, cache_dir) + sizeof(const char*);
  o.max_parallel_files = -5; /* outside the caller's struct: must be ignored */
  CHECK_CODE(af_job_create("opts-short", &o, &job), AF_OK, (af_job*)NULL);
  CHECK(job != NULL);
  CHECK_CODE(af_job_destroy(job), AF_OK, (af_job*)NULL);
  job = NULL;

  /* Inside the struct, a bad value is refused. */
  af_job_options_init(&o);
  o.cache_dir = cache;
  o.max_parallel_files = -1;
  CHECK_CODE(af_job_create("opts-bad", &o, &job), AF_E_INVALID_ARG, (af_job*)NULL);
  CHECK(job == NULL);
  CHECK(strstr(af_job_last_error_message(NULL), "max_parallel_files") != NULL);

  /* A newer, larger struct: fine while the unknown tail is zero... */
  memset(&big, 0, sizeof big);
  af_job_options_init(&big.base);
  big.base.struct_size = sizeof big;
  big.base.cache_dir = cache;
  CHECK_CODE(af_job_create("opts-big", &big.base, &job), AF_OK, (af_job*)NULL);
  CHECK_CODE(af_job_destroy(job), AF_OK, (af_job*)NULL);
  job = NULL;
  /* ...and refused when it asks for something this library cannot do. */
  big.future_field = 1;
  CHECK_CODE(af_job_create("opts-big2", &big.base, &job), AF_E_INVALID_ARG, (af_job*)NULL);
  CHECK(job == NULL);

  /* Names and NULLs. */
  af_job_options_init(&o);
  o.cache_dir = cache;
  CHECK_CODE(af_job_create(NULL, &o, &job), AF_E_INVALID_ARG, (af_job*)NULL);
  CHECK_CODE(af_job_create("", &o, &job), AF_E_INVALID_ARG, (af_job*)NULL);
  CHECK_CODE(af_job_create("..", &o, &job), AF_E_INVALID_ARG, (af_job*)NULL);
  CHECK_CODE(af_job_create("a/b", &o, &job), AF_E_INVALID_ARG, (af_job*)NULL);
  CHECK_CODE(af_job_create("ok", &o, NULL), AF_E_INVALID_ARG, (af_job*)NULL);
  CHECK(job == NULL);

  /* NULL options: defaults ($ASSETFETCH_CACHE_DIR points into g_root). */
  CHECK_CODE(af_job_create("opts-null", NULL, &job), AF_OK, (af_job*)NULL);
  CHECK_CODE(af_job_destroy(job), AF_OK, (af_job*)NULL);
  job = NULL;

  /* Library jobs read $ASSETFETCH_SERVICE as the CLI does (auto sends their
     transfers through the background service): a bad value is bad input, as
     the CLI's exit 2, naming the variable and its values; "off" (the
     control) is fine. So is a bad $ASSETFETCH_OFFLINE refused. */
  set_env("ASSETFETCH_SERVICE", "bogus");
  CHECK_CODE(af_job_create("opts-service", &o, &job), AF_E_INVALID_ARG, (af_job*)NULL);
  CHECK(job == NULL);
  CHECK(strstr(af_job_last_error_message(NULL), "ASSETFETCH_SERVICE") != NULL);
  CHECK(strstr(af_job_last_error_message(NULL), "auto") != NULL);
  set_env("ASSETFETCH_SERVICE", "off");
  CHECK_CODE(af_job_create("opts-service", &o, &job), AF_OK, (af_job*)NULL);
  CHECK_CODE(af_job_destroy(job), AF_OK, (af_job*)NULL);
  job = NULL;
  unset_env("ASSETFETCH_SERVICE");
  set_env("ASSETFETCH_OFFLINE", "bogus");
  CHECK_CODE(af_job_create("opts-offline", &o, &job), AF_E_INVALID_ARG, (af_job*)NULL);
  CHECK(job == NULL);
  unset_env("ASSETFETCH_OFFLINE");
}

/* --- AddFileWithRanges rules, SetRemoteName, GetFileRanges ------------------------ */

static void test_add_file_rules(const char* cache) {
  static const char* hex = "98322db25d69ba2c32fa75897a366c02a6f53fda51fb4363195ba32f25f1fc9b";
  const char* url = "file:///nonexistent/asset.bin";
  char* dest_dir = new_dir("rules-dest");
  char* dest = join_path(dest_dir, "asset.bin");
  char* long_url;
  af_job* job = new_job("rules", cache);
  af_file* file = NULL;
  af_range* got = NULL;
  size_t n = 0, i;
  char* s = NULL;
  const af_range eof_offset[] = {{AF_LENGTH_TO_EOF, 10}};
  const af_range zero_length[] = {{100, 0}};
  const af_range overlapping[] = {{0, 100}, {50, 100}};
  const af_range same_offset[] = {{100, 10}, {900, 5}, {100, 20}};
  const af_range after_eof[] = {{0, AF_LENGTH_TO_EOF}, {4096, 10}};
  const af_range good[] = {{100, 100}, {900, 100}, {400, 100}, {8192, AF_LENGTH_TO_EOF}};

  if (job == NULL || dest == NULL) return;

  /* Zero ranges, EOF offset, zero length, overlap, same offset twice. */
  CHECK_CODE(af_job_add_file_with_ranges(job, &url, 1, dest, "sha256", hex, NULL, 0, &file),
             AF_E_INVALID_ARG, job);
  CHECK_CODE(af_job_add_file_with_ranges(job, &url, 1, dest, "sha256", hex, good, 0, &file),
             AF_E_INVALID_ARG, job);
  CHECK_CODE(af_job_add_file_with_ranges(job, &url, 1, dest, "sha256", hex, eof_offset, 1, &file),
             AF_E_INVALID_RANGE, job);
  CHECK_CODE(af_job_add_file_with_ranges(job, &url, 1, dest, "sha256", hex, zero_length, 1, &file),
             AF_E_INVALID_RANGE, job);
  CHECK_CODE(af_job_add_file_with_ranges(job, &url, 1, dest, "sha256", hex, overlapping, 2, &file),
             AF_E_OVERLAPPING_RANGES, job);
  CHECK(strstr(af_job_last_error_message(job), "overlap") != NULL);
  CHECK_CODE(af_job_add_file_with_ranges(job, &url, 1, dest, "sha256", hex, same_offset, 3, &file),
             AF_E_OVERLAPPING_RANGES, job);
  CHECK_CODE(af_job_add_file_with_ranges(job, &url, 1, dest, "sha256", hex, after_eof, 2, &file),
             AF_E_OVERLAPPING_RANGES, job);

  /* Bad hashes, URLs and paths. */
  CHECK_CODE(af_job_add_file(job, &url, 1, dest, "sha1", hex, &file), AF_E_INVALID_ARG, job);
  CHECK_CODE(af_job_add_file(job, &url, 1, dest, "sha256", "abc", &file), AF_E_INVALID_ARG, job);
  CHECK_CODE(af_job_add_file(job, &url, 1, dest, "sha512", hex, &file), AF_E_INVALID_ARG, job);
  CHECK_CODE(af_job_add_file(job, &url, 1, dest, NULL, NULL, &file), AF_E_INVALID_ARG, job);
  CHECK_CODE(af_job_add_file(job, NULL, 1, dest, "sha256", hex, &file), AF_E_INVALID_ARG, job);
  CHECK_CODE(af_job_add_file(job, &url, 0, dest, "sha256", hex, &file), AF_E_INVALID_ARG, job);
  CHECK_CODE(af_job_add_file(job, &url, 1, NULL, "sha256", hex, &file), AF_E_INVALID_ARG, job);
  CHECK_CODE(af_job_add_file(job, &url, 1, "", "sha256", hex, &file), AF_E_INVALID_ARG, job);

  long_url = (char*)malloc(2301);
  if (long_url != NULL) {
    memcpy(long_url, "file:///", 8);
    memset(long_url + 8, 'a', 2292);
    long_url[2300] = '\0';
    CHECK_CODE(af_job_add_file(job, (const char* const*)&long_url, 1, dest, "sha256", hex, &file),
               AF_E_INVALID_ARG, job);
  }

  /* Nothing was created: no handle, no file, no temporary. */
  CHECK(file == NULL);
  CHECK_CODE(af_job_get_file_count(job, &n), AF_OK, job);
  CHECK(n == 0);
  CHECK(count_entries(dest_dir) == 0);

  /* GetFileRanges returns exactly what was added, in order. */
  CHECK_CODE(af_job_add_file_with_ranges(job, &url, 1, dest, "SHA256", hex, good, 4, &file),
             AF_OK, job);
  CHECK(file != NULL);
  CHECK_CODE(af_file_get_ranges(file, &got, &n), AF_OK, job);
  CHECK(n == 4 && got != NULL);
  for (i = 0; got != NULL && i < n && i < 4; ++i)
    CHECK(got[i].offset == good[i].offset && got[i].length == good[i].length);
  af_free(got);
  got = NULL;

  CHECK_CODE(af_file_get_remote_name(file, &s), AF_OK, job);
  CHECK(s != NULL && strcmp(s, url) == 0);
  af_free(s);
  s = NULL;
  CHECK_CODE(af_file_get_local_name(file, &s), AF_OK, job);
  CHECK(s != NULL && strcmp(s, dest) == 0);
  af_free(s);
  s = NULL;
  CHECK_CODE(af_file_get_ranges(file, NULL, &n), AF_E_INVALID_ARG, job);

  /* A whole file: no ranges. The strings passed in may be freed at once. */
  {
    char* url_copy = strdup(url);
    char* dest2 = join_path(dest_dir, "whole.bin");
    af_file* whole = NULL;
    CHECK_CODE(af_job_add_file(job, (const char* const*)&url_copy, 1, dest2, "sha256", hex, &whole),
               AF_OK, job);
    memset(url_copy, 'x', strlen(url_copy));
    free(url_copy);
    free(dest2);
    CHECK_CODE(af_file_get_ranges(whole, &got, &n), AF_OK, job);
    CHECK(n == 0 && got == NULL);
    CHECK_CODE(af_file_get_remote_name(whole, &s), AF_OK, job);
    CHECK(s != NULL && strcmp(s, url) == 0);
    af_free(s);
    s = NULL;
    CHECK_CODE(af_job_get_file_count(job, &n), AF_OK, job);
    CHECK(n == 2);
    {
      af_file* again = NULL;
      CHECK_CODE(af_job_get_file(job, 1, &again), AF_OK, job);
      CHECK(again == whole);
      CHECK_CODE(af_job_get_file(job, 2, &again), AF_E_INVALID_ARG, job);
    }
  }

  /* SetRemoteName: argument rules on a live job. */
  if (long_url != NULL) {
    CHECK_CODE(af_file_set_remote_name(file, long_url), AF_E_INVALID_ARG, job);
    CHECK(strstr(af_job_last_error_message(job), "2200") != NULL);
    long_url[AF_MAX_URL_LENGTH] = '\0'; /* exactly the limit: accepted */
    CHECK_CODE(af_file_set_remote_name(file, long_url), AF_OK, job);
  }
  CHECK_CODE(af_file_set_remote_name(file, ""), AF_E_INVALID_ARG, job);
  CHECK_CODE(af_file_set_remote_name(file, NULL), AF_E_INVALID_ARG, job);
  CHECK_CODE(af_file_set_remote_name(file, "file:///elsewhere/asset.bin"), AF_OK, job);
  CHECK_CODE(af_file_get_remote_name(file, &s), AF_OK, job);
  CHECK(s != NULL && strcmp(s, "file:///elsewhere/asset.bin") == 0);
  af_free(s);
  s = NULL;

  /* Nothing on disk before resume and complete. */
  CHECK(count_entries(dest_dir) == 0);

  /* A cancelled job refuses changes. */
  CHECK_CODE(af_job_cancel(job), AF_OK, job);
  {
    af_job_state st = AF_STATE_LAST;
    CHECK_CODE(af_job_get_state(job, &st), AF_OK, job);
    CHECK(st == AF_STATE_CANCELLED);
  }
  CHECK_CODE(af_file_set_remote_name(file, "file:///third/asset.bin"), AF_E_STATE, job);
  CHECK(strstr(af_job_last_error_message(job), "cancelled") != NULL);
  CHECK_CODE(af_job_cancel(job), AF_E_STATE, job);
  CHECK_CODE(af_job_complete(job), AF_E_STATE, job);
  CHECK_CODE(af_job_add_file(job, &url, 1, dest, "sha256", hex, NULL), AF_E_STATE, job);
  CHECK(count_entries(dest_dir) == 0);

  CHECK_CODE(af_job_destroy(job), AF_OK, (af_job*)NULL);
#ifdef NDEBUG
  /* Destroyed handles are detected (debug builds of the library assert). */
  CHECK_CODE(af_job_resume(job), AF_E_BAD_HANDLE, (af_job*)NULL);
  CHECK_CODE(af_file_get_ranges(file, &got, &n), AF_E_BAD_HANDLE, (af_job*)NULL);
#endif
  free(long_url);
  free(dest);
  free(dest_dir);
}

/* --- a real fetch over file:// ------------------------------------------------------ */

struct fetch_events {
  af_job* job;
  int transferred;
  int progress;
  int errors;
  af_code last_error_code;
  int recursive_refused;  /* a mutating call from the callback was refused */
  int getter_allowed;     /* a getter from the callback worked */
  uint64_t last_bytes;
};

static void on_transferred(af_job* job, af_file* file, void* user_data) {
  struct fetch_events* ev = (struct fetch_events*)user_data;
  af_progress p;
  int done = 0;
  ++ev->transferred;
  if (job != ev->job || file == NULL) return;
  p.struct_size = sizeof p;
  if (af_file_get_progress(file, &p) == AF_OK && af_file_is_completed(file, &done) == AF_OK)
    ev->getter_allowed = 1;
  if (af_job_resume(job) == AF_E_RECURSIVE_API_CALL &&
      af_job_complete(job) == AF_E_RECURSIVE_API_CALL &&
      af_file_set_remote_name(file, "file:///x") == AF_E_RECURSIVE_API_CALL)
    ev->recursive_refused = 1;
}

static void on_progress(af_job* job, af_file* file, const af_progress* p, void* user_data) {
  struct fetch_events* ev = (struct fetch_events*)user_data;
  (void)job;
  (void)file;
  ++ev->progress;
  if (p != NULL && p->struct_size >= sizeof(af_progress)) ev->last_bytes = p->bytes_transferred;
}

static void on_error(af_job* job, const af_error_info* e, void* user_data) {
  struct fetch_events* ev = (struct fetch_events*)user_data;
  (void)job;
  ++ev->errors;
  if (e != NULL) ev->last_error_code = e->code;
}

static void test_fetch(const char* cache) {
  const size_t size = 1024 * 1024 + 123;
  unsigned char* data = (unsigned char*)malloc(size);
  char* src_dir = new_dir("fetch-src");
  char* dest_dir = new_dir("fetch-dest");
  char* dest = join_path(dest_dir, "payload.bin");
  char* dest_ranges = join_path(dest_dir, "ranges.bin");
  char* url = NULL;
  char hex[65];
  size_t i;
  uint32_t x = 12345u;
  struct fetch_events ev;
  af_callbacks cb;
  af_job* job;
  af_file* file = NULL;
  af_file* ranged = NULL;
  af_job_state state = AF_STATE_LAST;
  af_progress p;
  const af_range ranges[] = {{100, 100}, {900, 100}, {400, 100}};

  if (data == NULL || src_dir == NULL || dest == NULL || dest_ranges == NULL) {
    CHECK(!"allocation");
    return;
  }
  for (i = 0; i < size; ++i) {
    x = x * 1103515245u + 12345u;
    data[i] = (unsigned char)(x >> 16);
  }
  url = publish(src_dir, "payload.bin", data, size, NULL);
  CHECK(url != NULL);
  if (url == NULL) return;
  memcpy(hex, kPayloadSha256, sizeof hex);

  job = new_job("fetch", cache);
  if (job == NULL) return;
  memset(&ev, 0, sizeof ev);
  ev.job = job;
  memset(&cb, 0, sizeof cb);
  cb.struct_size = sizeof cb;
  cb.transferred = on_transferred;
  cb.progress = on_progress;
  cb.error = on_error;
  CHECK_CODE(af_job_set_callbacks(job, &cb, &ev), AF_OK, job);

  CHECK_CODE(af_job_add_file(job, (const char* const*)&url, 1, dest, "sha256", hex, &file), AF_OK,
             job);
  CHECK_CODE(af_job_add_file_with_ranges(job, (const char* const*)&url, 1, dest_ranges, "sha256",
                                         hex, ranges, 3, &ranged),
             AF_OK, job);

  /* A new job is suspended and does nothing. */
  CHECK_CODE(af_job_get_state(job, &state), AF_OK, job);
  CHECK(state == AF_STATE_SUSPENDED);
  CHECK_CODE(af_job_wait(job, 0, &state), AF_OK, job);
  CHECK(state == AF_STATE_SUSPENDED);

  CHECK_CODE(af_job_resume(job), AF_OK, job);
  CHECK_CODE(af_job_wait(job, 60000, &state), AF_OK, job);
  CHECK(state == AF_STATE_TRANSFERRED);
  if (state == AF_STATE_ERROR) {
    af_error_info* e = NULL;
    if (af_job_get_error(job, &e) == AF_OK && e != NULL)
      fprintf(stderr, "job error: %s (%s): %s\n", af_strerror(e->code), af_cause_name(e->cause),
              e->message);
    af_free(e);
  }

  /* Transferred but not completed: nothing at the destinations yet. */
  CHECK(!path_exists(dest));
  CHECK(!path_exists(dest_ranges));
  CHECK(ev.transferred == 2);
  CHECK(ev.progress >= 1);
  CHECK(ev.errors == 0);
  CHECK(ev.recursive_refused == 1);
  CHECK(ev.getter_allowed == 1);
  {
    int done = 0;
    CHECK_CODE(af_file_is_completed(file, &done), AF_OK, job);
    CHECK(done == 1);
  }
  p.struct_size = sizeof p;
  CHECK_CODE(af_file_get_progress(file, &p), AF_OK, job);
  CHECK(p.bytes_total_known == 1 && p.bytes_total == size && p.bytes_transferred == size);
  CHECK_CODE(af_job_get_progress(job, &p), AF_OK, job);
  CHECK(p.files_total == 2 && p.files_transferred == 2);
  p.struct_size = 4;
  CHECK_CODE(af_job_get_progress(job, &p), AF_E_INVALID_ARG, job);
  {
    af_range* filled = NULL;
    size_t n = 0;
    CHECK_CODE(af_file_get_filled_ranges(file, &filled, &n), AF_OK, job);
    CHECK(n >= 1);
    af_free(filled);
  }

  CHECK_CODE(af_job_complete(job), AF_OK, job);
  CHECK_CODE(af_job_get_state(job, &state), AF_OK, job);
  CHECK(state == AF_STATE_ACKNOWLEDGED);
  {
    size_t got_size = 0;
    unsigned char* got = read_file(dest, &got_size);
    CHECK(got != NULL && got_size == size && memcmp(got, data, size) == 0);
    free(got);
    got = read_file(dest_ranges, &got_size);
    /* BITS: ranges one after another in the order given. */
    CHECK(got != NULL && got_size == 300);
    if (got != NULL && got_size == 300) {
      CHECK(memcmp(got, data + 100, 100) == 0);
      CHECK(memcmp(got + 100, data + 900, 100) == 0);
      CHECK(memcmp(got + 200, data + 400, 100) == 0);
    }
    free(got);
  }
  CHECK(count_entries(dest_dir) == 2); /* no temporaries left */
  if (have_http_server()) {
    /* What the server received: the ranges as Range requests (206), and the
     * whole file. */
    const char* leaf = strstr(url, "/src-");
    CHECK(leaf != NULL && http_log_count("GET ", leaf, " bytes=", 1) >= 1);
    CHECK(leaf != NULL && http_log_count("GET ", leaf, " 206 ", 1) >= 1);
  }
  CHECK_CODE(af_job_complete(job), AF_E_STATE, job);
  CHECK_CODE(af_job_destroy(job), AF_OK, (af_job*)NULL);

  /* Wrong bytes: the job fails with a hash mismatch and writes nothing. */
  {
    char wrong[65];
    char* dest_bad = join_path(dest_dir, "bad.bin");
    af_error_info* e = NULL;
    memcpy(wrong, hex, sizeof wrong);
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    job = new_job("fetch-mismatch", cache);
    memset(&ev, 0, sizeof ev);
    ev.job = job;
    CHECK_CODE(af_job_set_callbacks(job, &cb, &ev), AF_OK, job);
    CHECK_CODE(af_job_add_file(job, (const char* const*)&url, 1, dest_bad, "sha256", wrong, NULL),
               AF_OK, job);
    CHECK_CODE(af_job_resume(job), AF_OK, job);
    CHECK_CODE(af_job_wait(job, 60000, &state), AF_OK, job);
    CHECK(state == AF_STATE_ERROR);
    CHECK(ev.errors >= 1);
    CHECK(ev.last_error_code == AF_E_HASH_MISMATCH);
    CHECK_CODE(af_job_get_error(job, &e), AF_OK, job);
    CHECK(e != NULL && e->code == AF_E_HASH_MISMATCH && e->cause == AF_CAUSE_HASH_MISMATCH);
    CHECK(e != NULL && e->struct_size == sizeof(af_error_info) && e->message[0] != '\0');
    af_free(e);
    /* BITS' partial Complete: the finished files (none here) become visible,
     * the rest are dropped, and the job is acknowledged. */
    CHECK_CODE(af_job_complete(job), AF_E_NOT_FINISHED, job);
    CHECK(strstr(af_job_last_error_message(job), "not finished") != NULL);
    CHECK(!path_exists(dest_bad));
    CHECK_CODE(af_job_get_state(job, &state), AF_OK, job);
    CHECK(state == AF_STATE_ACKNOWLEDGED);
    CHECK_CODE(af_job_cancel(job), AF_E_STATE, job);
    CHECK(!path_exists(dest_bad));
    CHECK(count_entries(dest_dir) == 2);
    CHECK_CODE(af_job_destroy(job), AF_OK, (af_job*)NULL);
    free(dest_bad);
  }

  /* A range past the end of the remote file: found when the job runs
   * (BG_E_INVALID_RANGE), with the remote size in the message. */
  {
    const af_range past[] = {{0, 10}, {2 * 1024 * 1024, 10}};
    char* dest_past = join_path(dest_dir, "past.bin");
    char size_text[32];
    af_error_info* e = NULL;
    snprintf(size_text, sizeof size_text, "%lu", (unsigned long)size);
    job = new_job("fetch-past-eof", cache);
    CHECK_CODE(af_job_add_file_with_ranges(job, (const char* const*)&url, 1, dest_past, "sha256",
                                           hex, past, 2, NULL),
               AF_OK, job);
    CHECK_CODE(af_job_resume(job), AF_OK, job);
    CHECK_CODE(af_job_wait(job, 60000, &state), AF_OK, job);
    CHECK(state == AF_STATE_ERROR);
    CHECK_CODE(af_job_get_error(job, &e), AF_OK, job);
    CHECK(e != NULL && e->code == AF_E_INVALID_RANGE && e->cause == AF_CAUSE_RANGE_INVALID);
    CHECK(e != NULL && strstr(e->message, size_text) != NULL);
    if (e != NULL && strstr(e->message, size_text) == NULL)
      fprintf(stderr, "message without the remote size %s: %s\n", size_text, e->message);
    af_free(e);
    CHECK_CODE(af_job_cancel(job), AF_OK, job);
    CHECK(!path_exists(dest_past));
    CHECK_CODE(af_job_destroy(job), AF_OK, (af_job*)NULL);
    free(dest_past);
  }

  /* Destroying a running job stops it; its callbacks never run afterwards. */
  {
    char* dest_run = join_path(dest_dir, "running.bin");
    job = new_job("fetch-destroy-running", NULL);
    memset(&ev, 0, sizeof ev);
    ev.job = job;
    CHECK_CODE(af_job_set_callbacks(job, &cb, &ev), AF_OK, job);
    CHECK_CODE(af_job_add_file(job, (const char* const*)&url, 1, dest_run, "sha256", hex, NULL),
               AF_OK, job);
    CHECK_CODE(af_job_resume(job), AF_OK, job);
    CHECK_CODE(af_job_destroy(job), AF_OK, (af_job*)NULL);
    CHECK(!path_exists(dest_run));
    free(dest_run);
  }

  free(data);
  free(dest);
  free(dest_ranges);
  free(url);
  free(src_dir);
  free(dest_dir);
}

int main(void) {
  char* cache;
  int rc;
  g_root = make_temp_dir("af-c-api-test");
  if (g_root == NULL) {
    fprintf(stderr, "cannot create a temporary directory\n");
    return 1;
  }
  cache = join_path(g_root, "cache");
  set_env("ASSETFETCH_CACHE_DIR", cache); /* for jobs created with NULL options */
  unset_env("ASSETFETCH_OFFLINE");

  test_version();
  test_strings();
  test_bad_handles();
  test_get_api();
  test_options(cache);
  test_add_file_rules(cache);
  test_fetch(cache);

  rc = finish("c_api_test");
  if (rc == 0) remove_tree(g_root);
  else fprintf(stderr, "files kept in %s\n", g_root);
  free(cache);
  free(g_root);
  return rc;
}
