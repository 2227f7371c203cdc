// A throw-away certificate authority for TLS tests: a self-signed CA and a
// server certificate it signs, valid for 127.0.0.1 and localhost
// (subjectAltName IP + DNS). Keys are ECDSA P-256 (fast to generate).
// Files are PEM, written into the given directory when constructed.
//
// Two TestCa objects are unrelated CAs: trusting one and connecting to a
// server using the other's certificate is a TLS verification failure.
//
// Thread safety: construction writes files; afterwards it is read-only.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace af_test {

struct TestCa {
  struct Options {
    std::vector<std::string> dns_names{"localhost"};
    std::vector<std::string> ip_addresses{"127.0.0.1"};
    // Make the server certificate already expired (for "TLS failure" tests).
    bool expired = false;
    std::string name = "assetfetch test";  // CN prefix of both certificates
  };

  explicit TestCa(const std::filesystem::path& dir);
  TestCa(const std::filesystem::path& dir, const Options& options);

  std::string ca_file{};      // CA certificate: what clients trust (CURLOPT_CAINFO)
  std::string ca_key_file{};  // CA private key
  std::string cert_file{};    // server certificate signed by the CA
  std::string key_file{};     // server private key
};

}  // namespace af_test
