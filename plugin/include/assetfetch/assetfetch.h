/*
 * assetfetch.h: the C ABI of libassetfetch (the "plugin").
 *
 * What it is
 *   A job is a named batch of files that are fetched and then completed
 *   together, after Microsoft BITS' download model (docs/ABI.md, and
 *   bits-model.md in the design notes). You create a job, add files to it
 *   (candidate URLs, a local path, the expected hash, optional byte ranges),
 *   resume it, wait for it, then complete it. complete() renames every
 *   verified file to its local path. Nothing appears at a local path before
 *   that. Cancelling a job removes its temporaries.
 *
 * Rules of this header (they never change within ABI version 1)
 *   - Handles are opaque: af_job and af_file are distinct incomplete types.
 *     An af_file belongs to its af_job and is valid until that job is
 *     destroyed. Never free an af_file yourself.
 *   - Every function returning af_code returns AF_OK (0) on success. On
 *     failure it returns another code, and af_job_last_error_message() on the
 *     same job gives a sentence saying what failed and why.
 *   - Handles: a NULL handle gives AF_E_BAD_HANDLE. So does a handle already
 *     destroyed, on a best-effort basis; debug builds of the library assert
 *     on a non-NULL stale handle, because that is a bug in the caller.
 *   - NULL arguments: only the arguments documented "may be NULL" accept
 *     NULL. Any other NULL pointer gives AF_E_INVALID_ARG. Output arguments
 *     are written only on AF_OK.
 *   - Strings passed in are NUL-terminated UTF-8. They are copied before the
 *     call returns, so the caller may free or reuse them at once. The same
 *     holds for arrays passed in (URL lists, ranges, option and callback
 *     structs).
 *   - Memory: everything the library allocates for the caller (strings,
 *     range arrays, error records) is released with af_free(). Static strings
 *     (af_version, af_strerror, af_state_name, af_cause_name) are never freed.
 *   - Structs the caller passes in (af_job_options, af_callbacks,
 *     af_progress) start with `size_t struct_size`, which the caller sets to
 *     sizeof(the struct) as it knows it. Fields are only ever appended, so the
 *     library reads or writes only the fields that fit in struct_size. Fields
 *     the caller's struct lacks take their defaults. A struct larger than the
 *     library knows is accepted only when the extra bytes are all zero;
 *     otherwise the call gives AF_E_INVALID_ARG.
 *   - No C++ exception ever leaves the library. Callbacks must not throw or
 *     longjmp out of the library either.
 *
 * Thread safety
 *   Every function may be called from any thread. Several threads may use
 *   the same job at once, except af_job_destroy(), which must not run while
 *   another call on that job (or one of its files) is in progress.
 *   Callbacks run on the job's transfer thread, with no lock of the library
 *   held: a callback may wait for another thread that calls the job's
 *   getters. Inside a callback, the
 *   getters of the same job and its files may be called (af_job_get_*,
 *   af_file_get_*, af_file_is_completed, af_job_last_error_message). Every
 *   other call on that job returns AF_E_RECURSIVE_API_CALL. Calls on other
 *   jobs are allowed.
 *
 * Versions
 *   AF_VERSION_* give the version of this header at compile time, and
 *   af_version() the version of the library at run time. The ABI major
 *   version is the shared library's SOVERSION (libassetfetch.so.1). A host
 *   that dlopen()s the library looks up af_get_api() and calls every function
 *   through the returned table.
 */
#ifndef ASSETFETCH_ASSETFETCH_H
#define ASSETFETCH_ASSETFETCH_H

#include <stddef.h>
#include <stdint.h>

/* AF_API marks the exported functions. Only af_* symbols are exported; the
 * rest of the library is hidden (-fvisibility=hidden plus a version script). */
#if defined(AF_STATIC)
#define AF_API
#elif defined(_WIN32)
#if defined(AF_BUILDING_LIBRARY)
#define AF_API __declspec(dllexport)
#else
#define AF_API __declspec(dllimport)
#endif
#elif defined(AF_BUILDING_LIBRARY) && defined(__GNUC__) && __GNUC__ >= 4
#define AF_API __attribute__((visibility("default")))
#else
#define AF_API
#endif

#define AF_VERSION_MAJOR 0
#define AF_VERSION_MINOR 1
#define AF_VERSION_PATCH 0
#define AF_VERSION_STRING "0.1.0"
/* 0xXXYYZZ: major, minor, patch, one byte each (0.1.0 is 0x000100). */
#define AF_VERSION_NUM \
  ((AF_VERSION_MAJOR << 16) | (AF_VERSION_MINOR << 8) | AF_VERSION_PATCH)
/* True when this header is version x.y.z or later. */
#define AF_AT_LEAST_VERSION(x, y, z) \
  (AF_VERSION_NUM >= (((x) << 16) | ((y) << 8) | (z)))

/* The ABI version that af_get_api() takes. */
#define AF_ABI_VERSION_1 1u

/* BITS' BG_LENGTH_TO_EOF: a range that runs to the end of the remote file. */
#define AF_LENGTH_TO_EOF (~(uint64_t)0)

/* The longest URL af_file_set_remote_name() and af_job_add_file() accept. */
#define AF_MAX_URL_LENGTH 2200

#ifdef __cplusplus
extern "C" {
#endif

typedef struct af_job af_job;
typedef struct af_file af_file;

/* Result codes. Append-only: a value never changes meaning or number, and an
 * obsolete one keeps its slot. */
typedef enum af_code {
  AF_OK = 0,                   /* 0 */
  AF_E_BAD_HANDLE = 1,         /* 1: NULL, destroyed or foreign handle */
  AF_E_INVALID_ARG = 2,        /* 2: bad argument: NULL, malformed hash, URL too long, zero ranges... */
  AF_E_INVALID_RANGE = 3,      /* 3: EOF offset, zero length, reaching past 2^63 - 1, or past the end of the remote file */
  AF_E_OVERLAPPING_RANGES = 4, /* 4: two ranges overlap or share an offset */
  AF_E_TOO_MANY_RANGES = 5,    /* 5: more ranges than the per-file cap */
  AF_E_HASH_MISMATCH = 6,      /* 6: every candidate delivered bytes that failed verification */
  AF_E_UNAVAILABLE = 7,        /* 7: not found or unreachable on every candidate */
  AF_E_OFFLINE_MISS = 8,       /* 8: offline (or origin blocked) and not available locally */
  AF_E_STATE = 9,              /* 9: not allowed in the job's state (e.g. cancelled) */
  AF_E_NOT_FINISHED = 10,      /* 10: complete() with unfinished files; the finished ones were completed */
  AF_E_TIMEOUT = 11,           /* 11: af_job_wait() timed out */
  AF_E_RECURSIVE_API_CALL = 12, /* 12: call on a job from inside one of its callbacks */
  AF_E_NOMEM = 13,             /* 13: out of memory */
  AF_E_INTERNAL = 14,          /* 14: anything else (local I/O error, bug); see the message */
  AF_E_LAST                    /* never use: grows as codes are appended */
} af_code;

/* Job states, after BG_JOB_STATE. Append-only. */
typedef enum af_job_state {
  AF_STATE_QUEUED = 0,          /* 0: resumed, waiting for its turn */
  AF_STATE_CONNECTING = 1,      /* 1 */
  AF_STATE_TRANSFERRING = 2,    /* 2 */
  AF_STATE_SUSPENDED = 3,       /* 3: new jobs start here; af_job_resume() starts them */
  AF_STATE_ERROR = 4,           /* 4: needs the caller: fix the cause and resume, or cancel */
  AF_STATE_TRANSIENT_ERROR = 5, /* 5: will be retried by itself */
  AF_STATE_TRANSFERRED = 6,     /* 6: every file received and verified; call af_job_complete() */
  AF_STATE_ACKNOWLEDGED = 7,    /* 7: completed: files are at their local paths */
  AF_STATE_CANCELLED = 8,       /* 8 */
  AF_STATE_LAST                 /* never use */
} af_job_state;

/* What an error was about (BITS' error context, plus its cause). Append-only. */
typedef enum af_cause {
  AF_CAUSE_NONE = 0,              /* 0 */
  AF_CAUSE_HTTP_STATUS = 1,       /* 1: see http_status */
  AF_CAUSE_TRANSPORT = 2,         /* 2: connect, reset, timeout, TLS */
  AF_CAUSE_HASH_MISMATCH = 3,     /* 3 */
  AF_CAUSE_RANGE_UNSUPPORTED = 4, /* 4: no candidate honours Range */
  AF_CAUSE_RANGE_INVALID = 5,     /* 5: range past the end of the remote file */
  AF_CAUSE_SIZE_MISMATCH = 6,     /* 6 */
  AF_CAUSE_OFFLINE_MISS = 7,      /* 7 */
  AF_CAUSE_LOCAL_FILE = 8,        /* 8: reading or writing a local file */
  AF_CAUSE_LAST                   /* never use */
} af_cause;

/* BITS' BG_FILE_RANGE. length may be AF_LENGTH_TO_EOF; offset may not. */
typedef struct af_range {
  uint64_t offset;
  uint64_t length;
} af_range;

/* A range with its own hash (added in 0.2), for
 * af_job_add_file_with_ranges2(). Its layout never changes, as af_range's. */
typedef struct af_range2 {
  uint64_t offset;
  uint64_t length;    /* may be AF_LENGTH_TO_EOF */
  const char* sha256; /* may be NULL (no hash of its own); else 64 hex digits */
} af_range2;

/* Flags of af_job_add_file_with_ranges2() (added in 0.2). */
/* Sparse layout: the local file has the remote file's size, each range is
 * written at its own offset, and the bytes outside the ranges are holes
 * (read as zeros). Without it, ranges are written one after another. */
#define AF_ADD_SPARSE 0x1u

/* Progress of a job or of one file. Caller-allocated: set struct_size. */
typedef struct af_progress {
  size_t struct_size;
  uint64_t bytes_total;       /* valid only when bytes_total_known */
  int bytes_total_known;      /* 0 until the size is known */
  uint64_t bytes_transferred;
  uint32_t files_total;
  uint32_t files_transferred;
} af_progress;

/* An error record: which file, which URL, why. Allocated by the library
 * (release with af_free) or, in the error callback, valid during the call.
 * The strings live inside the same allocation; they are "" when empty. */
typedef struct af_error_info {
  size_t struct_size;  /* set by the library: read newer fields only if they fit */
  af_code code;        /* AF_OK when there is no error */
  af_cause cause;
  long http_status;    /* 0 when not an HTTP status */
  const char* file;    /* the asset (file) name */
  const char* url;     /* the URL, credentials redacted */
  const char* message; /* what failed, where, why, and what to do */
} af_error_info;

/* How a job behaves. Fill with af_job_options_init(), then change fields. */
typedef struct af_job_options {
  size_t struct_size;
  /* Local cache directory. NULL: $ASSETFETCH_CACHE_DIR, else
   * $XDG_CACHE_HOME/assetfetch, else ~/.cache/assetfetch. "": no cache. */
  const char* cache_dir;
  int offline;                         /* non-zero: no network at all; ASSETFETCH_OFFLINE=1 (or true, yes, on) also sets it */
  int retry_attempts;                  /* per candidate; default 3 */
  unsigned long backoff_ms;            /* first retry delay, doubled each time; default 250 */
  unsigned long no_progress_timeout_s; /* default 30 */
  int tls_verify;                      /* default 1 */
  const char* ca_file;                 /* may be NULL: the system store */
  /* Files fetched at once. 0 (the default since 0.2; 8 in 0.1): automatic, up
   * to 8 over HTTP/1.1 and 32 once a server multiplexes (HTTP/2). N >= 1:
   * at most N (a 0.1 caller that keeps the old default 8 gets 8). Negative:
   * AF_E_INVALID_ARG. */
  int max_parallel_files;
  /* added in 0.2 */
  /* A mirror config file (schemas/assetfetch-config.schema.json): sources,
   * rewrites, fallback mirrors, block_origin, retry, tls, cache_dir...
   * NULL (default): none; $ASSETFETCH_CONFIG is not read. A file that does
   * not load makes af_job_create() fail with AF_E_INVALID_ARG. Precedence:
   * a non-NULL cache_dir, then $ASSETFETCH_CACHE_DIR, then the config's
   * cache_dir; offline and require_verified_ranges are on when either side
   * sets them; retry_attempts, backoff_ms, no_progress_timeout_s, tls_verify
   * and ca_file take the config's value while they hold their
   * af_job_options_init() defaults. The config's "max_connections" (at
   * most N connections for one file; 1: one stream, never segmented) is
   * how a C caller sets that limit: this struct has no field for it. */
  const char* config_file;
  /* Non-zero: af_job_add_file*() accept hash_algo == hash_hex == NULL; such a
   * file is delivered unverified and never cached (the CLI's --no-verify).
   * Default 0. */
  int allow_unverified;
  /* Non-zero: a range without its own sha256 must be cut from the verified
   * whole file (the file's hash is then required); one that cannot be fails
   * the job with AF_E_INVALID_ARG. Default 0. The config key of the same
   * name also sets it. */
  int require_verified_ranges;
} af_job_options;

/* Callbacks. Any pointer may be NULL. They run on the job's transfer thread
 * (see "Thread safety" above); the af_progress and af_error_info pointers are
 * valid only during the call. */
typedef void (*af_transferred_fn)(af_job* job, af_file* file, void* user_data);
typedef void (*af_error_fn)(af_job* job, const af_error_info* error, void* user_data);
typedef void (*af_progress_fn)(af_job* job, af_file* file, const af_progress* progress,
                               void* user_data);

/* One try at one URL (added in 0.2): the CLI's `attempt` JSON event. Lent
 * to the attempt callback, valid only during the call; the strings are ""
 * when empty. Read fields added later only when struct_size covers them. */
typedef struct af_attempt_info {
  size_t struct_size;       /* set by the library */
  const char* asset;        /* the file's name (last part of its local path) */
  const char* url;          /* credentials redacted */
  const char* range;        /* the Range header's value as sent ("bytes=N-M"), "" for none */
  long http_status;         /* 0 when not HTTP */
  uint64_t bytes;           /* bytes received in this attempt */
  double duration_s;
  const char* outcome;      /* "ok"; "retry" (transient, same URL after a backoff);
                               "failover" (next candidate); "restart" (same URL from
                               byte 0: it serves another version than the kept bytes);
                               "redirect" (followed, one hop); "mismatch" (bytes did not
                               match the hash, dropped); "failed" (the file fails) */
  const char* retry_reason; /* why a transient failure happened, "" otherwise */
} af_attempt_info;

typedef void (*af_attempt_fn)(af_job* job, const af_attempt_info* attempt, void* user_data);
/* The file moves on from one candidate URL to the next (both redacted). */
typedef void (*af_failover_fn)(af_job* job, af_file* file, const char* from_url,
                               const char* to_url, const char* reason, void* user_data);
/* Something the caller should know that did not fail the file (a corrupt
 * cache object replaced, a failed write-back, a source without ranges...). */
typedef void (*af_warning_fn)(af_job* job, const char* asset, const char* message,
                              void* user_data);

typedef struct af_callbacks {
  size_t struct_size;
  af_transferred_fn transferred; /* a file was received and verified (not yet completed) */
  af_error_fn error;             /* the job went into the error or transient error state */
  af_progress_fn progress;       /* bytes arrived for a file */
  /* added in 0.2 */
  af_attempt_fn attempt;         /* one try at one URL ended */
  af_failover_fn failover;       /* a file moves on to its next candidate */
  af_warning_fn warning;         /* a warning about a file */
} af_callbacks;

/* --- Library ------------------------------------------------------------ */

/* The library's version, e.g. "0.1.0". Static string. */
AF_API const char* af_version(void);
/* A short static description of a code; unknown codes give "unknown error code". */
AF_API const char* af_strerror(af_code code);
/* "queued", "transferring", ...; static string. */
AF_API const char* af_state_name(af_job_state state);
/* "none", "http_status", ...; static string. */
AF_API const char* af_cause_name(af_cause cause);
/* Releases anything the library allocated for the caller. NULL is a no-op. */
AF_API void af_free(void* ptr);

/* --- Jobs --------------------------------------------------------------- */

/* Sets struct_size = sizeof(af_job_options) and every field to its default. */
AF_API void af_job_options_init(af_job_options* options);

/* Creates a suspended job. name: non-empty, at most 200 bytes, not "." or
 * "..", no '/', '\\' or control character; a job
 * of the same name left in the cache (its record, <cache>/jobs/<name>.json)
 * by an earlier job that did not complete — destroyed, or in a process that
 * was killed — gets its files back (af_job_get_file_count counts them) and
 * resumes where it stopped. options may be NULL (defaults). A bad
 * ASSETFETCH_OFFLINE or ASSETFETCH_SERVICE value gives AF_E_INVALID_ARG.
 * With ASSETFETCH_SERVICE=auto (or the config's "service": "auto") the
 * background service fetches the job's files into the cache first
 * (docs/ABI.md); complete and cancel are unchanged. */
AF_API af_code af_job_create(const char* name, const af_job_options* options, af_job** job);
/* Stops the job's transfers and releases the handle and its files. Neither
 * completes nor cancels: an unfinished job can be resumed by a later
 * af_job_create() of the same name. NULL gives AF_E_BAD_HANDLE and does
 * nothing. */
AF_API af_code af_job_destroy(af_job* job);

/* Adds a whole file. urls: n_urls >= 1 candidate URLs, origin first (http,
 * https, file), each at most AF_MAX_URL_LENGTH characters; with a mirror
 * config (af_job_options.config_file) its sources, rewrites and fallback
 * mirrors join them, as on the command line. local_path: the destination; a
 * relative path is made absolute now. hash_algo: "sha256" or "sha512" (either
 * case); hash_hex: its hex digest (either case); both may be NULL when the
 * job allows unverified files (added in 0.2). file may be NULL. */
AF_API af_code af_job_add_file(af_job* job, const char* const* urls, size_t n_urls,
                               const char* local_path, const char* hash_algo,
                               const char* hash_hex, af_file** file);
/* Adds a file of byte ranges, written one after another to local_path in the
 * order given (BITS' AddFileWithRanges). The hash names the WHOLE remote file.
 * Checked before any request: n_ranges == 0 gives AF_E_INVALID_ARG, an EOF
 * offset, zero length or a range reaching past 2^63 - 1 AF_E_INVALID_RANGE,
 * overlapping ranges or two at one offset AF_E_OVERLAPPING_RANGES. Nothing
 * is created on disk on failure. */
AF_API af_code af_job_add_file_with_ranges(af_job* job, const char* const* urls, size_t n_urls,
                                           const char* local_path, const char* hash_algo,
                                           const char* hash_hex, const af_range* ranges,
                                           size_t n_ranges, af_file** file);
/* Added in 0.2: af_job_add_file_with_ranges() with a hash per range and
 * flags (AF_ADD_SPARSE). The same rules, plus: a range's sha256 must be 64
 * hex digits (AF_E_INVALID_ARG); unknown flag bits give AF_E_INVALID_ARG. A
 * range with its own hash is verified against it, and a mismatch on every
 * candidate fails the job with AF_E_HASH_MISMATCH. A range without one is
 * verified when it is cut from the verified whole file, else delivered
 * unverified (see require_verified_ranges and af_file_is_verified). hash_algo
 * and hash_hex name the WHOLE remote file; both may be NULL only when the job
 * was created with allow_unverified. */
AF_API af_code af_job_add_file_with_ranges2(af_job* job, const char* const* urls, size_t n_urls,
                                            const char* local_path, const char* hash_algo,
                                            const char* hash_hex, const af_range2* ranges,
                                            size_t n_ranges, unsigned flags, af_file** file);
/* The job's files, in the order added (including files restored from an
 * earlier process). */
AF_API af_code af_job_get_file_count(const af_job* job, size_t* count);
AF_API af_code af_job_get_file(const af_job* job, size_t index, af_file** file);

/* Replaces the callbacks. callbacks may be NULL (removes them all). */
AF_API af_code af_job_set_callbacks(af_job* job, const af_callbacks* callbacks, void* user_data);

/* Starts or continues the transfers (also after an error). */
AF_API af_code af_job_resume(af_job* job);
/* Stops the transfers; bytes received are kept. */
AF_API af_code af_job_suspend(af_job* job);
/* Blocks until the job is transferred, in error, suspended, cancelled or
 * acknowledged: AF_OK. timeout_ms < 0 waits for ever; when the time runs out
 * first: AF_E_TIMEOUT. state may be NULL; it receives the state either way. */
AF_API af_code af_job_wait(af_job* job, long timeout_ms, af_job_state* state);
/* Renames every verified file to its local path (atomically, one by one)
 * and acknowledges the job. AF_E_NOT_FINISHED when some files were not
 * finished: as BITS' partial Complete, the finished ones become visible, the
 * others' temporaries are dropped, and the job is acknowledged all the same.
 * AF_E_STATE on a cancelled or acknowledged job. */
AF_API af_code af_job_complete(af_job* job);
/* Stops the job and removes every temporary. AF_E_STATE when already
 * cancelled or acknowledged. */
AF_API af_code af_job_cancel(af_job* job);
/* Added in 0.2. Write-back uploads (to writable sources: HTTP caches, Azure
 * Blob, S3) run on the library's background threads after a file is
 * verified; a host that exits without waiting may cut them short. Blocks
 * until every upload started in this process (by any job) has finished, or
 * timeout_ms passed (< 0: no limit). Each failed or skipped upload is reported
 * through this job's warning callback, on the calling thread, before it
 * returns. AF_OK when none is left running (a failed upload is a warning, not
 * an error); AF_E_TIMEOUT when some are still running. unfinished may be NULL;
 * it receives how many were still queued or running. */
AF_API af_code af_job_wait_uploads(af_job* job, long timeout_ms, size_t* unfinished);

AF_API af_code af_job_get_state(const af_job* job, af_job_state* state);
AF_API af_code af_job_get_progress(const af_job* job, af_progress* progress);
/* The job's error (code AF_OK when none). Release *error with af_free(). */
AF_API af_code af_job_get_error(const af_job* job, af_error_info** error);
/* The message of the latest call on this job, or one of its files, that
 * failed; "" when none did. With job == NULL: the message of this thread's
 * latest failed call that had no valid job (af_job_create, bad handles).
 * Never NULL. Valid until this thread's next call into the library. */
AF_API const char* af_job_last_error_message(const af_job* job);

/* --- Files -------------------------------------------------------------- */

/* BITS' SetRemoteName: the file's next attempt uses url, keeping the bytes
 * already received when the new server can resume them. An empty URL or one
 * longer than AF_MAX_URL_LENGTH gives AF_E_INVALID_ARG; a cancelled or
 * acknowledged job AF_E_STATE. */
AF_API af_code af_file_set_remote_name(af_file* file, const char* url);
/* The URL in use. Release *url with af_free(). */
AF_API af_code af_file_get_remote_name(const af_file* file, char** url);
/* The destination, absolute. Release *path with af_free(). */
AF_API af_code af_file_get_local_name(const af_file* file, char** path);
/* GetFileRanges: exactly the ranges the file was added with. A whole-file
 * download gives *count = 0 and *ranges = NULL. Release *ranges with af_free(). */
AF_API af_code af_file_get_ranges(const af_file* file, af_range** ranges, size_t* count);
/* GetFilledFileRanges: the remote byte ranges already on disk. Release
 * *ranges with af_free() (NULL when *count is 0). */
AF_API af_code af_file_get_filled_ranges(const af_file* file, af_range** ranges, size_t* count);
AF_API af_code af_file_get_progress(const af_file* file, af_progress* progress);
/* *completed = 1 once the file is received and verified. */
AF_API af_code af_file_is_completed(const af_file* file, int* completed);
/* The file's last error (code AF_OK when none). Release *error with af_free(). */
AF_API af_code af_file_get_error(const af_file* file, af_error_info** error);
/* Added in 0.2. *verified = 1 once the file was received and its bytes were
 * verified: against the whole file's hash, or each range against its own
 * hash or the verified whole file. 0 before that, and for a file delivered
 * unverified (allow_unverified, or a range with no way to verify it). */
AF_API af_code af_file_is_verified(const af_file* file, int* verified);

/* --- Entry point for hosts that dlopen() the library --------------------- */

/* Version 1 of the function table. Fields are only ever appended, each with
 * the version that added it: check `size` before using a field added after
 * the version you compiled against. */
typedef struct af_api_v1 {
  size_t size; /* sizeof(af_api_v1) as the library knows it */
  /* added in 0.1 */
  const char* (*version)(void);
  const char* (*strerror)(af_code code);
  const char* (*state_name)(af_job_state state);
  const char* (*cause_name)(af_cause cause);
  void (*free)(void* ptr);
  void (*job_options_init)(af_job_options* options);
  af_code (*job_create)(const char* name, const af_job_options* options, af_job** job);
  af_code (*job_destroy)(af_job* job);
  af_code (*job_add_file)(af_job* job, const char* const* urls, size_t n_urls,
                          const char* local_path, const char* hash_algo, const char* hash_hex,
                          af_file** file);
  af_code (*job_add_file_with_ranges)(af_job* job, const char* const* urls, size_t n_urls,
                                      const char* local_path, const char* hash_algo,
                                      const char* hash_hex, const af_range* ranges,
                                      size_t n_ranges, af_file** file);
  af_code (*job_get_file_count)(const af_job* job, size_t* count);
  af_code (*job_get_file)(const af_job* job, size_t index, af_file** file);
  af_code (*job_set_callbacks)(af_job* job, const af_callbacks* callbacks, void* user_data);
  af_code (*job_resume)(af_job* job);
  af_code (*job_suspend)(af_job* job);
  af_code (*job_wait)(af_job* job, long timeout_ms, af_job_state* state);
  af_code (*job_complete)(af_job* job);
  af_code (*job_cancel)(af_job* job);
  af_code (*job_get_state)(const af_job* job, af_job_state* state);
  af_code (*job_get_progress)(const af_job* job, af_progress* progress);
  af_code (*job_get_error)(const af_job* job, af_error_info** error);
  const char* (*job_last_error_message)(const af_job* job);
  af_code (*file_set_remote_name)(af_file* file, const char* url);
  af_code (*file_get_remote_name)(const af_file* file, char** url);
  af_code (*file_get_local_name)(const af_file* file, char** path);
  af_code (*file_get_ranges)(const af_file* file, af_range** ranges, size_t* count);
  af_code (*file_get_filled_ranges)(const af_file* file, af_range** ranges, size_t* count);
  af_code (*file_get_progress)(const af_file* file, af_progress* progress);
  af_code (*file_is_completed)(const af_file* file, int* completed);
  af_code (*file_get_error)(const af_file* file, af_error_info** error);
  /* added in 0.2 */
  af_code (*job_add_file_with_ranges2)(af_job* job, const char* const* urls, size_t n_urls,
                                       const char* local_path, const char* hash_algo,
                                       const char* hash_hex, const af_range2* ranges,
                                       size_t n_ranges, unsigned flags, af_file** file);
  af_code (*file_is_verified)(const af_file* file, int* verified);
  af_code (*job_wait_uploads)(af_job* job, long timeout_ms, size_t* unfinished);
} af_api_v1;

/* The function table for abi_version (AF_ABI_VERSION_1), or NULL for a
 * version this library does not provide. The table is static and const. */
AF_API const af_api_v1* af_get_api(unsigned abi_version);
typedef const af_api_v1* (*af_get_api_fn)(unsigned abi_version);

#ifdef __cplusplus
}
#endif

#endif /* ASSETFETCH_ASSETFETCH_H */
