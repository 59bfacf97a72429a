// TLS and mTLS handshakes on loopback between the gateway's server context and its client
// context, with certificates made by a throwaway CA for the trust domain example.org.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <filesystem>
#include <future>
#include <thread>

#include "tls/certificate_reloader.hpp"
#include "tls/client_tls.hpp"
#include "tls/context.hpp"
#include "tls/peer_certificate.hpp"
#include "tls/spiffe_id.hpp"
#include "tls/test_certificates.hpp"

namespace gatehouse::tls {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using testing::Issued;
using testing::LeafOptions;
using testing::TestCa;
using testing::write_file;

struct Handshake {
  bool client_ok = false;
  bool server_ok = false;
  std::optional<PeerCertificate> client_seen_by_server;
  std::string server_subject_seen_by_client;
  std::string alpn;
  bool upstream_identity_ok = false;
};

// One connection: the server side on a thread, the client side here.
Handshake handshake(const ServerContext& server, ssl::context& client_ctx, const ClientSettings& client_settings) {
  Handshake out;
  asio::io_context io;
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  auto port = acceptor.local_endpoint().port();
  std::promise<void> server_done;
  std::thread server_thread([&] {
    asio::io_context sio;
    tcp::socket raw(sio);
    boost::system::error_code ec;
    acceptor.accept(raw, ec);
    ssl::stream<tcp::socket> stream(std::move(raw), server.context());
    stream.handshake(ssl::stream_base::server, ec);
    out.server_ok = !ec;
    if (!ec) {
      auto peer = peer_certificate(stream.native_handle());
      if (peer) out.client_seen_by_server = *peer;
      stream.shutdown(ec);
    }
  });
  ssl::stream<tcp::socket> client(io, client_ctx);
  boost::system::error_code ec;
  client.next_layer().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  EXPECT_FALSE(ec);
  EXPECT_TRUE(prepare_client_ssl(client.native_handle(), client_settings));
  client.handshake(ssl::stream_base::client, ec);
  out.client_ok = !ec;
  if (!ec) {
    if (X509* cert = SSL_get0_peer_certificate(client.native_handle())) {
      out.server_subject_seen_by_client = read_certificate(cert)->subject;
    }
    const unsigned char* alpn = nullptr;
    unsigned int alpn_len = 0;
    SSL_get0_alpn_selected(client.native_handle(), &alpn, &alpn_len);
    out.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_len);
    out.upstream_identity_ok = static_cast<bool>(verify_upstream_identity(client.native_handle(), client_settings));
    client.shutdown(ec);
  }
  client.next_layer().close(ec);
  server_thread.join();
  return out;
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() / ("gatehouse-tls-" + std::to_string(::getpid()) + "-" +
                                                      ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    ca_path_ = write_file(dir_, "ca.pem", ca_.cert_pem());
    other_ca_path_ = write_file(dir_, "other-ca.pem", other_ca_.cert_pem());
    server_ = save("server", ca_.issue({.common_name = "gateway", .dns_names = {"localhost", "gw.example.org"},
                                        .uris = {"spiffe://example.org/gatehouse"}}));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  CertificateFiles save(const std::string& name, const Issued& issued) {
    return {write_file(dir_, name + ".pem", issued.cert_pem), write_file(dir_, name + "-key.pem", issued.key_pem)};
  }
  CertificateFiles client_cert(const std::string& spiffe, std::chrono::seconds not_after = std::chrono::hours(1),
                               const TestCa* ca = nullptr) {
    return save("client", (ca ? *ca : ca_).issue({.common_name = "agent", .uris = {spiffe},
                                                  .not_after = not_after, .server = false}));
  }
  std::shared_ptr<const ServerContext> server(ServerSettings s) {
    auto ctx = ServerContext::create(s);
    EXPECT_TRUE(ctx) << (ctx ? "" : ctx.error().message);
    return ctx ? *ctx : nullptr;
  }
  std::shared_ptr<ssl::context> client(const ClientSettings& s) {
    auto ctx = make_client_context(s);
    EXPECT_TRUE(ctx) << (ctx ? "" : ctx.error().message);
    return *ctx;
  }

  std::string dir_;
  TestCa ca_{"Test CA example.org"};
  TestCa other_ca_{"Another CA"};
  std::string ca_path_, other_ca_path_;
  CertificateFiles server_;
};

TEST_F(TlsTest, ServerTlsWithAlpnAndHostNameVerification) {
  auto srv = server({.certificates = {server_}});
  ClientSettings cs{.ca_bundle = ca_path_, .server_name = "localhost"};
  auto hs = handshake(*srv, *client(cs), cs);
  EXPECT_TRUE(hs.client_ok);
  EXPECT_TRUE(hs.server_ok);
  EXPECT_EQ(hs.alpn, "http/1.1");
  EXPECT_FALSE(hs.client_seen_by_server);  // no client certificate asked

  ClientSettings wrong_name{.ca_bundle = ca_path_, .server_name = "evil.example.com"};
  EXPECT_FALSE(handshake(*srv, *client(wrong_name), wrong_name).client_ok);
  ClientSettings wrong_ca{.ca_bundle = other_ca_path_, .server_name = "localhost"};
  EXPECT_FALSE(handshake(*srv, *client(wrong_ca), wrong_ca).client_ok);
}

TEST_F(TlsTest, SniChoosesTheCertificateForTheName) {
  auto second = save("second", ca_.issue({.common_name = "second", .dns_names = {"*.tenant.example"}}));
  auto srv = server({.certificates = {server_, second}});
  ClientSettings by_sni{.ca_bundle = ca_path_, .server_name = "a.tenant.example"};
  auto hs = handshake(*srv, *client(by_sni), by_sni);
  EXPECT_TRUE(hs.client_ok);
  EXPECT_EQ(hs.server_subject_seen_by_client, "CN=second");
  ClientSettings default_name{.ca_bundle = ca_path_, .server_name = "localhost"};
  EXPECT_EQ(handshake(*srv, *client(default_name), default_name).server_subject_seen_by_client, "CN=gateway");
}

TEST_F(TlsTest, MutualTlsAcceptsAClientOfTheTrustDomain) {
  auto srv = server({.certificates = {server_}, .client_ca = ca_path_, .require_client_cert = true,
                     .trust_domains = {"example.org"}});
  ClientSettings cs{.ca_bundle = ca_path_, .server_name = "localhost",
                    .client_certificate = client_cert("spiffe://example.org/agent/billing")};
  auto hs = handshake(*srv, *client(cs), cs);
  ASSERT_TRUE(hs.server_ok);
  ASSERT_TRUE(hs.client_seen_by_server);
  ASSERT_TRUE(hs.client_seen_by_server->spiffe_id);
  EXPECT_EQ(hs.client_seen_by_server->spiffe_id->str(), "spiffe://example.org/agent/billing");
  EXPECT_EQ(hs.client_seen_by_server->subject, "CN=agent");
  EXPECT_EQ(hs.client_seen_by_server->sha256_fingerprint.size(), 64u);
}

TEST_F(TlsTest, MutualTlsRefusesMissingWrongCaWrongDomainAndExpired) {
  auto srv = server({.certificates = {server_}, .client_ca = ca_path_, .require_client_cert = true,
                     .trust_domains = {"example.org"}});
  ClientSettings none{.ca_bundle = ca_path_, .server_name = "localhost"};
  EXPECT_FALSE(handshake(*srv, *client(none), none).server_ok);

  ClientSettings wrong_ca{.ca_bundle = ca_path_, .server_name = "localhost",
                          .client_certificate = client_cert("spiffe://example.org/agent", std::chrono::hours(1), &other_ca_)};
  EXPECT_FALSE(handshake(*srv, *client(wrong_ca), wrong_ca).server_ok);

  ClientSettings wrong_domain{.ca_bundle = ca_path_, .server_name = "localhost",
                              .client_certificate = client_cert("spiffe://evil.org/agent")};
  EXPECT_FALSE(handshake(*srv, *client(wrong_domain), wrong_domain).server_ok);

  ClientSettings expired{.ca_bundle = ca_path_, .server_name = "localhost",
                         .client_certificate = client_cert("spiffe://example.org/agent", std::chrono::seconds(-60))};
  EXPECT_FALSE(handshake(*srv, *client(expired), expired).server_ok);
}

TEST_F(TlsTest, OptionalClientCertificate) {
  auto srv = server({.certificates = {server_}, .client_ca = ca_path_, .require_client_cert = false});
  ClientSettings none{.ca_bundle = ca_path_, .server_name = "localhost"};
  auto hs = handshake(*srv, *client(none), none);
  EXPECT_TRUE(hs.server_ok);
  EXPECT_FALSE(hs.client_seen_by_server);
}

TEST_F(TlsTest, UpstreamIsCheckedByItsSpiffeId) {
  auto srv = server({.certificates = {server_}});
  ClientSettings right{.ca_bundle = ca_path_, .server_name = "localhost",
                       .expected_spiffe_id = "spiffe://example.org/gatehouse"};
  EXPECT_TRUE(handshake(*srv, *client(right), right).upstream_identity_ok);
  ClientSettings wrong{.ca_bundle = ca_path_, .server_name = "localhost",
                       .expected_spiffe_id = "spiffe://example.org/other"};
  EXPECT_FALSE(handshake(*srv, *client(wrong), wrong).upstream_identity_ok);
}

TEST_F(TlsTest, BadFilesAreConfigErrors) {
  EXPECT_FALSE(ServerContext::create({}));
  EXPECT_FALSE(ServerContext::create({.certificates = {{dir_ + "/missing.pem", server_.key}}}));
  auto other = save("other", ca_.issue({.common_name = "other"}));
  auto mismatch = ServerContext::create({.certificates = {{server_.cert, other.key}}});
  ASSERT_FALSE(mismatch);
  EXPECT_NE(mismatch.error().message.find("does not match"), std::string::npos);
  EXPECT_FALSE(ServerContext::create({.certificates = {server_}, .require_client_cert = true}));
}

TEST_F(TlsTest, RotationInstallsTheNewCertificateAndSurvivesABrokenOne) {
  auto reloader = CertificateReloader::create({.certificates = {server_}});
  ASSERT_TRUE(reloader);
  auto& r = **reloader;
  EXPECT_FALSE(r.check_now());
  ClientSettings cs{.ca_bundle = ca_path_, .server_name = "localhost"};
  EXPECT_EQ(handshake(*r.current(), *client(cs), cs).server_subject_seen_by_client, "CN=gateway");

  auto rotated = ca_.issue({.common_name = "gateway-rotated", .dns_names = {"localhost"}});
  write_file(dir_, "server.pem", rotated.cert_pem);  // certificate first: key does not match yet
  EXPECT_FALSE(r.check_now());
  EXPECT_EQ(handshake(*r.current(), *client(cs), cs).server_subject_seen_by_client, "CN=gateway");
  write_file(dir_, "server-key.pem", rotated.key_pem);
  EXPECT_TRUE(r.check_now());
  EXPECT_EQ(r.rotations(), 1u);
  EXPECT_EQ(handshake(*r.current(), *client(cs), cs).server_subject_seen_by_client, "CN=gateway-rotated");
}

TEST_F(TlsTest, UpstreamAddressedByIpIsCheckedAgainstItsIpSans) {
  auto by_ip = save("ip", ca_.issue({.common_name = "by-ip", .dns_names = {"localhost"}, .ip_addresses = {"127.0.0.1"}}));
  ClientSettings cs{.ca_bundle = ca_path_, .server_name = "127.0.0.1"};
  EXPECT_TRUE(handshake(*server({.certificates = {by_ip}}), *client(cs), cs).client_ok);
  // The DNS-only certificate does not name the address.
  EXPECT_FALSE(handshake(*server({.certificates = {server_}}), *client(cs), cs).client_ok);
  ClientSettings other{.ca_bundle = ca_path_, .server_name = "127.0.0.2"};
  EXPECT_FALSE(handshake(*server({.certificates = {by_ip}}), *client(other), other).client_ok);
}

TEST_F(TlsTest, ClientTlsFollowsRotationOfTheClientCertificate) {
  auto files = client_cert("spiffe://example.org/gatehouse");
  auto made = ClientTls::create({.ca_bundle = ca_path_, .server_name = "localhost", .client_certificate = files},
                                std::chrono::milliseconds(0));
  ASSERT_TRUE(made) << made.error().message;
  auto& c = **made;
  auto srv = server({.certificates = {server_}, .client_ca = ca_path_, .require_client_cert = true});
  auto seen = [&] {
    auto h = handshake(*srv, *c.current(), c.settings());
    return h.client_seen_by_server && h.client_seen_by_server->spiffe_id ? h.client_seen_by_server->spiffe_id->str()
                                                                         : std::string("none");
  };
  EXPECT_EQ(seen(), "spiffe://example.org/gatehouse");
  auto old_context = c.current();

  auto rotated = ca_.issue({.common_name = "agent", .uris = {"spiffe://example.org/gatehouse/v2"}, .server = false});
  write_file(dir_, "client.pem", rotated.cert_pem);  // half-way: the key does not match yet
  EXPECT_FALSE(c.check_now());
  EXPECT_EQ(c.current(), old_context);
  write_file(dir_, "client-key.pem", rotated.key_pem);
  EXPECT_EQ(seen(), "spiffe://example.org/gatehouse/v2");  // current() checked the files
  EXPECT_EQ(c.rotations(), 1u);
  EXPECT_FALSE(c.check_now());
  // A context taken before the rotation still works for the connection that holds it.
  auto h = handshake(*srv, *old_context, c.settings());
  EXPECT_TRUE(h.client_ok);
  EXPECT_EQ(h.client_seen_by_server->spiffe_id->str(), "spiffe://example.org/gatehouse");
}

TEST_F(TlsTest, ClientTlsRefusesUnreadableFilesAtCreation) {
  EXPECT_FALSE(ClientTls::create({.ca_bundle = dir_ + "/missing.pem"}));
  EXPECT_FALSE(ClientTls::create({.ca_bundle = ca_path_, .client_certificate = CertificateFiles{server_.cert, dir_ + "/nokey.pem"}}));
  EXPECT_FALSE(ClientTls::create({.ca_bundle = ca_path_, .expected_spiffe_id = "not-a-spiffe-id"}));
}

TEST(SpiffeId, ParsesValidIds) {
  auto id = parse_spiffe_id("spiffe://example.org/agent/billing");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->trust_domain, "example.org");
  EXPECT_EQ(id->path, "/agent/billing");
  EXPECT_TRUE(parse_spiffe_id("spiffe://example.org"));
  EXPECT_TRUE(parse_spiffe_id("spiffe://a-b_c.d/x.y-z_W/9"));
}

TEST(SpiffeId, RejectsMalformedIds) {
  for (const char* bad : {"", "spiffe://", "SPIFFE://example.org/a", "http://example.org/a", "spiffe:/example.org",
                          "spiffe://Example.org/a", "spiffe://example.org:443/a", "spiffe://user@example.org/a",
                          "spiffe://example.org/", "spiffe://example.org//a", "spiffe://example.org/a/./b",
                          "spiffe://example.org/a/../b", "spiffe://example.org/a?x=1", "spiffe://example.org/a#f",
                          "spiffe://example.org/a%20b", "spiffe:///path"}) {
    EXPECT_FALSE(parse_spiffe_id(bad)) << bad;
  }
  EXPECT_FALSE(parse_spiffe_id("spiffe://example.org/" + std::string(2100, 'a')));
}

}  // namespace
}  // namespace gatehouse::tls
