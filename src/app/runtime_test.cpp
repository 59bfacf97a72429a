// build_runtime from real config text: what the binary would serve for a snapshot.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "app/authn_builder.hpp"
#include "app/runtime.hpp"
#include "auth/test_keys.hpp"
#include "config/loader.hpp"

namespace gatehouse::app {
namespace {

constexpr const char* kBase = R"(
listeners:
  - { name: main, address: 127.0.0.1, port: 8080 }
routes:
  - name: tools
    listener: main
    path: /mcp
    backend: tools
backends:
  - name: tools
    targets:
      - { name: echo, http: { url: "http://127.0.0.1:9101/mcp" } }
)";

Result<config::Config> load(const std::string& yaml, const std::string& dir = "") {
  return config::load_string(yaml, dir.empty() ? "test.yaml" : dir + "/test.yaml");
}

TEST(RuntimeTest, PlainRouteBuildsSnapshotWithoutAuthStage) {
  auto config = load(kBase);
  ASSERT_TRUE(config) << config.error().message;
  boost::asio::io_context idle;
  auto rt = build_runtime(*config, 7, RuntimeDeps{idle.get_executor(), nullptr});
  ASSERT_TRUE(rt) << rt.error().message;
  EXPECT_EQ(rt->snapshot->generation, 7u);
  ASSERT_EQ(rt->snapshot->routes.size(), 1u);
  EXPECT_EQ(rt->snapshot->routes[0].path, "/mcp");
  ASSERT_EQ(rt->snapshot->routes[0].targets.size(), 1u);
  EXPECT_TRUE(rt->chain->empty());
}

TEST(RuntimeTest, AuthRoutePublishesMetadataAtBothWellKnownPaths) {
  auto dir = std::filesystem::temp_directory_path() / ("gh-runtime-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto key = auth::testing::generate_key(auth::Alg::rs256, "k1");
  std::ofstream(dir / "jwks.json") << auth::testing::jwks_json({&key});
  std::string yaml = R"(
listeners:
  - { name: main, address: 127.0.0.1, port: 8080 }
routes:
  - name: tools
    listener: main
    path: /mcp
    backend: tools
    auth:
      scopes: [mcp:tools]
      providers:
        - { name: idp, issuer: "https://idp.example", audience: "http://127.0.0.1:8080/mcp", jwks_file: jwks.json }
backends:
  - name: tools
    targets:
      - { name: echo, http: { url: "http://127.0.0.1:9101/mcp" } }
)";
  auto config = load(yaml, dir.string());
  ASSERT_TRUE(config) << config.error().message;
  boost::asio::io_context idle;
  auto build = build_authn(*config, std::make_shared<auth::TokenCache>(16), idle.get_executor());
  ASSERT_TRUE(build) << build.error().message;
  ASSERT_NE(build->stage, nullptr);
  ASSERT_EQ(build->documents.size(), 2u);
  EXPECT_EQ(build->documents[0].path, "/.well-known/oauth-protected-resource/mcp");
  EXPECT_EQ(build->documents[1].path, "/.well-known/oauth-protected-resource");
  EXPECT_NE(build->documents[0].body.find("\"resource\":\"http://127.0.0.1:8080/mcp\""), std::string::npos)
      << build->documents[0].body;
  EXPECT_NE(build->documents[0].body.find("https://idp.example"), std::string::npos);
  auto rt = build_runtime(*config, 1, RuntimeDeps{idle.get_executor(), nullptr});
  ASSERT_TRUE(rt) << rt.error().message;
  EXPECT_FALSE(rt->chain->empty());
  std::filesystem::remove_all(dir);
}

TEST(RuntimeTest, MissingKeyFileIsAConfigError) {
  std::string yaml = R"(
listeners:
  - { name: main, address: 127.0.0.1, port: 8080 }
routes:
  - name: tools
    listener: main
    path: /mcp
    backend: tools
    auth:
      providers:
        - { name: idp, issuer: "https://idp.example", audience: "http://127.0.0.1:8080/mcp", jwks_file: /nonexistent/jwks.json }
backends:
  - name: tools
    targets:
      - { name: echo, http: { url: "http://127.0.0.1:9101/mcp" } }
)";
  auto config = load(yaml);
  if (!config) {  // the loader may already check that the file exists
    EXPECT_NE(config.error().message.find("jwks_file"), std::string::npos) << config.error().message;
    return;
  }
  boost::asio::io_context idle;
  auto rt = build_runtime(*config, 1, RuntimeDeps{idle.get_executor(), nullptr});
  ASSERT_FALSE(rt);
  EXPECT_NE(rt.error().message.find("routes.tools.auth"), std::string::npos) << rt.error().message;
}

}  // namespace
}  // namespace gatehouse::app
