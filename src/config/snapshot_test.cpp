#include "config/snapshot.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace gatehouse::config {
namespace {

TEST(SnapshotTest, StoreAndLoad) {
  SnapshotHolder<std::string> h;
  EXPECT_EQ(h.load(), nullptr);
  EXPECT_EQ(h.generation(), 0u);
  auto first = std::make_shared<const std::string>("one");
  EXPECT_EQ(h.store(first), 1u);
  auto held = h.load();  // a request keeps what it started with
  EXPECT_EQ(h.store(std::make_shared<const std::string>("two")), 2u);
  EXPECT_EQ(*held, "one");
  auto cur = h.current();
  EXPECT_EQ(*cur.value, "two");
  EXPECT_EQ(cur.generation, 2u);
  SnapshotHolder<std::string> seeded(first);
  EXPECT_EQ(seeded.generation(), 1u);
}

TEST(SnapshotTest, ConcurrentStoresNeverLoseAGeneration) {
  SnapshotHolder<int> h(std::make_shared<const int>(0));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < 1000; ++i) {
        h.store(std::make_shared<const int>(t * 1000 + i));
        auto cur = h.current();
        ASSERT_TRUE(cur.value);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(h.generation(), 4001u);
}

}  // namespace
}  // namespace gatehouse::config
