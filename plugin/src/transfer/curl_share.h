// One libcurl share for the whole process: connections, DNS answers and TLS
// sessions kept from one job to the next. Only the background service
// (service/) turns it on: its jobs run one after another in one long-lived
// process, so a client's file reuses the connection the last one left warm.
// libcurl shares connections safely between handles that are not used at
// the same time from several threads; the service runs one job at a time.
#pragma once

#include <curl/curl.h>

namespace assetfetch {

// Creates the share (once; later calls do nothing). Throws
// std::runtime_error when libcurl cannot be loaded or refuses a setting.
void enable_shared_connections();

// The share every new transfer joins (CURLOPT_SHARE); null unless enabled.
CURLSH* shared_connections();

}  // namespace assetfetch
