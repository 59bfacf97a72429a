#include <gtest/gtest.h>

#include "gateway/principal_limits.hpp"
#include "gateway/target_health.hpp"

namespace gatehouse::gateway {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(TargetHealthTest, EjectsAfterConsecutiveFailuresAndProbesOnce) {
  TargetHealth h({3, 1000ms, 8000ms});
  auto t0 = Clock::now();
  EXPECT_FALSE(h.record(false, t0));
  EXPECT_FALSE(h.record(true, t0));  // a success resets the run
  EXPECT_FALSE(h.record(false, t0));
  EXPECT_FALSE(h.record(false, t0));
  EXPECT_TRUE(h.record(false, t0));  // third in a row
  EXPECT_TRUE(h.ejected(t0));
  EXPECT_FALSE(h.admit(t0 + 999ms));
  EXPECT_TRUE(h.admit(t0 + 1000ms));   // the probe
  EXPECT_FALSE(h.admit(t0 + 1001ms));  // only one at a time
  EXPECT_TRUE(h.record(false, t0 + 1100ms));  // a failed probe ejects again, for twice as long
  EXPECT_FALSE(h.admit(t0 + 3000ms));
  EXPECT_TRUE(h.admit(t0 + 3100ms));
  EXPECT_FALSE(h.record(true, t0 + 3200ms));  // recovered
  EXPECT_FALSE(h.ejected(t0 + 3200ms));
  EXPECT_TRUE(h.admit(t0 + 3200ms));
  EXPECT_EQ(h.ejections(), 2u);
}

TEST(TargetHealthTest, BackoffIsCappedAndZeroNeverEjects) {
  TargetHealth h({1, 1000ms, 3000ms});
  auto t = Clock::now();
  for (int i = 0; i < 5; ++i) {
    auto expected = std::min<std::chrono::milliseconds>(1000ms * (1 << i), 3000ms);  // 1 s, 2 s, then 3 s
    ASSERT_TRUE(h.record(false, t));
    EXPECT_FALSE(h.admit(t + expected - 1ms));
    t += expected;
    ASSERT_TRUE(h.admit(t));
  }
  TargetHealth never({0, 1000ms, 3000ms});
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(never.record(false));
  EXPECT_TRUE(never.admit());
}

TEST(PrincipalLimitsTest, SessionsPerPrincipal) {
  PrincipalLimits l;
  PrincipalLimitsSpec spec{2, 0, 60s};
  auto t = Clock::now();
  EXPECT_TRUE(l.may_open_session("alice", spec, t));
  l.session_opened("alice", "s1", 0, t);
  l.session_opened("alice", "s2", 0, t);
  EXPECT_FALSE(l.may_open_session("alice", spec, t));
  EXPECT_TRUE(l.may_open_session("bob", spec, t));  // per principal
  l.session_closed("alice", "s1");
  EXPECT_TRUE(l.may_open_session("alice", spec, t));
  l.session_opened("alice", "s3", 0, t);
  EXPECT_FALSE(l.may_open_session("alice", spec, t + 30s));
  l.session_used("alice", "s3", t + 50s);
  // s2 idle for 60 s is dropped; s3 was used.
  EXPECT_TRUE(l.may_open_session("alice", spec, t + 61s));
  EXPECT_EQ(l.sessions("alice"), 1u);
  // An expired session no longer counts.
  l.session_opened("carol", "c1", 1, t);
  EXPECT_TRUE(l.may_open_session("carol", PrincipalLimitsSpec{1, 0, 60s}, t));
}

TEST(PrincipalLimitsTest, InFlightGuards) {
  PrincipalLimits l;
  PrincipalLimitsSpec spec{0, 2, 60s};
  bool refused = false;
  {
    auto a = l.enter("alice", spec, &refused);
    EXPECT_FALSE(refused);
    auto b = l.enter("alice", spec, &refused);
    EXPECT_FALSE(refused);
    auto c = l.enter("alice", spec, &refused);
    EXPECT_TRUE(refused);
    EXPECT_FALSE(c);
    auto d = l.enter("bob", spec, &refused);
    EXPECT_FALSE(refused);
    EXPECT_EQ(l.in_flight("alice"), 2u);
  }
  EXPECT_EQ(l.in_flight("alice"), 0u);
  auto unlimited = l.enter("alice", PrincipalLimitsSpec{}, &refused);
  EXPECT_FALSE(refused);
  EXPECT_EQ(l.in_flight("alice"), 0u);
}

}  // namespace
}  // namespace gatehouse::gateway
