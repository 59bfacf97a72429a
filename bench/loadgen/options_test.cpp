#include "bench/loadgen/options.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace gatehouse::bench {
namespace {

Result<LoadOptions> parse(std::vector<const char*> args) {
  args.insert(args.begin(), "gatehouse-loadgen");
  return parse_options(static_cast<int>(args.size()), const_cast<char**>(args.data()));
}

TEST(LoadgenOptions, ParsesUrlAndLoadShape) {
  auto o = parse({"--url", "http://127.0.0.1:8080/mcp", "--era", "modern", "--connections", "8", "--rate", "500",
                  "--duration", "2.5"});
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->host, "127.0.0.1");
  EXPECT_EQ(o->port, 8080);
  EXPECT_EQ(o->path, "/mcp");
  EXPECT_EQ(o->era, Era::modern);
  EXPECT_EQ(o->connections, 8);
  EXPECT_EQ(o->rate, 500);
  EXPECT_EQ(o->duration.count(), 2500);
}

TEST(LoadgenOptions, AcceptsIpv6Literal) {
  auto o = parse({"--url", "http://[::1]:9000/x"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->host, "::1");
  EXPECT_EQ(o->path, "/x");
}

TEST(LoadgenOptions, RejectsBadInput) {
  EXPECT_FALSE(parse({}).ok());
  EXPECT_FALSE(parse({"--url", "https://h:1/"}).ok());
  EXPECT_FALSE(parse({"--url", "http://h/mcp"}).ok());
  EXPECT_FALSE(parse({"--url", "http://h:1/", "--connections", "0"}).ok());
  EXPECT_FALSE(parse({"--url", "http://h:1/", "--era", "future"}).ok());
  EXPECT_FALSE(parse({"--url", "http://h:1/", "--bogus", "1"}).ok());
  EXPECT_FALSE(parse({"--url"}).ok());
}

}  // namespace
}  // namespace gatehouse::bench
