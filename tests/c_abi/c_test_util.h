/*
 * Helpers shared by the C ABI tests (plain C11 + POSIX): a CHECK macro that
 * prints which check failed and counts failures, temporary directories and
 * small file helpers. The tests are plain programs: they print every failed
 * check and return non-zero when any failed.
 */
#ifndef ASSETFETCH_TESTS_C_ABI_C_TEST_UTIL_H
#define ASSETFETCH_TESTS_C_ABI_C_TEST_UTIL_H

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* A new directory under $TMPDIR (or /tmp); the caller frees the result. */
static inline char* make_temp_dir(const char* tag) {
  const char* base = getenv("TMPDIR");
  size_t n;
  char* path;
  if (base == NULL || *base == '\0') base = "/tmp";
  n = strlen(base) + strlen(tag) + 16;
  path = (char*)malloc(n);
  if (path == NULL) return NULL;
  snprintf(path, n, "%s/%s-XXXXXX", base, tag);
  if (mkdtemp(path) == NULL) {
    free(path);
    return NULL;
  }
  return path;
}

static inline int remove_one_(const char* path, const struct stat* st, int flag, struct FTW* ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static inline void remove_tree(const char* path) {
  if (path != NULL) nftw(path, remove_one_, 16, FTW_DEPTH | FTW_PHYS);
}

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
  DIR* d = opendir(dir);
  struct dirent* e;
  int n = 0;
  if (d == NULL) return -1;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) ++n;
  closedir(d);
  return n;
}

/* malloc-ed "file://" + absolute path. */
static inline char* file_url(const char* path) {
  size_t n = strlen(path) + 8;
  char* url = (char*)malloc(n);
  if (url != NULL) snprintf(url, n, "file://%s", path);
  return url;
}

#endif /* ASSETFETCH_TESTS_C_ABI_C_TEST_UTIL_H */
