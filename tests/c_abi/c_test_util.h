/*
 * Helpers shared by the C ABI tests (plain C11; POSIX, or Windows where
 * _WIN32 is defined: the same programs run under Wine against
 * assetfetch.dll, scripts/windows/test.sh): a CHECK macro that prints which
 * check failed and counts failures, temporary directories, small file
 * helpers and the loopback HTTP server a test may be given
 * (tests/c_abi/with_http_server.sh). The tests are plain programs: they
 * print every failed check and return non-zero when any did.
 */
#ifndef ASSETFETCH_TESTS_C_ABI_C_TEST_UTIL_H
#define ASSETFETCH_TESTS_C_ABI_C_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#ifdef _WIN32
#include <direct.h>
#include <io.h>
#include <windows.h>
#else
#include <dirent.h>
#include <ftw.h>
#include <unistd.h>
#endif

static int g_failures = 0;
static int g_checks = 0;

#define CHECK(cond)                                                         \
  do {                                                                      \
    ++g_checks;                                                             \
    if (!(cond)) {                                                          \
      ++g_failures;                                                         \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                       \
  } while (0)

/* Expects `expr` (an af_code) to equal `want`; on failure prints both codes,
 * their descriptions and the job's last error message. `msgfn` is a
 * function returning the message (af_job_last_error_message or the table's). */
#define CHECK_CODE_WITH(expr, want, msgfn, job)                                 \
  do {                                                                          \
    int got_ = (int)(expr);                                                     \
    ++g_checks;                                                                 \
    if (got_ != (int)(want)) {                                                  \
      ++g_failures;                                                             \
      fprintf(stderr, "%s:%d: %s returned %d, expected %s (%d); message: %s\n",   \
              __FILE__, __LINE__, #expr, got_, #want, (int)(want), msgfn(job)); \
    }                                                                           \
  } while (0)

static inline int finish(const char* test_name) {
  if (g_failures != 0) {
    fprintf(stderr, "%s: %d of %d checks failed\n", test_name, g_failures, g_checks);
    return 1;
  }
  printf("%s: all %d checks passed\n", test_name, g_checks);
  return 0;
}

static inline int make_dir(const char* path) {
#ifdef _WIN32
  return _mkdir(path) == 0;
#else
  return mkdir(path, 0700) == 0;
#endif
}

/* Portable setenv/unsetenv (an empty value removes the variable on Windows). */
static inline void set_env(const char* name, const char* value) {
#ifdef _WIN32
  _putenv_s(name, value);
#else
  setenv(name, value, 1);
#endif
}

static inline void unset_env(const char* name) {
#ifdef _WIN32
  _putenv_s(name, "");
#else
  unsetenv(name);
#endif
}

static inline void sleep_ms(unsigned ms) {
#ifdef _WIN32
  Sleep(ms);
#else
  struct timespec t;
  t.tv_sec = ms / 1000;
  t.tv_nsec = (long)(ms % 1000) * 1000000L;
  nanosleep(&t, NULL);
#endif
}

/* A new directory "<base>/<tag>-XXXXXX"; the caller frees the result. */
static inline char* make_temp_dir_in(const char* base, const char* tag) {
  size_t n = strlen(base) + strlen(tag) + 16;
  char* path = (char*)malloc(n);
  if (path == NULL) return NULL;
#ifdef _WIN32
  {
    /* No mkdtemp: a random name, created exclusively (_mkdir fails on an
     * existing one), a bounded number of tries. */
    int tries;
    srand((unsigned)GetTickCount() ^ (unsigned)GetCurrentProcessId());
    for (tries = 0; tries < 100; ++tries) {
      snprintf(path, n, "%s\\%s-%06x", base, tag, (unsigned)(rand() * 32768 + rand()) & 0xffffffu);
      if (_mkdir(path) == 0) return path;
    }
    free(path);
    return NULL;
  }
#else
  snprintf(path, n, "%s/%s-XXXXXX", base, tag);
  if (mkdtemp(path) == NULL) {
    free(path);
    return NULL;
  }
  return path;
#endif
}

/* A new directory under $TMPDIR (or /tmp; %TEMP% on Windows). */
static inline char* make_temp_dir(const char* tag) {
#ifdef _WIN32
  const char* base = getenv("TEMP");
  if (base == NULL || *base == '\0') base = getenv("TMP");
  if (base == NULL || *base == '\0') base = ".";
#else
  const char* base = getenv("TMPDIR");
  if (base == NULL || *base == '\0') base = "/tmp";
#endif
  return make_temp_dir_in(base, tag);
}

#ifdef _WIN32
/* Depth first; cache objects are read-only, and Windows deletes no
 * read-only file, so the attribute is cleared first. */
static inline void remove_tree(const char* path) {
  WIN32_FIND_DATAA e;
  HANDLE h;
  size_t n;
  char* pattern;
  if (path == NULL) return;
  n = strlen(path) + 3;
  pattern = (char*)malloc(n);
  if (pattern == NULL) return;
  snprintf(pattern, n, "%s\\*", path);
  h = FindFirstFileA(pattern, &e);
  free(pattern);
  if (h != INVALID_HANDLE_VALUE) {
    do {
      size_t m = strlen(path) + strlen(e.cFileName) + 2;
      char* child;
      if (strcmp(e.cFileName, ".") == 0 || strcmp(e.cFileName, "..") == 0) continue;
      child = (char*)malloc(m);
      if (child == NULL) continue;
      snprintf(child, m, "%s\\%s", path, e.cFileName);
      if (e.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
        remove_tree(child);
      } else {
        SetFileAttributesA(child, FILE_ATTRIBUTE_NORMAL);
        DeleteFileA(child);
      }
      free(child);
    } while (FindNextFileA(h, &e));
    FindClose(h);
  }
  RemoveDirectoryA(path);
}
#else
static inline int remove_one_(const char* path, const struct stat* st, int flag, struct FTW* ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static inline void remove_tree(const char* path) {
  if (path != NULL) nftw(path, remove_one_, 16, FTW_DEPTH | FTW_PHYS);
}
#endif

/* malloc-ed "a/b". */
static inline char* join_path(const char* a, const char* b) {
  size_t n = strlen(a) + strlen(b) + 2;
  char* p = (char*)malloc(n);
  if (p != NULL) snprintf(p, n, "%s/%s", a, b);
  return p;
}

static inline int write_file(const char* path, const unsigned char* data, size_t size) {
  FILE* f = fopen(path, "wb");
  size_t written;
  if (f == NULL) return 0;
  written = fwrite(data, 1, size, f);
  return fclose(f) == 0 && written == size;
}

/* malloc-ed contents of `path` and its size, or NULL. */
static inline unsigned char* read_file(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  unsigned char* buf = NULL;
  size_t cap = 0, len = 0, got;
  if (f == NULL) return NULL;
  for (;;) {
    if (len == cap) {
      unsigned char* bigger;
      cap = cap ? cap * 2 : 65536;
      bigger = (unsigned char*)realloc(buf, cap);
      if (bigger == NULL) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = bigger;
    }
    got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0) break;
  }
  fclose(f);
  *size = len;
  return buf;
}

static inline int path_exists(const char* path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* Number of entries in `dir` other than "." and "..", or -1. */
static inline int count_entries(const char* dir) {
  int n = 0;
#ifdef _WIN32
  WIN32_FIND_DATAA e;
  HANDLE h;
  size_t len = strlen(dir) + 3;
  char* pattern = (char*)malloc(len);
  if (pattern == NULL) return -1;
  snprintf(pattern, len, "%s\\*", dir);
  h = FindFirstFileA(pattern, &e);
  free(pattern);
  if (h == INVALID_HANDLE_VALUE) return -1;
  do {
    if (strcmp(e.cFileName, ".") != 0 && strcmp(e.cFileName, "..") != 0) ++n;
  } while (FindNextFileA(h, &e));
  FindClose(h);
#else
  DIR* d = opendir(dir);
  struct dirent* e;
  if (d == NULL) return -1;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) ++n;
  closedir(d);
#endif
  return n;
}

/* malloc-ed file:// URL of an absolute path: file:///x/y, or on Windows
 * file:///C:/x/y (backslashes turned into slashes). */
static inline char* file_url(const char* path) {
  size_t n = strlen(path) + 9;
  char* url = (char*)malloc(n);
  char* p;
  if (url == NULL) return NULL;
  snprintf(url, n, "file://%s%s", path[0] == '/' ? "" : "/", path);
  for (p = url; *p != '\0'; ++p)
    if (*p == '\\') *p = '/';
  return url;
}

/* --- the loopback HTTP server (tests/c_abi/with_http_server.sh) ------------
 * AF_C_TEST_HTTP_URL: its base URL (http://127.0.0.1:PORT); AF_C_TEST_HTTP_ROOT:
 * the folder it serves, as this program names it (Z:/tmp/... under Wine);
 * AF_C_TEST_HTTP_LOG: its access log, one "METHOD URI RANGE STATUS BYTES" line
 * per request. Without them the tests use file:// URLs. */

static inline const char* http_env_(const char* name) {
  const char* v = getenv(name);
  return v != NULL && *v != '\0' ? v : NULL;
}

static inline int have_http_server(void) {
  return http_env_("AF_C_TEST_HTTP_URL") != NULL && http_env_("AF_C_TEST_HTTP_ROOT") != NULL;
}

/* Writes `data` as a source file named `name` and returns its malloc-ed URL:
 * in a new folder on the HTTP server when there is one (http://...), else in
 * `dir` (file://...). *path_out (when not NULL) gets the file's malloc-ed path. */
static inline char* publish(const char* dir, const char* name, const unsigned char* data,
                            size_t size, char** path_out) {
  char* folder = have_http_server() ? make_temp_dir_in(http_env_("AF_C_TEST_HTTP_ROOT"), "src")
                                    : NULL;
  char* path = join_path(folder != NULL ? folder : dir, name);
  char* url = NULL;
  if (path != NULL && write_file(path, data, size)) {
    if (folder != NULL) {
      /* The served folder's own name is the last component of `folder`. */
      const char* leaf = folder + strlen(folder);
      size_t n;
      while (leaf > folder && leaf[-1] != '/' && leaf[-1] != '\\') --leaf;
      n = strlen(http_env_("AF_C_TEST_HTTP_URL")) + strlen(leaf) + strlen(name) + 3;
      url = (char*)malloc(n);
      if (url != NULL) snprintf(url, n, "%s/%s/%s", http_env_("AF_C_TEST_HTTP_URL"), leaf, name);
    } else {
      url = file_url(path);
    }
  }
  free(folder);
  if (path_out != NULL) *path_out = path;
  else free(path);
  return url;
}

/* Lines of the server's access log containing every one of `a`, `b` and
 * `c` (NULL: no condition); waits up to 2 s for at least `at_least` of them,
 * since nginx logs a request after the client has its answer. -1 without a log. */
static inline int http_log_count(const char* a, const char* b, const char* c, int at_least) {
  const char* log = http_env_("AF_C_TEST_HTTP_LOG");
  int tries, n = -1;
  if (log == NULL) return -1;
  for (tries = 0; tries < 40; ++tries) {
    size_t size = 0;
    unsigned char* text = read_file(log, &size);
    char* line;
    char* next;
    n = 0;
    if (text != NULL) {
      unsigned char* bigger = (unsigned char*)realloc(text, size + 1);
      if (bigger == NULL) {
        free(text);
        return -1;
      }
      text = bigger;
      text[size] = '\0';
      for (line = (char*)text; line != NULL && *line != '\0'; line = next) {
        next = strchr(line, '\n');
        if (next != NULL) *next++ = '\0';
        if ((a == NULL || strstr(line, a) != NULL) && (b == NULL || strstr(line, b) != NULL) &&
            (c == NULL || strstr(line, c) != NULL))
          ++n;
      }
      free(text);
    }
    if (n >= at_least) break;
    sleep_ms(50);
  }
  return n;
}

#endif /* ASSETFETCH_TESTS_C_ABI_C_TEST_UTIL_H */
