// Which OS-specific calls this POSIX build uses: the one place that decides,
// so the sources and platform::posix::mechanisms() cannot disagree.
//
// AF_PORTABLE_POSIX (CMake ASSETFETCH_PORTABLE_POSIX=ON) builds Linux with
// every Linux-only call left out, i.e. exactly what macOS and the BSDs
// compile: no FICLONE, no copy_file_range, classic fcntl locks instead of
// OFD locks, no /proc.
#pragma once

#include <fcntl.h>
#if defined(__linux__) && !defined(AF_PORTABLE_POSIX)
#include <linux/fs.h>
#endif

#if defined(__linux__) && !defined(AF_PORTABLE_POSIX)
#define AF_HAVE_COPY_FILE_RANGE 1
#define AF_HAVE_PROC_SELF_EXE 1
#if defined(FICLONE)
#define AF_HAVE_FICLONE 1
#endif
#if defined(__GLIBC__)
#define AF_HAVE_PTHREAD_SETNAME_2 1  // pthread_setname_np(thread, name)
#endif
#endif

// Open-file-description locks (per handle): Linux 3.15. Elsewhere (and in
// the portable build) classic fcntl locks, made per handle by
// posix/classic_locks.h.
#if defined(F_OFD_SETLK) && !defined(AF_PORTABLE_POSIX)
#define AF_HAVE_OFD_LOCKS 1
#endif
