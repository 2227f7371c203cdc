/* Built against an unpacked release archive: the installed header, the
 * installed libassetfetch. Usage: consumer CACHE_DIR. Prints the library's
 * version; exits non-zero on any mismatch. */
#include <assetfetch/assetfetch.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char** argv) {
  af_job_options options;
  af_job* job = NULL;
  af_code code;
  if (argc != 2) {
    fprintf(stderr, "usage: consumer CACHE_DIR\n");
    return 2;
  }
  if (strcmp(af_version(), AF_VERSION_STRING) != 0) {
    fprintf(stderr, "header %s, library %s\n", AF_VERSION_STRING, af_version());
    return 1;
  }
  if (af_get_api(AF_ABI_VERSION_1) == NULL) {
    fprintf(stderr, "af_get_api(AF_ABI_VERSION_1) is NULL\n");
    return 1;
  }
  af_job_options_init(&options);
  options.cache_dir = argv[1];
  code = af_job_create("package-consumer", &options, &job);
  if (code != AF_OK) {
    fprintf(stderr, "af_job_create: %s\n", af_strerror(code));
    return 1;
  }
  code = af_job_destroy(job);
  if (code != AF_OK) {
    fprintf(stderr, "af_job_destroy: %s\n", af_strerror(code));
    return 1;
  }
  printf("%s\n", af_version());
  return 0;
}
