#include "spiffe/endpoint.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace gatehouse::spiffe {
namespace {

TEST(Endpoint, UnixAndTcpTargets) {
  EXPECT_EQ(*grpc_target("unix:///tmp/agent.sock"), "unix:///tmp/agent.sock");
  EXPECT_EQ(*grpc_target("unix:/run/spire/sockets/agent.sock"), "unix:///run/spire/sockets/agent.sock");
  EXPECT_EQ(*grpc_target("tcp://127.0.0.1:8081"), "ipv4:127.0.0.1:8081");
  EXPECT_EQ(*grpc_target("tcp://[::1]:8081"), "ipv6:[::1]:8081");
}

TEST(Endpoint, RefusesWhatTheSpecForbids) {
  for (const char* bad : {"", "agent.sock", "/tmp/agent.sock", "unix://host/tmp/agent.sock", "unix:relative.sock",
                          "unix:///tmp/a.sock?x=1", "unix:///tmp/a.sock#f", "tcp://localhost:8081", "tcp://127.0.0.1",
                          "tcp://127.0.0.1:0", "tcp://user@127.0.0.1:8081", "tcp://127.0.0.1:8081/path",
                          "http://127.0.0.1:8081", "unix://", "unix:"}) {
    auto r = grpc_target(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_config) << bad;
    EXPECT_EQ(r.error().reason, "spiffe.endpoint") << bad;
  }
  EXPECT_FALSE(grpc_target("unix://" + std::string(200, 'a')));
}

TEST(Endpoint, ConfiguredWinsOverEnvironment) {
  ::setenv(kEndpointEnv, "unix:///env/agent.sock", 1);
  EXPECT_EQ(*resolve_endpoint("unix:///cfg/agent.sock"), "unix:///cfg/agent.sock");
  EXPECT_EQ(*resolve_endpoint(""), "unix:///env/agent.sock");
  ::unsetenv(kEndpointEnv);
  auto none = resolve_endpoint("");
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("SPIFFE_ENDPOINT_SOCKET"), std::string::npos);
}

}  // namespace
}  // namespace gatehouse::spiffe
