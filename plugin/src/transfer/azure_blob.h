// Azure Blob write-back: Put Blob (x-ms-blob-type: BlockBlob) up to a
// threshold, Put Block + Put Block List above it. The SAS stays in the URL as
// given; every request names x-ms-version (store_auth.h).
#pragma once

#include <cstdint>
#include <string>

#include "transfer/upload_target.h"

namespace assetfetch {

inline constexpr std::uint64_t kAzureDefaultSingleMax = 256ull << 20;  // Put Blob up to this
inline constexpr std::uint64_t kAzureMaxBlock = 100ull << 20;          // Put Block limit we keep

// Uploads `body` to the blob named by target.url unless a HEAD (Get Blob
// Properties; needs read permission, else it uploads) finds a blob of that
// size; creates with If-None-Match: *, so 409 BlobAlreadyExists or 412 is
// success. Returns "" on success (`note` says whether anything was
// written), else a short reason without the SAS ("HTTP 403 AuthorizationPermissionMismatch: ...").
std::string upload_azure_blob(const UploadBody& body, const UploadTarget& target, UploadNote* note = nullptr);

}  // namespace assetfetch
