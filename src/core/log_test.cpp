#include "core/log.hpp"

#include <gtest/gtest.h>

namespace gatehouse::log {
namespace {

TEST(Log, ParsesLevels) {
  EXPECT_EQ(parse_level("debug"), Level::debug);
  EXPECT_EQ(parse_level("warning"), Level::warn);
  EXPECT_FALSE(parse_level("loud").has_value());
}

TEST(Log, LevelIsChangeableAtRunTime) {
  set_level(Level::error);
  EXPECT_FALSE(enabled(Level::info));
  set_level(Level::debug);
  EXPECT_TRUE(enabled(Level::info));
  set_level(Level::info);
}

TEST(Log, EscapesJson) {
  std::string out;
  append_json_escaped(out, "a\"b\\c\n\x01");
  EXPECT_EQ(out, "a\\\"b\\\\c\\n\\u0001");
}

}  // namespace
}  // namespace gatehouse::log
