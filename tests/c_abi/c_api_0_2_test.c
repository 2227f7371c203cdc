/*
 * The additions of 0.2 to the C ABI, from C (compiled as C11, linked against
 * libassetfetch.so, or assetfetch.dll on Windows): a mirror config file in af_job_options, unverified
 * downloads and require_verified_ranges, af_job_add_file_with_ranges2 (a hash
 * per range, sparse layout), af_file_is_verified, and the attempt, failover
 * and warning callbacks. The program returns non-zero when a check failed.
 */
#define _XOPEN_SOURCE 700

#include "assetfetch/assetfetch.h"

#include <stddef.h>
#include <stdint.h>

#include "c_test_util.h"

#define CHECK_CODE(expr, want, job) CHECK_CODE_WITH(expr, want, af_job_last_error_message, job)

/* Nothing listens there: connections are refused at once. */
#define DEAD_URL "http://127.0.0.1:1/asset.bin"

static char* g_root;  /* everything this test writes lives under here */
static char* g_cache; /* $ASSETFETCH_CACHE_DIR; each test has its own cache (options()) */
static char* g_caches[16];
static int g_n_caches;

static char* new_dir(const char* name) {
  char* p = join_path(g_root, name);
  if (p != NULL && !make_dir(p)) {
    free(p);
    return NULL;
  }
  return p;
}

/* The asset every test fetches: pseudo-random bytes (make_asset). */
enum { kSize = 256 * 1024 + 77 };
static unsigned char* g_data;
static char* g_src_url; /* http:// or file:// */

/* SHA-256 of the asset and of the ranges the tests ask for, computed once
 * with `sha256sum`; a generator that changed would fail as a mismatch. */
static const char g_hex[] = "ff8bad3cfb34dcb04301c13f761490c18c11661d9b95c764b9678478b928552c";
static const char kSha4096x100[] = "b113445124d8a1d635290ec37b497eaae818db2ab4fab7d0a329442f33d90dc5";
static const char kSha100x50[] = "89309d8d575e3c249bc43825f4e4de3bfd79c3ff255f7d63cab5f116d5d2ffd5";
static const char kSha0x1000[] = "f36608f6c849501cbc9154d19259657e83970aaac4708ef49097d4ad0bf1bcad";
static const char kSha10x20[] = "0892f68cf72dc7fb60897123431e1874f46904c159aaf4af0dc173f161344ed5";

static void copy_hex(char out[65], const char* hex) { memcpy(out, hex, 65); }

static int make_asset(void) {
  size_t i;
  uint32_t x = 4242u;
  char* dir = new_dir("src");
  g_data = (unsigned char*)malloc(kSize);
  if (dir == NULL || g_data == NULL) return 0;
  for (i = 0; i < kSize; ++i) {
    x = x * 1103515245u + 12345u;
    g_data[i] = (unsigned char)(x >> 16);
  }
  g_src_url = publish(dir, "payload.bin", g_data, kSize, NULL);
  free(dir);
  return g_src_url != NULL;
}

static af_job* new_job(const char* name, const af_job_options* o) {
  af_job* job = NULL;
  CHECK_CODE(af_job_create(name, o, &job), AF_OK, (af_job*)NULL);
  return job;
}

/* Defaults, a cache of the test's own (so that no test is served from what
 * an earlier one cached), and one quick attempt per candidate. */
static void options(af_job_options* o, const char* cache_name) {
  char* cache = join_path(g_root, cache_name);
  af_job_options_init(o);
  if (cache != NULL && g_n_caches < 16) g_caches[g_n_caches++] = cache;
  o->cache_dir = cache;
  o->retry_attempts = 1;
  o->backoff_ms = 10;
}

/* Resumes and waits; prints the job's error when it ends elsewhere than `want`. */
static af_job_state run(af_job* job, af_job_state want) {
  af_job_state state = AF_STATE_LAST;
  CHECK_CODE(af_job_resume(job), AF_OK, job);
  CHECK_CODE(af_job_wait(job, 60000, &state), AF_OK, job);
  if (state != want) {
    af_error_info* e = NULL;
    fprintf(stderr, "job ended %s, expected %s\n", af_state_name(state), af_state_name(want));
    if (af_job_get_error(job, &e) == AF_OK && e != NULL)
      fprintf(stderr, "  job error: %s (%s): %s\n", af_strerror(e->code), af_cause_name(e->cause),
              e->message);
    af_free(e);
  }
  return state;
}

static af_code job_error_code(af_job* job) {
  af_error_info* e = NULL;
  af_code code = AF_E_LAST;
  if (af_job_get_error(job, &e) == AF_OK && e != NULL) code = e->code;
  af_free(e);
  return code;
}

/* --- the table and the defaults ------------------------------------------- */

static void test_table_and_defaults(void) {
  const af_api_v1* api = af_get_api(AF_ABI_VERSION_1);
  af_job_options o;
  CHECK(api != NULL);
  if (api == NULL) return;
  CHECK(api->size == sizeof(af_api_v1));
  CHECK(api->size >= offsetof(af_api_v1, file_is_verified) + sizeof(api->file_is_verified));
  CHECK(api->job_add_file_with_ranges2 == af_job_add_file_with_ranges2);
  CHECK(api->file_is_verified == af_file_is_verified);
  CHECK(api->size >= offsetof(af_api_v1, job_wait_uploads) + sizeof(api->job_wait_uploads));
  CHECK(api->job_wait_uploads == af_job_wait_uploads);
  af_job_options_init(&o);
  CHECK(o.config_file == NULL && o.allow_unverified == 0 && o.require_verified_ranges == 0);
  CHECK(AF_ADD_SPARSE == 1u);
}

/* --- a mirror config: a content-addressed file:// source ------------------- */

static char* write_config(const char* name, const char* text) {
  char* path = join_path(g_root, name);
  if (path != NULL && !write_file(path, (const unsigned char*)text, strlen(text))) {
    free(path);
    return NULL;
  }
  return path;
}

static void test_config_source(void) {
  char* mirror = new_dir("mirror");
  char* dest_dir = new_dir("config-dest");
  char* dest = dest_dir ? join_path(dest_dir, "asset.bin") : NULL;
  char* object = mirror ? join_path(mirror, g_hex) : NULL;
  char* mirror_url = mirror ? file_url(mirror) : NULL;
  char* config = NULL;
  char* bad_config = NULL;
  char text[1024];
  const char* urls[] = {DEAD_URL};
  af_job_options o;
  af_job* job = NULL;
  af_file* file = NULL;
  int verified = 0;

  if (dest == NULL || object == NULL || mirror_url == NULL || !write_file(object, g_data, kSize)) {
    CHECK(!"setup");
    return;
  }
  snprintf(text, sizeof text,
           "{\"sources\": [{\"url\": \"%s/{sha256}\", \"access\": \"read\"}]}\n", mirror_url);
  config = write_config("mirrors.json", text);
  bad_config = write_config("typo.json", "{\"sourcez\": []}\n");
  CHECK(config != NULL && bad_config != NULL);

  /* A config that does not load: refused at create, naming the file. */
  options(&o, "cache-config");
  o.config_file = bad_config;
  CHECK_CODE(af_job_create("config-typo", &o, &job), AF_E_INVALID_ARG, (af_job*)NULL);
  CHECK(job == NULL);
  CHECK(strstr(af_job_last_error_message(NULL), "typo.json") != NULL);
  o.config_file = "";
  CHECK_CODE(af_job_create("config-empty", &o, &job), AF_E_INVALID_ARG, (af_job*)NULL);
  o.config_file = "/nonexistent/assetfetch-config.json";
  CHECK_CODE(af_job_create("config-missing", &o, &job), AF_E_INVALID_ARG, (af_job*)NULL);

  /* Without the config, the dead URL is all there is. */
  options(&o, "cache-config");
  job = new_job("config-none", &o);
  if (job == NULL) return;
  CHECK_CODE(af_job_add_file(job, urls, 1, dest, "sha256", g_hex, NULL), AF_OK, job);
  CHECK(run(job, AF_STATE_ERROR) == AF_STATE_ERROR);
  CHECK(job_error_code(job) == AF_E_UNAVAILABLE);
  CHECK_CODE(af_job_cancel(job), AF_OK, job);
  CHECK_CODE(af_job_destroy(job), AF_OK, (af_job*)NULL);

  /* With it, the source serves the object by its hash. */
  o.config_file = config;
  job = new_job("config-source", &o);
  if (job == NULL) return;
  CHECK_CODE(af_job_add_file(job, urls, 1, dest, "sha256", g_hex, &file), AF_OK, job);
  CHECK(run(job, AF_STATE_TRANSFERRED) == AF_STATE_TRANSFERRED);
  CHECK_CODE(af_file_is_verified(file, &verified), AF_OK, job);
  CHECK(verified == 1);
  CHECK_CODE(af_file_is_verified(file, NULL), AF_E_INVALID_ARG, job);
  CHECK_CODE(af_job_complete(job), AF_OK, job);
  {
    size_t unfinished = 99;
    /* No writable source: nothing to wait for. */
    CHECK_CODE(af_job_wait_uploads(job, 1000, &unfinished), AF_OK, job);
    CHECK(unfinished == 0);
  }
  {
    size_t got_size = 0;
    unsigned char* got = read_file(dest, &got_size);
    CHECK(got != NULL && got_size == kSize && memcmp(got, g_data, kSize) == 0);
    free(got);
  }
  CHECK_CODE(af_job_destroy(job), AF_OK, (af_job*)NULL);
  CHECK_CODE(af_file_is_verified(NULL, &verified), AF_E_BAD_HANDLE, (af_job*)NULL);

  free(mirror);
  free(mirror_url);
  free(dest_dir);
  free(dest);
  free(object);
  free(config);
  free(bad_config);
}

/* --- af_job_add_file_with_ranges2: sparse layout, a hash per range ---------- */

static void test_sparse(void) {
  char* dest_dir = new_dir("sparse-dest");
  char* dest = dest_dir ? join_path(dest_dir, "sparse.bin") : NULL;
  char range_hex[65], range_hex2[65];
  af_range2 ranges[] = {{4096, 100, NULL}, {100, 50, NULL}};
  af_job_options o;
  af_job* job;
  af_file* file = NULL;
  af_range* got_ranges = NULL;
  size_t n = 0;
  int verified = 0;

  if (dest == NULL) return;
  /* Each range has its own hash, so each is verified however it is fetched
   * (a range without one is verified only when cut from the whole file). */
  copy_hex(range_hex, kSha4096x100);
  copy_hex(range_hex2, kSha100x50);
  ranges[0].sha256 = range_hex;
  ranges[1].sha256 = range_hex2;
  options(&o, "cache-sparse");
  job = new_job("sparse", &o);
  if (job == NULL) return;
  CHECK_CODE(af_job_add_file_with_ranges2(job, (const char* const*)&g_src_url, 1, dest, "sha256",
                                          g_hex, ranges, 2, AF_ADD_SPARSE, &file),
             AF_OK, job);
  /* GetFileRanges still gives exactly what was added. */
  CHECK_CODE(af_file_get_ranges(file, &got_ranges, &n), AF_OK, job);
  CHECK(n == 2 && got_ranges != NULL && got_ranges[0].offset == 4096 && got_ranges[1].length == 50);
  af_free(got_ranges);
  CHECK(run(job, AF_STATE_TRANSFERRED) == AF_STATE_TRANSFERRED);
  CHECK_CODE(af_file_is_verified(file, &verified), AF_OK, job);
  CHECK(verified == 1);
  CHECK_CODE(af_job_complete(job), AF_OK, job);
  {
    /* The remote size; the ranges at their own offsets; zeros elsewhere. */
    size_t got_size = 0, i, nonzero = 0;
    unsigned char* got = read_file(dest, &got_size);
    CHECK(got != NULL && got_size == kSize);
    if (got != NULL && got_size == kSize) {
      CHECK(memcmp(got + 4096, g_data + 4096, 100) == 0);
      CHECK(memcmp(got + 100, g_data + 100, 50) == 0);
      for (i = 0; i < got_size; ++i)
        if (!((i >= 100 && i < 150) || (i >= 4096 && i < 4196)) && got[i] != 0) ++nonzero;
      CHECK(nonzero == 0);
    }
    free(got);
  }
  CHECK_CODE(af_job_destroy(job), AF_OK, (af_job*)NULL);
  free(dest);
  free(dest_dir);
}

static void test_range_hash_rules(void) {
  char* dest_dir = new_dir("range-hash-dest");
  char* dest = dest_dir ? join_path(dest_dir, "ranges.bin") : NULL;
  char wrong[65];
  af_range2 ranges[] = {{0, 1000, NULL}, {2000, 10, NULL}};
  af_range2 overlapping[] = {{0, 100, NULL}, {50, 100, NULL}};
  af_job_options o;
  af_job* job;
  af_file* file = NULL;
  size_t count = 0;

  if (dest == NULL) return;
  options(&o, "cache-range-hash");
  o.allow_unverified = 1;
  job = new_job("range-hash", &o);
  if (job == NULL) return;

  /* Checked before any request, with 0.1's codes. */
  ranges[0].sha256 = "abc";
  CHECK_CODE(af_job_add_file_with_ranges2(job, (const char* const*)&g_src_url, 1, dest, NULL, NULL,
                                          ranges, 2, 0, &file),
             AF_E_INVALID_ARG, job);
  CHECK(strstr(af_job_last_error_message(job), "ranges[0].sha256") != NULL);
  ranges[0].sha256 = NULL;
  CHECK_CODE(af_job_add_file_with_ranges2(job, (const char* const*)&g_src_url, 1, dest, NULL, NULL,
                                          ranges, 2, 0x80u, &file),
             AF_E_INVALID_ARG, job);
  CHECK_CODE(af_job_add_file_with_ranges2(job, (const char* const*)&g_src_url, 1, dest, NULL, NULL,
                                          ranges, 0, 0, &file),
             AF_E_INVALID_ARG, job);
  CHECK_CODE(af_job_add_file_with_ranges2(job, (const char* const*)&g_src_url, 1, dest, NULL, NULL,
                                          overlapping, 2, 0, &file),
             AF_E_OVERLAPPING_RANGES, job);
  CHECK_CODE(af_job_add_file_with_ranges2(job, (const char* const*)&g_src_url, 1, dest, "sha256",
                                          NULL, ranges, 2, 0, &file),
             AF_E_INVALID_ARG, job);
  CHECK(file == NULL);
  CHECK_CODE(af_job_get_file_count(job, &count), AF_OK, job);
  CHECK(count == 0);
  CHECK(count_entries(dest_dir) == 0);

  /* A range whose bytes do not match its own hash: AF_E_HASH_MISMATCH. */
  copy_hex(wrong, kSha0x1000);
  wrong[0] = wrong[0] == '0' ? '1' : '0';
  ranges[0].sha256 = wrong;
  CHECK_CODE(af_job_add_file_with_ranges2(job, (const char* const*)&g_src_url, 1, dest, NULL, NULL,
                                          ranges, 2, 0, &file),
             AF_OK, job);
  CHECK(run(job, AF_STATE_ERROR) == AF_STATE_ERROR);
  {
    af_error_info* e = NULL;
    CHECK_CODE(af_file_get_error(file, &e), AF_OK, job);
    CHECK(e != NULL && e->code == AF_E_HASH_MISMATCH && e->cause == AF_CAUSE_HASH_MISMATCH);
    af_free(e);
  }
  CHECK(job_error_code(job) == AF_E_HASH_MISMATCH);
  CHECK_CODE(af_job_cancel(job), AF_OK, job);
  CHECK(!path_exists(dest));
  CHECK_CODE(af_job_destroy(job), AF_OK, (af_job*)NULL);
  free(dest);
  free(dest_dir);
}

/* --- unverified downloads and require_verified_ranges ----------------------- */

static void test_verification_policy(void) {
  char* dest_dir = new_dir("verify-dest");
  char* dest = dest_dir ? join_path(dest_dir, "v.bin") : NULL;
  char range_hex[65];
  const af_range2 unhashed[] = {{10, 20, NULL}};
  af_range2 hashed[] = {{10, 20, NULL}};
  af_job_options o;
  af_job* job;
  af_file* file = NULL;
  int verified = -1;

  if (dest == NULL) return;
  copy_hex(range_hex, kSha10x20);
  hashed[0].sha256 = range_hex;

  /* No hash at all needs allow_unverified. */
  options(&o, "cache-verify");
  job = new_job("verify-strict", &o);
  if (job == NULL) return;
  CHECK_CODE(af_job_add_file(job, (const char* const*)&g_src_url, 1, dest, NULL, NULL, NULL),
             AF_E_INVALID_ARG, job);
  CHECK(strstr(af_job_last_error_message(job), "allow_unverified") != NULL);
  CHECK_CODE(af_job_destroy(job), AF_OK, (af_job*)NULL);

  /* allow_unverified: delivered, and said to be unverified. */
  o.allow_unverified = 1;
  job = new_job("verify-unverified", &o);
  if (job == NULL) return;
  CHECK_CODE(af_job_add_file_with_ranges2(job, (const char* const*)&g_src_url, 1, dest, NULL, NULL,
                                          unhashed, 1, 0, &file),
             AF_OK, job);
  CHECK(run(job, AF_STATE_TRANSFERRED) == AF_STATE_TRANSFERRED);
  CHECK_CODE(af_file_is_verified(file, &verified), AF_OK, job);
  CHECK(verified == 0);
  CHECK_CODE(af_job_cancel(job), AF_OK, job);
  CHECK_CODE(af_job_destroy(job), AF_OK, (af_job*)NULL);

  /* require_verified_ranges: a range with no way to verify it fails... */
  o.require_verified_ranges = 1;
  job = new_job("verify-required", &o);
  if (job == NULL) return;
  CHECK_CODE(af_job_add_file_with_ranges2(job, (const char* const*)&g_src_url, 1, dest, NULL, NULL,
                                          unhashed, 1, 0, &file),
             AF_OK, job);
  CHECK(run(job, AF_STATE_ERROR) == AF_STATE_ERROR);
  CHECK(job_error_code(job) == AF_E_INVALID_ARG);
  {
    af_error_info* e = NULL;
    CHECK_CODE(af_job_get_error(job, &e), AF_OK, job);
    CHECK(e != NULL && strstr(e->message, "verified") != NULL);
    af_free(e);
  }
  CHECK_CODE(af_job_cancel(job), AF_OK, job);
  CHECK(!path_exists(dest));
  CHECK_CODE(af_job_destroy(job), AF_OK, (af_job*)NULL);

  /* ...while its own hash, or the whole file's, verifies it. */
  job = new_job("verify-required-ok", &o);
  if (job == NULL) return;
  CHECK_CODE(af_job_add_file_with_ranges2(job, (const char* const*)&g_src_url, 1, dest, NULL, NULL,
                                          hashed, 1, 0, &file),
             AF_OK, job);
  {
    af_file* whole_hash = NULL;
    char* dest2 = join_path(dest_dir, "v2.bin");
    CHECK_CODE(af_job_add_file_with_ranges2(job, (const char* const*)&g_src_url, 1, dest2,
                                            "sha256", g_hex, unhashed, 1, 0, &whole_hash),
               AF_OK, job);
    CHECK(run(job, AF_STATE_TRANSFERRED) == AF_STATE_TRANSFERRED);
    verified = 0;
    CHECK_CODE(af_file_is_verified(file, &verified), AF_OK, job);
    CHECK(verified == 1);
    verified = 0;
    CHECK_CODE(af_file_is_verified(whole_hash, &verified), AF_OK, job);
    CHECK(verified == 1);
    CHECK_CODE(af_job_complete(job), AF_OK, job);
    {
      size_t got_size = 0;
      unsigned char* got = read_file(dest2, &got_size);
      CHECK(got != NULL && got_size == 20 && memcmp(got, g_data + 10, 20) == 0);
      free(got);
    }
    free(dest2);
  }
  CHECK_CODE(af_job_destroy(job), AF_OK, (af_job*)NULL);
  free(dest);
  free(dest_dir);
}

/* --- attempt, failover and warning callbacks -------------------------------- */

struct events {
  af_job* job;
  int attempts;
  int dead_attempts; /* attempts at DEAD_URL with an outcome */
  int failovers;
  int failover_to_file; /* from DEAD_URL to the asset's URL, with a file handle */
  int warnings;
  int recursive_refused;
};

static void on_attempt(af_job* job, const af_attempt_info* a, void* user_data) {
  struct events* ev = (struct events*)user_data;
  ++ev->attempts;
  if (job != ev->job || a == NULL || a->struct_size < sizeof(af_attempt_info)) return;
  if (strcmp(a->url, DEAD_URL) == 0 && a->outcome[0] != '\0' && strcmp(a->asset, "cb.bin") == 0)
    ++ev->dead_attempts;
  if (af_job_resume(job) == AF_E_RECURSIVE_API_CALL) ev->recursive_refused = 1;
}

static void on_failover(af_job* job, af_file* file, const char* from, const char* to,
                        const char* reason, void* user_data) {
  struct events* ev = (struct events*)user_data;
  ++ev->failovers;
  if (job == ev->job && file != NULL && strcmp(from, DEAD_URL) == 0 &&
      strcmp(to, g_src_url) == 0 && reason != NULL)
    ++ev->failover_to_file;
}

static void on_warning(af_job* job, const char* asset, const char* message, void* user_data) {
  struct events* ev = (struct events*)user_data;
  (void)job;
  if (asset != NULL && message != NULL) ++ev->warnings;
}

static void test_callbacks(void) {
  char* dest_dir = new_dir("cb-dest");
  char* dest = dest_dir ? join_path(dest_dir, "cb.bin") : NULL;
  const char* urls[2];
  struct events ev;
  af_callbacks cb;
  af_job_options o;
  af_job* job;

  if (dest == NULL) return;
  urls[0] = DEAD_URL;
  urls[1] = g_src_url;
  options(&o, "cache-callbacks");
  o.cache_dir = ""; /* no cache: the candidates are walked */
  job = new_job("callbacks", &o);
  if (job == NULL) return;
  memset(&ev, 0, sizeof ev);
  ev.job = job;
  memset(&cb, 0, sizeof cb);
  cb.struct_size = sizeof cb;
  cb.attempt = on_attempt;
  cb.failover = on_failover;
  cb.warning = on_warning;
  CHECK_CODE(af_job_set_callbacks(job, &cb, &ev), AF_OK, job);
  CHECK_CODE(af_job_add_file(job, urls, 2, dest, "sha256", g_hex, NULL), AF_OK, job);
  CHECK(run(job, AF_STATE_TRANSFERRED) == AF_STATE_TRANSFERRED);
  CHECK(ev.attempts >= 1);
  CHECK(ev.dead_attempts >= 1);
  CHECK(ev.failovers >= 1);
  CHECK(ev.failover_to_file >= 1);
  CHECK(ev.recursive_refused == 1);
  CHECK_CODE(af_job_cancel(job), AF_OK, job);
  CHECK_CODE(af_job_destroy(job), AF_OK, (af_job*)NULL);

  /* A 0.1 caller's shorter af_callbacks: the fields past it are not read. */
  job = new_job("callbacks-0.1", &o);
  if (job == NULL) return;
  memset(&ev, 0, sizeof ev);
  ev.job = job;
  cb.struct_size = offsetof(af_callbacks, attempt);
  CHECK_CODE(af_job_set_callbacks(job, &cb, &ev), AF_OK, job);
  CHECK_CODE(af_job_add_file(job, urls, 2, dest, "sha256", g_hex, NULL), AF_OK, job);
  CHECK(run(job, AF_STATE_TRANSFERRED) == AF_STATE_TRANSFERRED);
  CHECK(ev.attempts == 0 && ev.failovers == 0 && ev.warnings == 0);
  CHECK_CODE(af_job_cancel(job), AF_OK, job);
  CHECK_CODE(af_job_destroy(job), AF_OK, (af_job*)NULL);
  free(dest);
  free(dest_dir);
}

/* --- a store skipped for lack of credentials ------------------------------- */

struct skipped {
  int warnings;  /* warnings naming /sources/0 as skipped */
  int others;
};

static void on_skipped_warning(af_job* job, const char* asset, const char* message, void* user_data) {
  struct skipped* s = (struct skipped*)user_data;
  (void)job;
  (void)asset;
  if (message != NULL && strstr(message, "/sources/0") != NULL && strstr(message, "skipped") != NULL &&
      strstr(message, "AF_C_TEST_UNSET_KEY") != NULL)
    ++s->warnings;
  else
    ++s->others;
}

/* The config's S3 store names an unset variable: the CLI warns once at its
 * start; a C caller gets the same line through the warning callback, once,
 * when the job is first resumed, and the file comes from elsewhere. */
static void test_skipped_store_warning(void) {
  static const char config[] =
      "{\"sources\": [{\"kind\": \"s3\", \"url\": \"s3://b/p/{sha256}\", \"region\": \"us-east-1\",\n"
      "  \"credentials\": {\"access_key_id\": \"${env:AF_C_TEST_UNSET_KEY}\",\n"
      "                  \"secret_access_key\": \"${env:AF_C_TEST_UNSET_KEY}\"}}]}\n";
  char* dir = new_dir("skipped");
  char* cfg = dir ? join_path(dir, "af.json") : NULL;
  char* dest = dir ? join_path(dir, "out.bin") : NULL;
  const char* urls[1];
  struct skipped s;
  af_callbacks cb;
  af_job_options o;
  af_job* job;

  if (cfg == NULL || dest == NULL) return;
  unset_env("AF_C_TEST_UNSET_KEY");
  CHECK(write_file(cfg, (const unsigned char*)config, sizeof config - 1));
  urls[0] = g_src_url;
  options(&o, "cache-skipped");
  o.config_file = cfg;
  job = new_job("skipped-store", &o);
  if (job == NULL) return;
  memset(&s, 0, sizeof s);
  memset(&cb, 0, sizeof cb);
  cb.struct_size = sizeof cb;
  cb.warning = on_skipped_warning;
  CHECK_CODE(af_job_set_callbacks(job, &cb, &s), AF_OK, job);
  CHECK_CODE(af_job_add_file(job, urls, 1, dest, "sha256", g_hex, NULL), AF_OK, job);
  CHECK(run(job, AF_STATE_TRANSFERRED) == AF_STATE_TRANSFERRED);
  (void)af_job_resume(job); /* a second resume says nothing again */
  CHECK(s.warnings == 1);
  CHECK(s.others == 0);
  CHECK_CODE(af_job_complete(job), AF_OK, job);
  CHECK_CODE(af_job_destroy(job), AF_OK, (af_job*)NULL);
  free(dest);
  free(cfg);
  free(dir);
}

int main(void) {
  int rc;
  g_root = make_temp_dir("af-c-api-0-2-test");
  if (g_root == NULL) {
    fprintf(stderr, "cannot create a temporary directory\n");
    return 1;
  }
  g_cache = join_path(g_root, "cache");
  set_env("ASSETFETCH_CACHE_DIR", g_cache);
  unset_env("ASSETFETCH_OFFLINE");
  unset_env("ASSETFETCH_CONFIG");
  unset_env("http_proxy");
  unset_env("HTTP_PROXY");
  unset_env("all_proxy");
  unset_env("ALL_PROXY");

  if (!make_asset()) {
    fprintf(stderr, "cannot write the test asset\n");
    return 1;
  }
  test_table_and_defaults();
  test_config_source();
  test_sparse();
  test_range_hash_rules();
  test_verification_policy();
  test_callbacks();
  test_skipped_store_warning();

  rc = finish("c_api_0_2_test");
  if (rc == 0) remove_tree(g_root);
  else fprintf(stderr, "files kept in %s\n", g_root);
  free(g_data);
  free(g_src_url);
  while (g_n_caches > 0) free(g_caches[--g_n_caches]);
  free(g_cache);
  free(g_root);
  return rc;
}
