// OpenSSL contexts for the gateway's two sides. Server: TLS 1.2+, ALPN, several certificates
// chosen by SNI, client certificates verified against a trust bundle (optional or required)
// with the SPIFFE trust domain checked during the handshake. Client (upstreams): the upstream
// verified by a bundle and either its DNS name or its expected SPIFFE ID, and the gateway's
// own certificate (X.509-SVID) presented when configured.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace gatehouse::tls {

namespace ssl = boost::asio::ssl;

struct CertificateFiles {
  std::string cert;  // PEM: leaf first, then intermediates
  std::string key;   // PEM private key
  // In memory instead of files (an X.509-SVID from the SPIFFE Workload API): PEM text. When
  // cert_pem is set, cert/key are not read.
  std::string cert_pem;
  std::string key_pem;
};

struct ServerSettings {
  // The first is the default; the others are chosen when SNI names one of their DNS SANs.
  std::vector<CertificateFiles> certificates;
  std::string client_ca;             // trust bundle for client certificates; empty: none asked
  std::string client_ca_pem;         // the same in memory (Workload API bundles), PEM text
  bool require_client_cert = false;  // with client_ca: refuse handshakes without a certificate
  // Non-empty: a client certificate must carry a SPIFFE ID in one of these trust domains.
  std::vector<std::string> trust_domains;
  std::vector<std::string> alpn = {"http/1.1"};
};

// One server context plus the per-certificate contexts SNI switches to; immutable once built
// (rotation builds a new one, see CertificateReloader).
class ServerContext {
 public:
  static Result<std::shared_ptr<const ServerContext>> create(const ServerSettings& settings);

  ssl::context& context() const { return *contexts_.front().context; }
  const ServerSettings& settings() const { return settings_; }

 private:
  struct Entry {
    std::unique_ptr<ssl::context> context;
    std::vector<std::string> names;  // DNS SANs (may start with "*.")
  };
  static int on_server_name(SSL* ssl, int* alert, void* arg);
  static int on_alpn(SSL* ssl, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                     unsigned int inlen, void* arg);

  ServerSettings settings_;
  std::string alpn_wire_;  // protocols in ALPN wire format
  std::vector<Entry> contexts_;
};

struct ClientSettings {
  std::string ca_bundle;            // empty: the system's trust store
  std::string server_name;          // SNI, and the DNS name verified when no SPIFFE ID is expected
  std::string expected_spiffe_id;   // when set, the upstream must present exactly this ID
  std::optional<CertificateFiles> client_certificate;  // presented for upstream mTLS
};

Result<std::shared_ptr<ssl::context>> make_client_context(const ClientSettings& settings);

// After a client handshake: checks the expected SPIFFE ID (the DNS name is checked by OpenSSL
// during the handshake, set up by prepare_client_ssl).
Status verify_upstream_identity(SSL* ssl, const ClientSettings& settings);
// Sets SNI and host-name verification on one client connection.
Status prepare_client_ssl(SSL* ssl, const ClientSettings& settings);

}  // namespace gatehouse::tls
