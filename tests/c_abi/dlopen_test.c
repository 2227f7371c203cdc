/*
 * A host that loads libassetfetch at run time: dlopen() the .so given as
 * argv[1] (LoadLibraryW() of assetfetch.dll on Windows), look up af_get_api,
 * and fetch an asset (from the loopback HTTP server when
 * with_http_server.sh gives one, else a file:// URL) through the function
 * table only. This program is not linked against the library; every af_*
 * call goes through the table.
 */
#define _XOPEN_SOURCE 700

#include "assetfetch/assetfetch.h"

#include <stddef.h>

#include "c_test_util.h"

#ifndef _WIN32
#include <dlfcn.h>
#endif

/* The library, loaded by path: dlopen/dlsym, or LoadLibraryW/GetProcAddress. */
#ifdef _WIN32
typedef HMODULE library_handle;

static library_handle load_library(const char* path) {
  wchar_t wide[1024];
  /* argv is in the ANSI code page on Windows. */
  if (MultiByteToWideChar(CP_ACP, 0, path, -1, wide, 1024) == 0) return NULL;
  return LoadLibraryW(wide);
}

static void* find_symbol(library_handle lib, const char* name) {
  FARPROC f = GetProcAddress(lib, name);
  void* p;
  /* ISO C has no function-to-object pointer cast; copy the bits. */
  memcpy(&p, &f, sizeof p);
  return p;
}

static const char* load_error(void) {
  static char text[64];
  snprintf(text, sizeof text, "Windows error %lu", (unsigned long)GetLastError());
  return text;
}

static int unload_library(library_handle lib) { return FreeLibrary(lib) ? 0 : -1; }
#else
typedef void* library_handle;

static library_handle load_library(const char* path) { return dlopen(path, RTLD_NOW | RTLD_LOCAL); }
static void* find_symbol(library_handle lib, const char* name) { return dlsym(lib, name); }
static const char* load_error(void) { return dlerror(); }
static int unload_library(library_handle lib) { return dlclose(lib); }
#endif

static const af_api_v1* g_api;

static const char* table_message(const af_job* job) {
  return g_api != NULL ? g_api->job_last_error_message(job) : "(no table)";
}

#define CHECK_CODE(expr, want, job) CHECK_CODE_WITH(expr, want, table_message, job)

/* Fixed content with a known digest: "assetfetch dlopen test payload\n" x 1000. */
static const char kLine[] = "assetfetch dlopen test payload\n";
static const char kDigest[] = "98322db25d69ba2c32fa75897a366c02a6f53fda51fb4363195ba32f25f1fc9b";

static int g_transferred;

static void on_transferred(af_job* job, af_file* file, void* user_data) {
  (void)job;
  (void)file;
  (void)user_data;
  ++g_transferred;
}

int main(int argc, char** argv) {
  library_handle lib;
  void* sym;
  af_get_api_fn get_api;
  char* root;
  char* dest;
  char* cache;
  char* url;
  unsigned char* payload;
  const size_t line_len = sizeof kLine - 1;
  const size_t size = 1000 * (sizeof kLine - 1);
  size_t i;
  af_job_options options;
  af_callbacks cb;
  af_job* job = NULL;
  af_file* file = NULL;
  af_job_state state = AF_STATE_LAST;

  if (argc != 2) {
    fprintf(stderr, "usage: %s PATH/TO/libassetfetch.so (or assetfetch.dll)\n", argv[0]);
    return 2;
  }
  lib = load_library(argv[1]);
  if (lib == NULL) {
    fprintf(stderr, "loading %s: %s\n", argv[1], load_error());
    return 1;
  }
  sym = find_symbol(lib, "af_get_api");
  if (sym == NULL) {
    fprintf(stderr, "af_get_api in %s: %s\n", argv[1], load_error());
    return 1;
  }
  /* ISO C has no object-to-function pointer cast; POSIX guarantees this copy. */
  memcpy(&get_api, &sym, sizeof get_api);

  CHECK(get_api(0) == NULL);
  CHECK(get_api(AF_ABI_VERSION_1 + 1) == NULL);
  g_api = get_api(AF_ABI_VERSION_1);
  CHECK(g_api != NULL);
  if (g_api == NULL) return finish("dlopen_test");
  /* Every field this host's header knows must be there. */
  CHECK(g_api->size >= sizeof(af_api_v1));
  CHECK(g_api->version != NULL && g_api->file_get_error != NULL);
  CHECK(strcmp(g_api->version(), AF_VERSION_STRING) == 0);
  CHECK(strcmp(g_api->strerror(AF_E_BAD_HANDLE), "unknown error code") != 0);
  CHECK_CODE(g_api->job_resume(NULL), AF_E_BAD_HANDLE, (af_job*)NULL);

  root = make_temp_dir("af-dlopen-test");
  if (root == NULL) {
    fprintf(stderr, "cannot create a temporary directory\n");
    return 1;
  }
  dest = join_path(root, "out.txt");
  cache = join_path(root, "cache");
  payload = (unsigned char*)malloc(size);
  if (dest == NULL || cache == NULL || payload == NULL) return 1;
  for (i = 0; i < 1000; ++i) memcpy(payload + i * line_len, kLine, line_len);
  url = publish(root, "payload.txt", payload, size, NULL);
  if (url == NULL) return 1;

  g_api->job_options_init(&options);
  options.cache_dir = cache;
  CHECK_CODE(g_api->job_create("dlopen", &options, &job), AF_OK, (af_job*)NULL);
  if (job != NULL) {
    memset(&cb, 0, sizeof cb);
    cb.struct_size = sizeof cb;
    cb.transferred = on_transferred;
    CHECK_CODE(g_api->job_set_callbacks(job, &cb, NULL), AF_OK, job);
    CHECK_CODE(g_api->job_add_file(job, (const char* const*)&url, 1, dest, "sha256", kDigest, &file),
               AF_OK, job);
    CHECK_CODE(g_api->job_resume(job), AF_OK, job);
    CHECK_CODE(g_api->job_wait(job, 60000, &state), AF_OK, job);
    CHECK(state == AF_STATE_TRANSFERRED);
    CHECK(g_transferred == 1);
    CHECK(!path_exists(dest));
    CHECK_CODE(g_api->job_complete(job), AF_OK, job);
    {
      size_t got_size = 0;
      unsigned char* got = read_file(dest, &got_size);
      CHECK(got != NULL && got_size == size && memcmp(got, payload, size) == 0);
      free(got);
    }
    /* A field added in 0.2: a host checks `size` before using it. */
    if (g_api->size >= offsetof(af_api_v1, file_is_verified) + sizeof g_api->file_is_verified) {
      int verified = 0;
      CHECK_CODE(g_api->file_is_verified(file, &verified), AF_OK, job);
      CHECK(verified == 1);
    } else {
      CHECK(!"a 0.2 library's table has file_is_verified");
    }
    {
      char* remote = NULL;
      CHECK_CODE(g_api->file_get_remote_name(file, &remote), AF_OK, job);
      CHECK(remote != NULL && strcmp(remote, url) == 0);
      g_api->free(remote);
    }
    CHECK_CODE(g_api->job_destroy(job), AF_OK, (af_job*)NULL);
  }

  free(payload);
  free(url);
  free(dest);
  free(cache);
  if (g_failures == 0) remove_tree(root);
  else fprintf(stderr, "files kept in %s\n", root);
  free(root);
  /* Unloaded last: nothing of the library may be used after it. */
  CHECK(unload_library(lib) == 0);
  return finish("dlopen_test");
}
