#include "tls/context.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <algorithm>

#include "tls/peer_certificate.hpp"

namespace gatehouse::tls {

namespace {

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  if (!e) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

Unexpected config_error(const std::string& what) { return fail(Errc::invalid_config, what, "tls.config"); }

// Ex-data slot holding the ServerSettings* on the SSL_CTX, for the verify callback.
int settings_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

bool in_trust_domains(const std::string& domain, const std::vector<std::string>& allowed) {
  return std::find(allowed.begin(), allowed.end(), domain) != allowed.end();
}

// Runs for each certificate of the client's chain; at depth 0 (the leaf) it adds the SPIFFE
// trust-domain check to OpenSSL's own path validation.
int verify_client(int preverify_ok, X509_STORE_CTX* store) {
  if (!preverify_ok) return 0;
  if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* settings = static_cast<const ServerSettings*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), settings_index()));
  if (!settings || settings->trust_domains.empty()) return 1;
  auto cert = read_certificate(X509_STORE_CTX_get_current_cert(store));
  if (!cert || !cert->spiffe_id || !in_trust_domains(cert->spiffe_id->trust_domain, settings->trust_domains)) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  return 1;
}

bool name_matches(const std::string& pattern, std::string_view host) {
  if (pattern.size() > 2 && pattern[0] == '*' && pattern[1] == '.') {
    auto dot = host.find('.');
    return dot != std::string_view::npos && dot > 0 && host.substr(dot) == std::string_view(pattern).substr(1);
  }
  if (pattern.size() != host.size()) return false;
  for (std::size_t i = 0; i < host.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(pattern[i])) != std::tolower(static_cast<unsigned char>(host[i])))
      return false;
  return true;
}

Status load_certificate_pem(ssl::context& ctx, const CertificateFiles& files) {
  SSL_CTX* native = ctx.native_handle();
  BIO* bio = BIO_new_mem_buf(files.cert_pem.data(), static_cast<int>(files.cert_pem.size()));
  X509* leaf = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  bool ok = leaf && SSL_CTX_use_certificate(native, leaf) == 1;
  X509_free(leaf);
  while (ok) {
    X509* extra = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    if (!extra) break;
    ok = SSL_CTX_add0_chain_cert(native, extra) == 1;  // takes ownership on success
    if (!ok) X509_free(extra);
  }
  BIO_free(bio);
  ERR_clear_error();  // the end of the PEM list is reported as an error
  if (!ok) return config_error("cannot load the in-memory certificate chain");
  bio = BIO_new_mem_buf(files.key_pem.data(), static_cast<int>(files.key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ok = key && SSL_CTX_use_PrivateKey(native, key) == 1 && SSL_CTX_check_private_key(native) == 1;
  EVP_PKEY_free(key);
  if (!ok) return config_error("the in-memory private key cannot be read or does not match its certificate");
  return {};
}

Status load_trust_pem(SSL_CTX* native, const std::string& pem) {
  X509_STORE* store = SSL_CTX_get_cert_store(native);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  int added = 0;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    if (X509_STORE_add_cert(store, cert) == 1) ++added;
    X509_free(cert);
  }
  BIO_free(bio);
  ERR_clear_error();
  if (added == 0) return config_error("the in-memory trust bundle holds no certificate");
  return {};
}

Status load_certificate(ssl::context& ctx, const CertificateFiles& files) {
  if (!files.cert_pem.empty()) return load_certificate_pem(ctx, files);
  SSL_CTX* native = ctx.native_handle();
  if (SSL_CTX_use_certificate_chain_file(native, files.cert.c_str()) != 1)
    return config_error("cannot load certificate " + files.cert + ": " + openssl_error());
  if (SSL_CTX_use_PrivateKey_file(native, files.key.c_str(), SSL_FILETYPE_PEM) != 1)
    return config_error("private key " + files.key + " cannot be read or does not match certificate " + files.cert +
                        ": " + openssl_error());
  if (SSL_CTX_check_private_key(native) != 1)
    return config_error("private key " + files.key + " does not match certificate " + files.cert);
  return {};
}

std::vector<std::string> dns_names_of(ssl::context& ctx) {
  X509* cert = SSL_CTX_get0_certificate(ctx.native_handle());
  if (!cert) return {};
  auto read = read_certificate(cert);
  return read ? read->dns_names : std::vector<std::string>{};
}

}  // namespace

Result<std::shared_ptr<const ServerContext>> ServerContext::create(const ServerSettings& settings) {
  if (settings.certificates.empty()) return config_error("TLS needs at least one certificate");
  const bool has_ca = !settings.client_ca.empty() || !settings.client_ca_pem.empty();
  if (settings.require_client_cert && !has_ca)
    return config_error("require_client_cert needs client_ca (the trust bundle)");
  if (!settings.trust_domains.empty() && !has_ca)
    return config_error("trust_domains needs client_ca (the trust bundle)");

  auto self = std::shared_ptr<ServerContext>(new ServerContext());
  self->settings_ = settings;
  for (const auto& p : settings.alpn) {
    if (p.empty() || p.size() > 255) return config_error("invalid ALPN protocol name");
    self->alpn_wire_ += static_cast<char>(p.size());
    self->alpn_wire_ += p;
  }
  for (const auto& files : settings.certificates) {
    Entry entry{std::make_unique<ssl::context>(ssl::context::tls_server), {}};
    ssl::context& ctx = *entry.context;
    SSL_CTX* native = ctx.native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                    ssl::context::single_dh_use);
    SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (auto s = load_certificate(ctx, files); !s) return s.propagate();
    if (has_ca) {
      if (!settings.client_ca_pem.empty()) {
        if (auto s = load_trust_pem(native, settings.client_ca_pem); !s) return s.propagate();
      } else if (SSL_CTX_load_verify_locations(native, settings.client_ca.c_str(), nullptr) != 1) {
        return config_error("cannot load client_ca " + settings.client_ca + ": " + openssl_error());
      }
      int mode = SSL_VERIFY_PEER | (settings.require_client_cert ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0);
      SSL_CTX_set_verify(native, mode, verify_client);
      SSL_CTX_set_ex_data(native, settings_index(), &self->settings_);
      // Session resumption would skip client verification on later connections of another
      // principal's settings; keep it per context only.
      static const unsigned char kSessionContext[] = "gatehouse";
      SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);
    }
    SSL_CTX_set_alpn_select_cb(native, &ServerContext::on_alpn, self.get());
    entry.names = dns_names_of(ctx);
    self->contexts_.push_back(std::move(entry));
  }
  if (self->contexts_.size() > 1)
    SSL_CTX_set_tlsext_servername_callback(self->contexts_.front().context->native_handle(), &ServerContext::on_server_name);
  SSL_CTX_set_tlsext_servername_arg(self->contexts_.front().context->native_handle(), self.get());
  return std::shared_ptr<const ServerContext>(std::move(self));
}

int ServerContext::on_server_name(SSL* ssl, int*, void* arg) {
  auto* self = static_cast<ServerContext*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (!name) return SSL_TLSEXT_ERR_OK;  // no SNI: the default certificate
  for (std::size_t i = 1; i < self->contexts_.size(); ++i) {
    for (const auto& pattern : self->contexts_[i].names) {
      if (name_matches(pattern, name)) {
        SSL_set_SSL_CTX(ssl, self->contexts_[i].context->native_handle());
        // SSL_set_SSL_CTX does not carry the verify settings over; copy them.
        SSL_set_verify(ssl, SSL_CTX_get_verify_mode(self->contexts_[i].context->native_handle()),
                       SSL_CTX_get_verify_callback(self->contexts_[i].context->native_handle()));
        return SSL_TLSEXT_ERR_OK;
      }
    }
  }
  return SSL_TLSEXT_ERR_OK;
}

int ServerContext::on_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                           unsigned int inlen, void* arg) {
  auto* self = static_cast<ServerContext*>(arg);
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, reinterpret_cast<const unsigned char*>(self->alpn_wire_.data()),
                            static_cast<unsigned int>(self->alpn_wire_.size()), in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;  // RFC 7301: no protocol in common
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

Result<std::shared_ptr<ssl::context>> make_client_context(const ClientSettings& settings) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  if (settings.ca_bundle.empty()) {
    if (SSL_CTX_set_default_verify_paths(native) != 1) return config_error("cannot load the system trust store");
  } else if (SSL_CTX_load_verify_locations(native, settings.ca_bundle.c_str(), nullptr) != 1) {
    return config_error("cannot load ca_bundle " + settings.ca_bundle + ": " + openssl_error());
  }
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
  if (settings.client_certificate) {
    if (auto s = load_certificate(*ctx, *settings.client_certificate); !s) return s.propagate();
  }
  if (!settings.expected_spiffe_id.empty()) {
    if (auto id = parse_spiffe_id(settings.expected_spiffe_id); !id)
      return config_error("expected_spiffe_id: " + id.error().message);
  }
  static const unsigned char kAlpn[] = "\x08http/1.1";
  SSL_CTX_set_alpn_protos(native, kAlpn, sizeof kAlpn - 1);
  return ctx;
}

static bool is_ip_literal(const std::string& name) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, name.c_str(), buf) == 1 || ::inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

Status prepare_client_ssl(SSL* ssl, const ClientSettings& settings) {
  // An IP address is not a valid SNI name (RFC 6066) and is matched against the
  // certificate's IP SANs, not its DNS names.
  if (!settings.server_name.empty() && is_ip_literal(settings.server_name)) {
    if (settings.expected_spiffe_id.empty() &&
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), settings.server_name.c_str()) != 1)
      return fail(Errc::internal, "cannot set the expected IP address", "tls.host");
    return {};
  }
  if (!settings.server_name.empty()) {
    if (SSL_set_tlsext_host_name(ssl, settings.server_name.c_str()) != 1)
      return fail(Errc::internal, "cannot set SNI", "tls.sni");
    // SPIFFE workloads are identified by their URI SAN, not by a host name.
    if (settings.expected_spiffe_id.empty()) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      if (X509_VERIFY_PARAM_set1_host(param, settings.server_name.c_str(), 0) != 1)
        return fail(Errc::internal, "cannot set the expected host name", "tls.host");
    }
  }
  return {};
}

Status verify_upstream_identity(SSL* ssl, const ClientSettings& settings) {
  if (settings.expected_spiffe_id.empty()) return {};
  auto peer = peer_certificate(ssl);
  if (!peer) return peer.propagate();
  if (!*peer || !(*peer)->spiffe_id)
    return fail(Errc::unavailable, "upstream presented no SPIFFE ID", "tls.upstream_identity");
  if ((*peer)->spiffe_id->str() != settings.expected_spiffe_id)
    return fail(Errc::unavailable, "upstream SPIFFE ID " + (*peer)->spiffe_id->str() + " is not the expected " +
                                       settings.expected_spiffe_id,
                "tls.upstream_identity");
  return {};
}

}  // namespace gatehouse::tls
