// The plugin loader through the real .so (this binary does not link gRPC): a missing plugin
// is a clear error naming the path, and the built plugin loads and runs its streams.
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "spiffe/workload_api_client.hpp"

namespace gatehouse::spiffe {
namespace {

using namespace std::chrono_literals;

TEST(PluginLoader, MissingPluginNamesThePathTried) {
  ::setenv("GATEHOUSE_SPIFFE_PLUGIN", "/nonexistent/libgatehouse_spiffe_grpc.so", 1);
  auto client = *WorkloadApiClient::create(ClientOptions{"unix:///tmp/gh-loader-test-none.sock"});
  auto started = client->start();
  ::unsetenv("GATEHOUSE_SPIFFE_PLUGIN");
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("/nonexistent/libgatehouse_spiffe_grpc.so (not found)"), std::string::npos)
      << started.error().message;
}

#ifdef GATEHOUSE_SPIFFE_PLUGIN_PATH
// No agent on the socket: the plugin's streams fail and reopen, which the client counts.
TEST(PluginLoader, BuiltPluginLoadsAndRunsItsStreams) {
  auto client = *WorkloadApiClient::create(ClientOptions{"unix:///tmp/gh-loader-test-none.sock", 20ms, 40ms});
  ASSERT_TRUE(client->start());
  auto end = std::chrono::steady_clock::now() + 10s;
  while (client->reconnects() == 0 && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(10ms);
  EXPECT_GT(client->reconnects(), 0u);
  client->stop();
  EXPECT_EQ(client->x509_context(), nullptr);
}
#endif

}  // namespace
}  // namespace gatehouse::spiffe
