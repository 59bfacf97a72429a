// The Workload API client against the in-process test agent over a real Unix socket.
#include "spiffe/workload_api_client.hpp"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <thread>

#include "spiffe/svid_server_context.hpp"
#include "spiffe/test_agent.hpp"
#include "tls/peer_certificate.hpp"
#include "tls/test_certificates.hpp"
#include "workload.grpc.pb.h"

namespace gatehouse::spiffe {
namespace {

using namespace std::chrono_literals;
using testing::AgentMaterial;
using testing::TestAgent;
using tls::testing::LeafOptions;
using tls::testing::TestCa;

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 10s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// The serial of the leaf a server context presents, read back through OpenSSL.
std::string serial_of_der(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  auto read = tls::read_certificate(x);
  X509_free(x);
  return read ? read->serial_hex : "";
}

struct ClientTest : ::testing::Test {
  // The in-process agent links the generated protobuf code; loading the plugin's own copy
  // into the same process would abort, so these tests use the streams linked in.
  ClientTest() { use_linked_streams(&gatehouse_spiffe_start_streams); }
  TestCa ca{"example.org CA"};
  TestCa other{"other.org CA"};
  std::string socket = "/tmp/gh-spiffe-test-" + std::to_string(::getpid()) + "-" +
                       ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".sock";

  AgentMaterial material() {
    auto leaf = ca.issue(LeafOptions{.uris = {"spiffe://example.org/gateway"}});
    return AgentMaterial{"spiffe://example.org/gateway", leaf.cert_pem, leaf.key_pem, ca.cert_pem(),
                         {{"other.org", other.cert_pem()}}, {{"example.org", R"({"keys":[]})"}}};
  }
  ClientOptions options() { return ClientOptions{"unix://" + socket, 50ms, 200ms}; }
};

TEST_F(ClientTest, FirstSvidAndBundlesArrive) {
  auto agent = TestAgent::start(socket, material());
  ASSERT_TRUE(agent) << agent.error().message;
  auto client = WorkloadApiClient::create(options());
  ASSERT_TRUE(client);
  ASSERT_TRUE((*client)->start());
  ASSERT_TRUE((*client)->wait_for_x509_context(10s));
  auto ctx = (*client)->x509_context();
  ASSERT_EQ(ctx->svids.size(), 1u);
  EXPECT_EQ(ctx->svids[0].spiffe_id, "spiffe://example.org/gateway");
  EXPECT_EQ(ctx->svids[0].chain_der.size(), 1u);
  EXPECT_EQ(ctx->sequence, 1u);
  ASSERT_EQ(ctx->bundles.size(), 2u);
  EXPECT_TRUE(ctx->bundles.count("example.org"));
  EXPECT_TRUE(ctx->bundles.count("other.org"));
  ASSERT_TRUE((*client)->wait_for_jwt_bundles(10s));
  EXPECT_EQ((*client)->jwt_bundles()->jwks.at("example.org"), R"({"keys":[]})");
  ASSERT_TRUE(eventually([&] { return (*client)->x509_bundles() != nullptr; }));
  EXPECT_EQ((*client)->x509_bundles()->bundles.size(), 2u);
  EXPECT_EQ((*client)->rejected(), 0u);
  EXPECT_EQ((*agent)->refused(), 0u);
}

TEST_F(ClientTest, RotationReachesSubscribersAndTheTlsContext) {
  auto agent = TestAgent::start(socket, material());
  ASSERT_TRUE(agent);
  auto client = *WorkloadApiClient::create(options());
  ASSERT_TRUE(client->start());
  std::mutex mu;
  std::vector<std::string> serials;
  auto sub = client->subscribe_x509([&](const std::shared_ptr<const X509Context>& c) {
    std::lock_guard lock(mu);
    serials.push_back(serial_of_der(c->svids.front().chain_der.front()));
  });
  SvidServerOptions tls_options;
  tls_options.base.require_client_cert = true;
  auto server = SvidServerContext::create(client, tls_options);
  ASSERT_TRUE(server);
  ASSERT_TRUE((*server)->wait_ready(10s));
  auto first_ctx = (*server)->current();

  auto next = material();
  ASSERT_TRUE((*agent)->update(next));
  ASSERT_TRUE(eventually([&] { return client->x509_context() && client->x509_context()->sequence == 2; }));
  ASSERT_TRUE(eventually([&] { return (*server)->rotations() == 1; }));
  EXPECT_NE((*server)->current(), first_ctx);
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(serials.size(), 2u);
    EXPECT_NE(serials[0], serials[1]);
  }
  // The new context presents the new certificate.
  X509* presented = SSL_CTX_get0_certificate((*server)->current()->context().native_handle());
  EXPECT_EQ(tls::read_certificate(presented)->serial_hex, serials[1]);

  // Dropping the subscription stops the callbacks.
  sub.reset();
  ASSERT_TRUE((*agent)->update(material()));
  ASSERT_TRUE(eventually([&] { return client->x509_context()->sequence == 3; }));
  std::lock_guard lock(mu);
  EXPECT_EQ(serials.size(), 2u);
}

TEST_F(ClientTest, ReconnectsAfterTheAgentRestarts) {
  auto agent = TestAgent::start(socket, material());
  ASSERT_TRUE(agent);
  auto client = *WorkloadApiClient::create(options());
  ASSERT_TRUE(client->start());
  ASSERT_TRUE(client->wait_for_x509_context(10s));
  auto before = client->x509_context()->svids.front().chain_der.front();
  (*agent)->stop();
  agent->reset();
  std::this_thread::sleep_for(300ms);  // a few failed reconnects
  auto again = TestAgent::start(socket, material());
  ASSERT_TRUE(again);
  ASSERT_TRUE(eventually([&] { return client->x509_context()->sequence >= 2; }, 15s));
  EXPECT_NE(client->x509_context()->svids.front().chain_der.front(), before);
  EXPECT_GE(client->reconnects(), 1u);
  client->stop();
}

TEST_F(ClientTest, StartsBeforeTheAgentAndStopsPromptly) {
  auto client = *WorkloadApiClient::create(options());
  ASSERT_TRUE(client->start());
  EXPECT_FALSE(client->wait_for_x509_context(200ms));
  auto agent = TestAgent::start(socket, material());
  ASSERT_TRUE(agent);
  ASSERT_TRUE(client->wait_for_x509_context(10s));
  auto t0 = std::chrono::steady_clock::now();
  client->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST_F(ClientTest, TheAgentRefusesCallsWithoutTheSecurityHeader) {
  auto agent = TestAgent::start(socket, material());
  ASSERT_TRUE(agent);
  auto channel = grpc::CreateChannel("unix://" + socket, grpc::InsecureChannelCredentials());
  auto stub = SpiffeWorkloadAPI::NewStub(channel);
  grpc::ClientContext ctx;  // no workload.spiffe.io header
  auto reader = stub->FetchX509SVID(&ctx, X509SVIDRequest{});
  X509SVIDResponse msg;
  EXPECT_FALSE(reader->Read(&msg));
  auto status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ((*agent)->refused(), 1u);
  // The same call with the header gets the SVID (so the refusal was the header's doing).
  grpc::ClientContext with;
  with.AddMetadata("workload.spiffe.io", "true");
  auto ok = stub->FetchX509SVID(&with, X509SVIDRequest{});
  EXPECT_TRUE(ok->Read(&msg));
  EXPECT_EQ(msg.svids(0).spiffe_id(), "spiffe://example.org/gateway");
  with.TryCancel();
  ok->Finish();
}

TEST_F(ClientTest, ABadSvidIsRejectedAndTheGoodOneKept) {
  auto agent = TestAgent::start(socket, material());
  ASSERT_TRUE(agent);
  auto client = *WorkloadApiClient::create(options());
  ASSERT_TRUE(client->start());
  ASSERT_TRUE(client->wait_for_x509_context(10s));
  auto bad = material();
  bad.spiffe_id = "spiffe://example.org/someone-else";  // the certificate says /gateway
  ASSERT_TRUE((*agent)->update(bad));
  ASSERT_TRUE(eventually([&] { return client->rejected() >= 1; }));
  EXPECT_EQ(client->x509_context()->sequence, 1u);
  EXPECT_EQ(client->x509_context()->svids.front().spiffe_id, "spiffe://example.org/gateway");
}

TEST(ClientCreate, RefusesBadEndpoints) {
  EXPECT_FALSE(WorkloadApiClient::create(ClientOptions{"tcp://localhost:1"}));
  EXPECT_FALSE(WorkloadApiClient::create(ClientOptions{"unix:///tmp/x.sock", 0ms}));
}

}  // namespace
}  // namespace gatehouse::spiffe
