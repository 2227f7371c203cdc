// An Azure account SAS signed with an account key (config/azure_key.h signs
// it: the key never travels), signed again before it expires
// (refreshing_secret.h), so a host that keeps one config longer than the
// SAS's lifetime (24 hours) never sends a lapsed one. apply_store_auth()
// appends the current one to each request's query.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "transfer/refreshing_secret.h"

namespace assetfetch {

struct AzureSas {
  std::string query;  // sv=...&se=...&sig=... (no '?')
  std::optional<std::chrono::system_clock::time_point> expires;
};

class AzureSasProvider : public RefreshingSecret<AzureSas, &AzureSas::expires> {};

}  // namespace assetfetch
