#include "platform/posix/mechanisms.h"

#include "platform/posix/features.h"

namespace assetfetch::platform::posix {

Mechanisms mechanisms() {
  Mechanisms m;
#ifdef AF_HAVE_FICLONE
  m.clone = "FICLONE";
#else
  m.clone = "none";
#endif
#ifdef AF_HAVE_COPY_FILE_RANGE
  m.copy = "copy_file_range";
#else
  m.copy = "read/write";
#endif
#ifdef AF_HAVE_OFD_LOCKS
  m.range_lock = "F_OFD_SETLK";
#else
  m.range_lock = "F_SETLK + in-process table";
#endif
  m.file_lock = "flock";
#ifdef AF_HAVE_PROC_SELF_EXE
  m.executable_path = "/proc/self/exe";
#else
  m.executable_path = "none";
#endif
#ifdef AF_HAVE_PTHREAD_SETNAME_2
  m.thread_name = "pthread_setname_np";
#else
  m.thread_name = "none";
#endif
  return m;
}

}  // namespace assetfetch::platform::posix
