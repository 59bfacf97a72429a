#include "config/values.hpp"

#include <gtest/gtest.h>

namespace gatehouse::config {
namespace {

EnvLookup fake_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    if (name == "PORT") return "9000";
    if (name == "EMPTY") return "";
    return std::nullopt;
  };
}

std::string expanded(std::string_view s) {
  auto r = expand_env(s, fake_env());
  if (auto* e = parse_error(r)) return "ERR: " + *e;
  return std::get<std::string>(r);
}

TEST(ValuesTest, ExpandsEnvironment) {
  EXPECT_EQ(expanded("plain"), "plain");
  EXPECT_EQ(expanded("${PORT}"), "9000");
  EXPECT_EQ(expanded("http://h:${PORT}/mcp"), "http://h:9000/mcp");
  EXPECT_EQ(expanded("${MISSING:-8080}"), "8080");
  EXPECT_EQ(expanded("${EMPTY:-x}"), "x");
  EXPECT_EQ(expanded("${EMPTY}"), "");
  EXPECT_EQ(expanded("${MISSING:-}"), "");
  EXPECT_EQ(expanded("$${PORT}"), "${PORT}");
  EXPECT_EQ(expanded("$PORT"), "$PORT");
  EXPECT_EQ(expanded("${MISSING}"),
            "ERR: environment variable MISSING is not set (use ${MISSING:-default} for a default)");
  EXPECT_EQ(expanded("${PORT"), "ERR: unterminated ${ in value");
  EXPECT_EQ(expanded("${1X}"), "ERR: bad environment reference ${1X}");
  EXPECT_EQ(expanded("${}"), "ERR: bad environment reference ${}");
}

TEST(ValuesTest, Durations) {
  EXPECT_EQ(std::get<Duration>(parse_duration("500ms")).count(), 500);
  EXPECT_EQ(std::get<Duration>(parse_duration("30s")).count(), 30'000);
  EXPECT_EQ(std::get<Duration>(parse_duration("5m")).count(), 300'000);
  EXPECT_EQ(std::get<Duration>(parse_duration("24h")).count(), 86'400'000);
  EXPECT_EQ(std::get<Duration>(parse_duration("0s")).count(), 0);
  for (auto bad : {"", "30", "s", "30x", "-1s", "1.5s", " 30s", "30 s", "99999999999999999999h", "9999999999999999h"})
    EXPECT_TRUE(parse_error(parse_duration(bad))) << bad;
  EXPECT_EQ(*parse_error(parse_duration("30")), "bad duration \"30\": a unit is required (ms, s, m, h)");
}

TEST(ValuesTest, Sizes) {
  EXPECT_EQ(std::get<std::uint64_t>(parse_size("512")), 512u);
  EXPECT_EQ(std::get<std::uint64_t>(parse_size("512B")), 512u);
  EXPECT_EQ(std::get<std::uint64_t>(parse_size("16KiB")), 16u * 1024);
  EXPECT_EQ(std::get<std::uint64_t>(parse_size("4MiB")), 4u * 1024 * 1024);
  EXPECT_EQ(std::get<std::uint64_t>(parse_size("1GiB")), 1024ull * 1024 * 1024);
  for (auto bad : {"", "KiB", "4MB", "4 MiB", "-1", "99999999999GiB"})
    EXPECT_TRUE(parse_error(parse_size(bad))) << bad;
}

TEST(ValuesTest, Rates) {
  auto r = std::get<Rate>(parse_rate("10/s"));
  EXPECT_EQ(r.tokens, 10u);
  EXPECT_EQ(r.per.count(), 1000);
  r = std::get<Rate>(parse_rate("20/100ms"));
  EXPECT_EQ(r.tokens, 20u);
  EXPECT_EQ(r.per.count(), 100);
  r = std::get<Rate>(parse_rate("5/h"));
  EXPECT_EQ(r.per.count(), 3'600'000);
  for (auto bad : {"", "10", "/s", "10/", "0/s", "10/x", "10/0s", "a/s", "10/s/s"})
    EXPECT_TRUE(parse_error(parse_rate(bad))) << bad;
}

TEST(ValuesTest, UrlsOriginsAddresses) {
  EXPECT_FALSE(parse_error(parse_url("http://127.0.0.1:9101/mcp", {"http", "https"})));
  EXPECT_FALSE(parse_error(parse_url("redis://:pw@127.0.0.1:6379", {"redis"})));
  EXPECT_TRUE(parse_error(parse_url("ftp://x/", {"http", "https"})));
  EXPECT_TRUE(parse_error(parse_url("http:///nohost", {"http"})));
  EXPECT_TRUE(parse_error(parse_url("not a url", {"http"})));
  EXPECT_TRUE(parse_error(parse_url("/relative", {"http"})));
  EXPECT_TRUE(parse_error(parse_url("http://h/#frag", {"http"})));
  EXPECT_FALSE(parse_error(parse_origin("https://app.example")));
  EXPECT_FALSE(parse_error(parse_origin("http://localhost:3000")));
  EXPECT_TRUE(parse_error(parse_origin("https://app.example/path")));
  EXPECT_TRUE(parse_error(parse_origin("app.example")));
  EXPECT_EQ(std::get<std::string>(parse_address("127.0.0.1")), "127.0.0.1");
  EXPECT_EQ(std::get<std::string>(parse_address("::1")), "::1");
  EXPECT_TRUE(parse_error(parse_address("localhost")));
  EXPECT_TRUE(parse_error(parse_address("256.0.0.1")));
}

TEST(ValuesTest, SessionKey) {
  // 32 bytes 0..31 in base64url, with and without padding.
  std::string key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
  auto k = parse_session_key(key);
  ASSERT_FALSE(parse_error(k));
  auto bytes = std::get<std::vector<std::uint8_t>>(k);
  ASSERT_EQ(bytes.size(), 32u);
  for (int i = 0; i < 32; ++i) EXPECT_EQ(bytes[i], i);
  EXPECT_FALSE(parse_error(parse_session_key(key + "=")));
  // '-' and '_' are the url alphabet for '+' and '/'.
  auto all_ones = std::get<std::vector<std::uint8_t>>(parse_session_key(std::string(43, '_')));
  EXPECT_EQ(all_ones[0], 0xff);
  EXPECT_EQ(*parse_error(parse_session_key("AAEC")), "session key must be 32 bytes, got 3");
  EXPECT_TRUE(parse_error(parse_session_key(key + "AA")));
  EXPECT_TRUE(parse_error(parse_session_key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+")));
  EXPECT_TRUE(parse_error(parse_session_key("A")));
}

TEST(ValuesTest, ClosestName) {
  std::vector<std::string> names{"tools", "admin", "listeners"};
  EXPECT_EQ(closest("tols", names), "tools");
  EXPECT_EQ(closest("listner", names), "listeners");
  EXPECT_EQ(closest("zzzzzz", names), std::nullopt);
  EXPECT_EQ(closest("a", {"b"}), std::nullopt);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

}  // namespace
}  // namespace gatehouse::config
