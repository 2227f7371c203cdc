#include "test_ca.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace af_test {
namespace fs = std::filesystem;

namespace {

struct PkeyFree { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
struct X509Free { void operator()(X509* p) const { X509_free(p); } };
struct FileClose { void operator()(FILE* f) const { std::fclose(f); } };
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("TestCa: ") + what + " failed");
}

Pkey make_key() {
  Pkey key(EVP_EC_gen("P-256"));
  check(key != nullptr, "EVP_EC_gen");
  return key;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr, "X509V3_EXT_conf_nid");
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  check(ok == 1, "X509_add_ext");
}

// A certificate for `key` named `cn`; issuer == nullptr means self-signed.
Cert make_cert(EVP_PKEY* key, const std::string& cn, long serial, X509* issuer,
               long not_before_s, long not_after_s) {
  Cert cert(X509_new());
  check(cert != nullptr, "X509_new");
  check(X509_set_version(cert.get(), 2) == 1, "X509_set_version");
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), not_before_s);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), not_after_s);
  check(X509_set_pubkey(cert.get(), key) == 1, "X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("assetfetch tests"), -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  check(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) == 1,
        "X509_set_issuer_name");
  return cert;
}

void sign(X509* cert, EVP_PKEY* key) {
  check(X509_sign(cert, key, EVP_sha256()) > 0, "X509_sign");
}

void write_key(const fs::path& path, EVP_PKEY* key) {
  std::unique_ptr<FILE, FileClose> f(std::fopen(path.c_str(), "wb"));
  check(f != nullptr, "open key file");
  check(PEM_write_PrivateKey(f.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_PrivateKey");
}

void write_cert(const fs::path& path, X509* cert) {
  std::unique_ptr<FILE, FileClose> f(std::fopen(path.c_str(), "wb"));
  check(f != nullptr, "open certificate file");
  check(PEM_write_X509(f.get(), cert) == 1, "PEM_write_X509");
}

}  // namespace

TestCa::TestCa(const fs::path& dir) : TestCa(dir, Options{}) {}

TestCa::TestCa(const fs::path& dir, const Options& options) {
  fs::create_directories(dir);
  constexpr long kDay = 24L * 3600;

  Pkey ca_key = make_key();
  // Backdated a day so clock skew between hosts never matters.
  Cert ca = make_cert(ca_key.get(), options.name + " CA", 1, nullptr, -kDay, 30 * kDay);
  add_ext(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_ext(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
  sign(ca.get(), ca_key.get());

  Pkey key = make_key();
  long not_before = options.expired ? -10 * kDay : -kDay;
  long not_after = options.expired ? -2 * kDay : 30 * kDay;
  Cert cert = make_cert(key.get(), options.name + " server", 2, ca.get(),
                        not_before, not_after);
  std::string san;
  for (const auto& ip : options.ip_addresses) san += (san.empty() ? "IP:" : ",IP:") + ip;
  for (const auto& dns : options.dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + dns;
  add_ext(cert.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_ext(cert.get(), ca.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment");
  add_ext(cert.get(), ca.get(), NID_ext_key_usage, "serverAuth");
  add_ext(cert.get(), ca.get(), NID_subject_key_identifier, "hash");
  add_ext(cert.get(), ca.get(), NID_authority_key_identifier, "keyid:always");
  if (!san.empty()) add_ext(cert.get(), ca.get(), NID_subject_alt_name, san);
  sign(cert.get(), ca_key.get());

  ca_file = (dir / "ca.pem").string();
  ca_key_file = (dir / "ca.key").string();
  cert_file = (dir / "server.pem").string();
  key_file = (dir / "server.key").string();
  write_cert(ca_file, ca.get());
  write_key(ca_key_file, ca_key.get());
  write_cert(cert_file, cert.get());
  write_key(key_file, key.get());
}

}  // namespace af_test
