#include "core/job_in_share.h"

#include "core/job_impl.h"

namespace assetfetch {

bool use_connection_share(Job& job, ConnectionShare& share) {
  auto* impl = dynamic_cast<JobImpl*>(&job);
  if (!impl) return false;
  impl->set_connection_share(share.handle());
  return true;
}

}  // namespace assetfetch
