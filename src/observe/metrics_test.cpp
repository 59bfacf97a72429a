#include "observe/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace gatehouse::observe {
namespace {

TEST(Metrics, RendersCountersWithLabels) {
  Registry reg;
  auto& requests = reg.counter("gatehouse_requests_total", "Requests by route.", {"route", "status"});
  requests.with({"tools", "200"}).inc();
  requests.with({"tools", "200"}).inc(2);
  requests.with({"tools", "404"}).inc();
  EXPECT_EQ(reg.render(),
            "# HELP gatehouse_requests_total Requests by route.\n"
            "# TYPE gatehouse_requests_total counter\n"
            "gatehouse_requests_total{route=\"tools\",status=\"200\"} 3\n"
            "gatehouse_requests_total{route=\"tools\",status=\"404\"} 1\n");
}

TEST(Metrics, SeriesPointersAreStable) {
  Registry reg;
  auto& fam = reg.counter("c_total", "c", {"k"});
  Counter* first = &fam.with({"a"});
  for (int i = 0; i < 100; ++i) fam.with({std::to_string(i)});
  EXPECT_EQ(first, &fam.with({"a"}));
}

TEST(Metrics, EscapesLabelValues) {
  Registry reg;
  reg.gauge("g", "a gauge", {"name"}).with({"a\"b\\c\nd"}).set(1.5);
  EXPECT_NE(reg.render().find("g{name=\"a\\\"b\\\\c\\nd\"} 1.5\n"), std::string::npos);
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Registry reg;
  auto& h = reg.histogram("lat_seconds", "latency", {}, {0.1, 1.0}).with(LabelValues{});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(0.5);
  h.observe(5);
  auto text = reg.render();
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"0.10000000000000001\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"1\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"+Inf\"} 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_count 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_sum 6.0499999999999998\n"), std::string::npos) << text;
}

TEST(Metrics, ConcurrentIncrementsAreNotLost) {
  Registry reg;
  auto& fam = reg.counter("n_total", "n", {"t"});
  auto& gauge = reg.gauge("active", "a").with(LabelValues{});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        fam.with({"x"}).inc();
        gauge.inc();
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(fam.with({"x"}).value(), 40000u);
  EXPECT_EQ(gauge.value(), 40000.0);
}

}  // namespace
}  // namespace gatehouse::observe
