// Real object-storage emulators for tests, started on 127.0.0.1 with a
// private temporary location and stopped (SIGTERM, then SIGKILL) by the
// destructor:
//   AzuriteEmulator  Microsoft's Azurite (azurite-blob), which checks SAS
//                    signatures and permissions;
//   S3Emulator       s3rver (the @20minutes fork), which checks SigV4.
// Both come from the npm registry into <source>/.deps/npm
// (scripts/install-deps.sh). A missing emulator throws std::runtime_error
// naming that script: a test that needs one fails, it never skips.
//
// Thread safety: one owner each; the helpers make their own connections.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "process.h"
#include "test_util.h"

namespace af_test {

// The npm prefix the emulators are installed under.
std::filesystem::path npm_deps_dir();

class AzuriteEmulator {
 public:
  static constexpr const char* kAccount = "devstoreaccount1";

  // Starts azurite-blob and waits (at most 60 s) until it listens.
  AzuriteEmulator();
  // Over HTTPS with this certificate and key (test_ca.h), accepting OAuth
  // bearer tokens as `--oauth basic` does: a JWT whose iss, aud, nbf and exp
  // look like Azure AD's (its signature is not checked). SAS still works.
  struct Https {
    std::string cert_file, key_file;
  };
  explicit AzuriteEmulator(const Https& https);
  ~AzuriteEmulator();
  AzuriteEmulator(const AzuriteEmulator&) = delete;
  AzuriteEmulator& operator=(const AzuriteEmulator&) = delete;

  int port() const { return port_; }
  // "http(s)://127.0.0.1:PORT/devstoreaccount1/CONTAINER" (no trailing '/').
  std::string container_url(const std::string& container) const;
  // An account SAS (query string, no '?') for the blob service with these
  // permissions, e.g. "rwc" or "r", signed with the emulator's well-known key.
  std::string sas(const std::string& permissions) const;
  // Creates a container (throws on failure).
  void create_container(const std::string& container) const;
  // The blob's bytes, or nullopt when it does not exist.
  std::optional<std::string> get_blob(const std::string& container, const std::string& blob) const;
  void put_blob(const std::string& container, const std::string& blob, const std::string& bytes) const;
  // Number of committed blocks of a block blob (0 when it was put whole).
  int committed_blocks(const std::string& container, const std::string& blob) const;

 private:
  TempDir dir_;
  ChildProcess process_;
  int port_ = 0;
  std::string scheme_ = "http";
};

class S3Emulator {
 public:
  static constexpr const char* kAccessKey = "S3RVER";
  static constexpr const char* kSecretKey = "S3RVER";

  // Starts s3rver with `bucket` created and waits (at most 60 s). With
  // conditional_writes, "If-None-Match: *" on a create is honoured as AWS S3
  // does (412 when the key exists or is being written; s3rver_main.js).
  explicit S3Emulator(const std::string& bucket, bool conditional_writes = false);
  ~S3Emulator();
  S3Emulator(const S3Emulator&) = delete;
  S3Emulator& operator=(const S3Emulator&) = delete;

  int port() const { return port_; }
  std::string endpoint() const;  // "http://127.0.0.1:PORT"
  // Objects as s3rver stores them (read from its directory, no request).
  std::optional<std::string> object(const std::string& bucket, const std::string& key) const;
  // s3rver's stored metadata of an object (its JSON file: content-type,
  // etag, ...), or nullopt.
  std::optional<std::string> object_metadata(const std::string& bucket, const std::string& key) const;
  // s3rver's request log so far: one line per request, "info: KEY?QUERY STATUS ...".
  std::string request_log() const { return process_.stdout_so_far(); }
  void put_object(const std::string& bucket, const std::string& key, const std::string& bytes) const;

 private:
  TempDir dir_;
  ChildProcess process_;
  int port_ = 0;
};

}  // namespace af_test
