#include "gateway/naming.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <vector>

namespace gatehouse::gateway {
namespace {

const std::vector<std::string> kTargets = {"echo", "time", "my-server", "my"};

TEST(Naming, ValidTargetNames) {
  EXPECT_TRUE(valid_target_name("echo"));
  EXPECT_TRUE(valid_target_name("my-server-2"));
  for (std::string_view bad : {"", "a_b", "a+b", "a/b", "a:b", "1abc", "-x", "a b", "a.b"})
    EXPECT_FALSE(valid_target_name(bad)) << bad;
  EXPECT_FALSE(valid_target_name(std::string(65, 'a')));
}

TEST(Naming, PrefixModes) {
  EXPECT_FALSE(prefixing(PrefixMode::automatic, 1));
  EXPECT_TRUE(prefixing(PrefixMode::automatic, 2));
  EXPECT_TRUE(prefixing(PrefixMode::always, 1));
  EXPECT_FALSE(prefixing(PrefixMode::never, 5));
}

TEST(Naming, PrefixAndRouteBack) {
  EXPECT_EQ(prefix_name("echo", "say_hello"), "echo_say_hello");
  auto r = route_prefixed("echo_say_hello", kTargets);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->target, "echo");
  EXPECT_EQ(r->name, "say_hello");  // separators inside the tool name survive
  auto d = route_prefixed("my-server_x", kTargets);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->target, "my-server");  // not "my": target names cannot hold the separator
  EXPECT_EQ(d->name, "x");
  auto e = route_prefixed("my_x", kTargets);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->target, "my");
  EXPECT_EQ(route_prefixed("echo_", kTargets)->name, "");
}

TEST(Naming, RouteRejectsUnknown) {
  EXPECT_FALSE(route_prefixed("other_tool", kTargets));
  EXPECT_FALSE(route_prefixed("echo", kTargets));
  EXPECT_FALSE(route_prefixed("_echo", kTargets));
  EXPECT_FALSE(route_prefixed("", kTargets));
  EXPECT_FALSE(route_prefixed("ECHO_x", kTargets));
}

TEST(Naming, UriWrapRoundTripsAnything) {
  for (std::string_view uri : {"file:///tmp/a.txt", "test://static/resource/1", "git+ssh://h/r",
                               "urn:x:y", "", "no-scheme", "a+b+c", "https://h/p?q=1#f",
                               "file:///{path}"}) {
    auto w = wrap_uri("echo", uri);
    auto r = unwrap_uri(w, kTargets);
    ASSERT_TRUE(r) << uri;
    EXPECT_EQ(r->target, "echo");
    EXPECT_EQ(r->name, uri);
  }
  EXPECT_EQ(wrap_uri("my-server", "file:///a"), "my-server+file:///a");
  EXPECT_FALSE(unwrap_uri("file:///a", kTargets));
  EXPECT_FALSE(unwrap_uri("other+file:///a", kTargets));
}

TEST(Naming, RequestIdKeepsTypeAndTarget) {
  for (const char* raw : {"5", "\"abc\"", "\"a:b/c\"", "9007199254740993", "0"}) {
    auto id = boost::json::parse(raw);
    auto w = wrap_request_id("time", id);
    ASSERT_TRUE(w.is_string());
    auto back = unwrap_request_id(w);
    ASSERT_TRUE(back) << raw;
    EXPECT_EQ(back->target, "time");
    EXPECT_EQ(back->id, id) << raw;
  }
  EXPECT_NE(wrap_request_id("a", 1), wrap_request_id("b", 1));
  EXPECT_NE(wrap_request_id("a", 1), wrap_request_id("a", "1"));
  auto on_loop = unwrap_request_id(wrap_request_id("time", 7, 3));
  ASSERT_TRUE(on_loop);
  EXPECT_EQ(on_loop->loop, 3u);
  EXPECT_EQ(on_loop->id, 7);
  for (const char* bad : {"time:7", "time::7", "time:x:7", "time:12345:7", "time:1:", "9x:1:7", "time:1:[1]"})
    EXPECT_FALSE(unwrap_request_id(boost::json::value(bad))) << bad;
}

TEST(Naming, RequestIdRejectsForeignIds) {
  for (const char* raw : {"5", "\"abc\"", "\"time:\"", "\"time:{}\"", "\"time:[1]\"",
                          "\"time:1.5\"", "\"1x:1\"", "\":1\"", "null", "\"time:tru\""}) {
    EXPECT_FALSE(unwrap_request_id(boost::json::parse(raw))) << raw;
  }
}

TEST(Naming, EventIds) {
  auto w = wrap_event_id("echo", "stream-1/42");
  EXPECT_EQ(w, "echo/stream-1/42");
  auto r = unwrap_event_id(w);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->target, "echo");
  EXPECT_EQ(r->name, "stream-1/42");
  EXPECT_FALSE(unwrap_event_id("42"));
  EXPECT_FALSE(unwrap_event_id("/42"));
  EXPECT_FALSE(unwrap_event_id("a_b/42"));
}

}  // namespace
}  // namespace gatehouse::gateway
