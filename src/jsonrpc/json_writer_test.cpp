// json_writer must write exactly what boost::json::serialize writes: the gateway switched
// to it on the relay path, and clients and upstreams see those bytes.
#include "jsonrpc/json_writer.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace gatehouse::jsonrpc {
namespace {

namespace json = boost::json;

void expect_same(const json::value& v) {
  EXPECT_EQ(to_json(v), json::serialize(v));
  if (v.is_object()) EXPECT_EQ(to_json(v.get_object()), json::serialize(v.get_object()));
}

TEST(JsonWriter, EveryByteInStringsAndKeys) {
  for (int c = 0; c < 256; ++c) {
    const std::string s(1, static_cast<char>(c));
    expect_same(json::value(json::string(s)));
    json::object o;
    o[s] = s + "tail" + s;
    expect_same(json::value(o));
  }
}

TEST(JsonWriter, EscapesAtEveryPositionAroundTheSixteenByteBlocks) {
  for (std::size_t len = 0; len < 70; ++len) {
    for (std::size_t at = 0; at < len; ++at) {
      for (char special : {'"', '\\', '\n', '\x01', '\x1f', '\x7f', '\xc3'}) {
        std::string s(len, 'a');
        s[at] = special;
        expect_same(json::value(json::string(s)));
      }
    }
  }
}

TEST(JsonWriter, LongStringWithEscapesThroughout) {
  std::string s;
  for (int i = 0; i < 40000; ++i) s.push_back(i % 97 == 0 ? '"' : i % 89 == 0 ? '\n' : static_cast<char>('a' + i % 26));
  json::object o{{"jsonrpc", "2.0"}, {"id", 1}, {"params", {{"arguments", {{"text", s}}}}}};
  expect_same(json::value(o));
}

TEST(JsonWriter, Numbers) {
  for (std::int64_t n : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{7}, std::numeric_limits<std::int64_t>::min(),
                         std::numeric_limits<std::int64_t>::max()})
    expect_same(json::value(n));
  for (std::uint64_t n : {std::uint64_t{0}, std::numeric_limits<std::uint64_t>::max()}) expect_same(json::value(n));
  for (double d : {0.0, -0.0, 1.0, 1.5, -2.25, 1e300, 5e-324, 0.1, 123456789.125, std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity(), std::nan("")})
    expect_same(json::value(d));
}

TEST(JsonWriter, LiteralsAndEmptyContainers) {
  expect_same(json::parse(R"({"a":true,"b":false,"c":null,"d":{},"e":[],"f":[[],{},[{}]],"":""})"));
  expect_same(json::value(json::array{}));
  expect_same(json::value(nullptr));
}

TEST(JsonWriter, AppendsAfterExistingText) {
  std::string out = "data: ";
  append_json(out, json::parse(R"({"id":1,"result":{"x":"y\"z"}})").get_object());
  EXPECT_EQ(out, R"(data: {"id":1,"result":{"x":"y\"z"}})");
  out.clear();
  append_json_string(out, "a\tb");
  EXPECT_EQ(out, R"("a\tb")");
}

// Random documents: nesting, every kind, strings of random bytes.
json::value random_value(std::mt19937_64& rng, int depth) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  auto random_string = [&] {
    std::string s(static_cast<std::size_t>(pick(40)), ' ');
    for (auto& c : s) c = pick(4) == 0 ? static_cast<char>(pick(256)) : static_cast<char>('a' + pick(26));
    return s;
  };
  switch (depth > 4 ? 2 + pick(6) : pick(8)) {
    case 0: {
      json::object o;
      for (int i = pick(6); i > 0; --i) o[random_string()] = random_value(rng, depth + 1);
      return o;
    }
    case 1: {
      json::array a;
      for (int i = pick(6); i > 0; --i) a.push_back(random_value(rng, depth + 1));
      return a;
    }
    case 2: return json::string(random_string());
    case 3: return static_cast<std::int64_t>(rng());
    case 4: return static_cast<std::uint64_t>(rng());
    case 5: return static_cast<double>(static_cast<std::int64_t>(rng())) / static_cast<double>(1 + pick(1000));
    case 6: return pick(2) == 0;
    default: return nullptr;
  }
}

TEST(JsonWriter, RandomDocumentsMatchBoost) {
  std::mt19937_64 rng(20261123);
  for (int i = 0; i < 3000; ++i) expect_same(random_value(rng, 0));
}

}  // namespace
}  // namespace gatehouse::jsonrpc
