#include "fga/stable_id.hpp"

#include <gtest/gtest.h>

#include <set>

namespace gatehouse::fga {
namespace {

TEST(StableId, SameSeedSameIdAndUlidShaped) {
  const auto a = stable_ulid("store:tools");
  EXPECT_EQ(a, stable_ulid("store:tools"));
  EXPECT_EQ(a.size(), 26u);
  EXPECT_TRUE(is_ulid(a)) << a;
  EXPECT_NE(a, stable_ulid("store:tools2"));
  EXPECT_NE(a, stable_ulid("model:tools"));
}

TEST(StableId, FirstCharacterStaysBelow8OverManySeeds) {
  std::set<char> first;
  std::set<std::string> ids;
  for (int i = 0; i < 2000; ++i) {
    auto id = stable_ulid("route-" + std::to_string(i));
    ASSERT_TRUE(is_ulid(id)) << id;
    first.insert(id[0]);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 2000u);
  EXPECT_EQ(first.size(), 8u);  // every top 3-bit value shows up: the whole range is used
  EXPECT_EQ(*first.rbegin(), '7');
}

TEST(StableId, KnownValueDoesNotDrift) {
  // SHA-256("") starts e3b0c442 98fc1c14 9afbf4c8 996fb924: a changed encoding would move
  // every stored id a client remembers.
  EXPECT_EQ(stable_ulid(""), "73P324567W3GA9NYZMS2CPZE94");
}

TEST(StableId, ShapeCheckRefusesNonUlids) {
  EXPECT_FALSE(is_ulid(""));
  EXPECT_FALSE(is_ulid("01ARZ3NDEKTSV4RRFFQ69G5FA"));    // 25
  EXPECT_FALSE(is_ulid("81ARZ3NDEKTSV4RRFFQ69G5FAV"));   // overflows 128 bits
  EXPECT_FALSE(is_ulid("01ARZ3NDEKTSV4RRFFQ69G5FAU"));   // U is not Crockford
  EXPECT_FALSE(is_ulid("01arz3ndektsv4rrffq69g5fav"));   // lower case
  EXPECT_TRUE(is_ulid("01ARZ3NDEKTSV4RRFFQ69G5FAV"));
}

}  // namespace
}  // namespace gatehouse::fga
