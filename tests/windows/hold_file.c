/*
 * Holds a file open the way a virus scanner or a search indexer does on
 * Windows: read access, sharing read and write but not delete, so that a
 * rename over it fails while it is held. For WindowsCli.* (a destination
 * held at rename time), run under Wine by scripts/windows/cli-test.sh.
 *
 *   hold_file PATH [RELEASE-FILE]
 *
 * Prints "held" once the file is open, then keeps it open until
 * RELEASE-FILE exists (polled every 10 ms) or, without one, for 60 s; then
 * closes it and prints "released". Exits 1 (with the Windows error) when the
 * file cannot be opened, and never holds it for more than 60 s.
 */
#include <stdio.h>
#include <windows.h>

static int to_wide(const char* s, wchar_t* out, int n) {
  /* argv is in the ANSI code page on Windows; the tests pass ASCII paths. */
  return MultiByteToWideChar(CP_ACP, 0, s, -1, out, n) != 0;
}

int main(int argc, char** argv) {
  wchar_t path[1024], release[1024];
  HANDLE h;
  int waited;
  if (argc < 2 || argc > 3 || !to_wide(argv[1], path, 1024) || (argc == 3 && !to_wide(argv[2], release, 1024))) {
    fprintf(stderr, "usage: hold_file PATH [RELEASE-FILE]\n");
    return 2;
  }
  h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
                  FILE_ATTRIBUTE_NORMAL, NULL);
  if (h == INVALID_HANDLE_VALUE) {
    fprintf(stderr, "hold_file: cannot open %s: Windows error %lu\n", argv[1], (unsigned long)GetLastError());
    return 1;
  }
  printf("held\n");
  fflush(stdout);
  for (waited = 0; waited < 60000; waited += 10) {
    if (argc == 3 && GetFileAttributesW(release) != INVALID_FILE_ATTRIBUTES) break;
    Sleep(10);
  }
  CloseHandle(h);
  printf("released\n");
  fflush(stdout);
  return 0;
}
