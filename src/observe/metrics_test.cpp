#include "observe/metrics.hpp"
#include "observe/gateway_metrics.hpp"

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
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"0.1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"1\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"+Inf\"} 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_count 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_sum 6.05\n"), std::string::npos) << text;
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

TEST(Metrics, NumbersAreShortestAndPositionalInTheUsualRange) {
  Registry reg;
  auto& g = reg.gauge("g", "g", {"k"});
  g.with({"a"}).set(0.0001);
  g.with({"b"}).set(5e-05);
  g.with({"c"}).set(30);
  g.with({"d"}).set(-2.5);
  g.with({"e"}).set(1e22);
  g.with({"f"}).set(0);
  auto text = reg.render();
  EXPECT_NE(text.find("g{k=\"a\"} 0.0001\n"), std::string::npos) << text;
  EXPECT_NE(text.find("g{k=\"b\"} 5e-05\n"), std::string::npos) << text;
  EXPECT_NE(text.find("g{k=\"c\"} 30\n"), std::string::npos) << text;
  EXPECT_NE(text.find("g{k=\"d\"} -2.5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("g{k=\"e\"} 1e+22\n"), std::string::npos) << text;
  EXPECT_NE(text.find("g{k=\"f\"} 0\n"), std::string::npos) << text;
}

TEST(Metrics, UnlabelledFamiliesRenderZeroBeforeFirstUse) {
  Registry reg;
  reg.counter("c_total", "c");
  reg.gauge("g", "g");
  reg.histogram("h_seconds", "h", {}, {1});
  reg.counter("labelled_total", "l", {"k"});
  auto text = reg.render();
  EXPECT_NE(text.find("\nc_total 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\ng 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nh_seconds_bucket{le=\"+Inf\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nh_seconds_count 0\n"), std::string::npos) << text;
  // A labelled family has no series until a label tuple is used: HELP and TYPE only.
  EXPECT_TRUE(text.ends_with("# TYPE labelled_total counter\n")) << text;
}

TEST(Metrics, HelpTextIsEscaped) {
  Registry reg;
  reg.counter("c_total", "line one\nback\\slash \"quotes\" stay");
  EXPECT_NE(reg.render().find("# HELP c_total line one\\nback\\\\slash \"quotes\" stay\n"), std::string::npos)
      << reg.render();
}

TEST(GatewayMetrics, DeclaresTheStandardFamilies) {
  Registry reg;
  auto m = GatewayMetrics::declare(reg);
  m.http_requests->with({"/mcp", "POST", "200"}).inc();
  m.upstream_latency->with({"w"}).observe(0.01);
  m.sessions_active->inc();
  auto text = reg.render();
  for (const char* family :
       {"# TYPE gatehouse_http_requests_total counter", "# TYPE gatehouse_mcp_calls_total counter",
        "# TYPE gatehouse_authn_total counter", "# TYPE gatehouse_authz_total counter",
        "# TYPE gatehouse_ratelimit_hits_total counter", "# TYPE gatehouse_upstream_latency_seconds histogram",
        "# TYPE gatehouse_sessions_active gauge", "# TYPE gatehouse_streams_active gauge",
        "# TYPE gatehouse_config_reloads_total counter"})
    EXPECT_NE(text.find(family), std::string::npos) << family;
  EXPECT_NE(text.find("gatehouse_http_requests_total{route=\"/mcp\",method=\"POST\",status=\"200\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("gatehouse_sessions_active 1\n"), std::string::npos);
  EXPECT_NE(text.find("gatehouse_streams_active 0\n"), std::string::npos);
  EXPECT_NE(text.find("gatehouse_upstream_latency_seconds_bucket{target=\"w\",le=\"0.01\"} 1\n"), std::string::npos);
  EXPECT_EQ(m.mcp_calls->label_names(), (std::vector<std::string>{"target", "method", "tool", "outcome"}));
}

}  // namespace
}  // namespace gatehouse::observe
