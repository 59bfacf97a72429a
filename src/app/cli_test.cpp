#include "app/cli.hpp"

#include <gtest/gtest.h>

namespace gatehouse::app {
namespace {

TEST(Cli, RunNeedsAConfig) {
  auto ok = parse_command_line({"run", "--config", "gw.yaml"});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->kind, Command::Kind::run);
  EXPECT_EQ(ok->config, "gw.yaml");
  auto eq = parse_command_line({"run", "--config=gw.yaml", "--log-level", "debug"});
  ASSERT_TRUE(eq);
  EXPECT_EQ(eq->config, "gw.yaml");
  EXPECT_EQ(eq->log_level, "debug");
  EXPECT_FALSE(parse_command_line({"run"}));
  EXPECT_FALSE(parse_command_line({"run", "--config"}));
  EXPECT_FALSE(parse_command_line({"run", "--config", "a", "extra"}));
}

TEST(Cli, ValidateTakesOneFile) {
  auto ok = parse_command_line({"validate", "gw.yaml"});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->kind, Command::Kind::validate);
  EXPECT_EQ(ok->config, "gw.yaml");
  EXPECT_FALSE(parse_command_line({"validate"}));
  EXPECT_FALSE(parse_command_line({"validate", "a", "b"}));
}

TEST(Cli, PolicyAndFgaTest) {
  auto p = parse_command_line({"policy", "test", "--config", "gw.yaml", "cases.yaml"});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, Command::Kind::policy_test);
  EXPECT_EQ(p->file, "cases.yaml");
  EXPECT_TRUE(parse_command_line({"policy", "test", "cases.yaml"}));  // the cases file names its config
  EXPECT_FALSE(parse_command_line({"policy", "test"}));
  EXPECT_FALSE(parse_command_line({"policy", "check"}));
  auto f = parse_command_line({"fga", "test", "store.fga.yaml"});
  ASSERT_TRUE(f);
  EXPECT_EQ(f->kind, Command::Kind::fga_test);
  EXPECT_EQ(f->file, "store.fga.yaml");
}

TEST(Cli, UnknownInputIsAnError) {
  EXPECT_FALSE(parse_command_line({}));
  EXPECT_FALSE(parse_command_line({"serve"}));
  auto bad = parse_command_line({"run", "--config", "x", "--verbose"});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("--verbose"), std::string::npos);
}

}  // namespace
}  // namespace gatehouse::app
