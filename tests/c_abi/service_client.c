/*
 * One library job in a process of its own, for the background service's
 * tests (tests/integration/service_lib_test.cpp): the C ABI as a host uses
 * it, with ASSETFETCH_SERVICE, XDG_RUNTIME_DIR and ASSETFETCH_CACHE_DIR from
 * the environment.
 *
 *   service_client MODE NAME CA_FILE URL SHA256 DEST [URL SHA256 DEST]...
 *
 * MODE: complete (resume, wait, complete), cancel (resume, wait, cancel) or
 * suspend (resume; once the job reports 512 KiB, suspend, resume, wait,
 * complete; prints how long the suspend took).
 * CA_FILE "-" for none; $AF_SERVICE_CLIENT_CONFIG, when set, is the job's
 * config_file. Prints what the test checks, one "key=value" a line:
 * the job's state after the wait, whether any destination existed before
 * complete or cancel, what the first callback's af_job_suspend() returned
 * (AF_E_RECURSIVE_API_CALL), how many attempts and progress events the
 * callbacks saw, and the code of complete or cancel. Exits 0 when that code
 * is AF_OK.
 */
#define _XOPEN_SOURCE 700

#include "assetfetch/assetfetch.h"

#include <stdio.h>
#include <string.h>

#include "c_test_util.h"

struct seen {
  int attempts;
  int progress;
  int recursive; /* af_job_suspend() from inside a callback; -1 before */
};

static void on_attempt(af_job* job, const af_attempt_info* a, void* user) {
  struct seen* s = (struct seen*)user;
  (void)a;
  ++s->attempts;
  if (s->recursive < 0) s->recursive = (int)af_job_suspend(job);
}

static void on_progress(af_job* job, af_file* f, const af_progress* p, void* user) {
  struct seen* s = (struct seen*)user;
  (void)f;
  (void)p;
  ++s->progress;
  if (s->recursive < 0) s->recursive = (int)af_job_suspend(job);
}

static long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long)t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* Suspends the running job once it has 512 KiB (at most 10 s of polling),
 * then resumes it. */
static void suspend_mid_way(af_job* job) {
  af_progress p;
  long started;
  int i;
  af_code rc;
  for (i = 0; i < 1000; ++i) {
    memset(&p, 0, sizeof p);
    p.struct_size = sizeof p;
    if (af_job_get_progress(job, &p) == AF_OK && p.bytes_transferred >= (512u << 10)) break;
    sleep_ms(10);
  }
  started = now_ms();
  rc = af_job_suspend(job);
  printf("suspend=%d\nsuspend_ms=%ld\nbytes_at_suspend=%lu\n", (int)rc, now_ms() - started,
         (unsigned long)p.bytes_transferred);
  af_job_resume(job);
}

static int any_exists(char** argv, int n) {
  int i;
  for (i = 0; i < n; ++i)
    if (path_exists(argv[4 + 3 * i + 2])) return 1;
  return 0;
}

int main(int argc, char** argv) {
  af_job_options o;
  af_callbacks cb;
  af_job* job = NULL;
  af_job_state state = AF_STATE_QUEUED;
  struct seen s = {0, 0, -1};
  af_code rc;
  int n, i, cancel;
  if (argc < 7 || (argc - 4) % 3 != 0) {
    fprintf(stderr, "usage: %s complete|cancel|suspend NAME CA_FILE URL SHA256 DEST...\n", argv[0]);
    return 2;
  }
  cancel = strcmp(argv[1], "cancel") == 0;
  n = (argc - 4) / 3;
  af_job_options_init(&o);
  if (strcmp(argv[3], "-") != 0) o.ca_file = argv[3];
  if (getenv("AF_SERVICE_CLIENT_CONFIG") != NULL && *getenv("AF_SERVICE_CLIENT_CONFIG") != '\0')
    o.config_file = getenv("AF_SERVICE_CLIENT_CONFIG");
  rc = af_job_create(argv[2], &o, &job);
  if (rc != AF_OK) {
    printf("create=%d\nmessage=%s\n", (int)rc, af_job_last_error_message(NULL));
    return 1;
  }
  memset(&cb, 0, sizeof cb);
  cb.struct_size = sizeof cb;
  cb.attempt = on_attempt;
  cb.progress = on_progress;
  af_job_set_callbacks(job, &cb, &s);
  for (i = 0; i < n; ++i) {
    const char* url = argv[4 + 3 * i];
    rc = af_job_add_file(job, &url, 1, argv[4 + 3 * i + 2], "sha256", argv[4 + 3 * i + 1], NULL);
    if (rc != AF_OK) {
      printf("add=%d\nmessage=%s\n", (int)rc, af_job_last_error_message(job));
      return 1;
    }
  }
  af_job_resume(job);
  if (strcmp(argv[1], "suspend") == 0) suspend_mid_way(job);
  af_job_wait(job, -1, &state);
  printf("state=%s\n", af_state_name(state));
  printf("before=%s\n", any_exists(argv, n) ? "present" : "absent");
  rc = cancel ? af_job_cancel(job) : af_job_complete(job);
  printf("%s=%d\n", cancel ? "cancel" : "complete", (int)rc);
  if (rc != AF_OK) printf("message=%s\n", af_job_last_error_message(job));
  printf("recursive=%d\nattempts=%d\nprogress=%d\n", s.recursive, s.attempts, s.progress);
  af_job_destroy(job);
  return rc == AF_OK ? 0 : 1;
}
