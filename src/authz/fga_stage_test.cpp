// The fga stage with its decision cache on the embedded engine: what goes into a cache key.
#include "authz/fga_stage.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <fstream>

#include "auth/identity.hpp"
#include "authz/fga_stage_testing.hpp"
#include "config/loader.hpp"

namespace gatehouse::authz {
namespace {

constexpr const char* kModel = R"(model
  schema 1.1

type user

type role
  relations
    define member: [user]

type server
  relations
    define caller: [role#member]

type tool
  relations
    define server: [server]
    define can_call: caller from server
)";

constexpr const char* kTuples = R"(
- { user: "server:bank", relation: server, object: "tool:bank/transfer" }
- { user: "role:oncall#member", relation: caller, object: "server:bank" }
)";

class FgaStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gatehouse-fga-stage-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "model.fga") << kModel;
    std::ofstream(dir_ / "tuples.yaml") << kTuples;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<gateway::PolicyStage> stage(const std::string& ttl) {
    const std::string yaml = testing::fga_route_config(dir_, ttl);
    auto config = config::load_string(yaml, "gw.yaml");
    EXPECT_TRUE(config.ok()) << (config.ok() ? "" : config.error().message);
    auto s = make_fga_stage(*config, nullptr);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return std::move(*s);
  }

  // One tools/call through the stage: true when it proceeds.
  static bool allowed(gateway::PolicyStage& stage, const std::string& tool, std::vector<std::string> roles) {
    testing::ToolCall call("alice", tool, std::move(roles));
    auto& request = call.request;
    boost::asio::io_context io;
    boost::asio::co_spawn(
        io, [&]() -> boost::asio::awaitable<void> { co_await stage.apply(request); }, boost::asio::detached);
    io.run();
    return request.decision == "allow";
  }

  std::filesystem::path dir_;
};

TEST_F(FgaStageTest, RolesArePartOfTheKey) {
  auto s = stage("30s");
  EXPECT_TRUE(allowed(*s, "transfer", {"oncall"}));
  EXPECT_FALSE(allowed(*s, "transfer", {}));  // the cached allow with the role is not this check
  EXPECT_TRUE(allowed(*s, "transfer", {"oncall"}));
  auto stats = fga_cache_stats(*s);
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->hits, 1u);
  EXPECT_EQ(stats->misses, 2u);
  EXPECT_EQ(stats->entries, 2u);
}

TEST_F(FgaStageTest, ANameWithSeparatorsCannotBorrowAnotherChecksDecision) {
  auto s = stage("30s");
  ASSERT_TRUE(allowed(*s, "transfer", {"oncall"}));
  // Spelled so that "object + role tuple" of the cached check reads the same as this object
  // alone, with separators of a naive key.
  EXPECT_FALSE(allowed(*s, "transfer\nrole:oncall", {}));
  EXPECT_FALSE(allowed(*s, "transfer\nrole:oncall\n", {}));
  EXPECT_FALSE(allowed(*s, "transfer\n11:role:oncall", {}));
}

TEST_F(FgaStageTest, TtlZeroAsksEveryTime) {
  auto s = stage("0");
  EXPECT_TRUE(allowed(*s, "transfer", {"oncall"}));
  EXPECT_TRUE(allowed(*s, "transfer", {"oncall"}));
  auto stats = fga_cache_stats(*s);
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->hits, 0u);
  EXPECT_EQ(stats->entries, 0u);
}

}  // namespace
}  // namespace gatehouse::authz
