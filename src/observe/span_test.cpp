#include "observe/span.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace gatehouse::observe {
namespace {

constexpr std::string_view kParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
constexpr std::string_view kParentUnsampled = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";

TEST(Tracer, ServerSpanContinuesIncomingTrace) {
  Tracer tracer;
  auto span = tracer.start_server_span("POST /mcp", kParent, "rojo=1,bad key=2");
  EXPECT_EQ(to_hex(span.context.trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(to_hex(span.parent_id), "00f067aa0ba902b7");
  EXPECT_NE(to_hex(span.context.span_id), "00f067aa0ba902b7");
  EXPECT_TRUE(span.context.sampled);
  EXPECT_EQ(span.kind, SpanKind::server);
  EXPECT_EQ(span.context.trace_state, "") << "malformed tracestate is dropped";
  auto tp = span.context.traceparent();
  EXPECT_EQ(format_traceparent(tp).substr(0, 36), "00-4bf92f3577b34da6a3ce929d0e0e4736-");
  EXPECT_TRUE(format_traceparent(tp).ends_with("-01"));
}

TEST(Tracer, KeepsValidTraceState) {
  Tracer tracer;
  auto span = tracer.start_server_span("x", kParent, "rojo=1, congo=2");
  EXPECT_EQ(span.context.trace_state, "rojo=1,congo=2");
  auto child = tracer.start_child(span.context, "upstream", SpanKind::client);
  EXPECT_EQ(child.context.trace_state, "rojo=1,congo=2");
}

TEST(Tracer, MalformedParentStartsNewTrace) {
  TracerOptions opts;
  opts.sampler.ratio = 1.0;
  Tracer tracer(opts);
  auto span = tracer.start_server_span("x", "00-zz", "rojo=1");
  EXPECT_NE(to_hex(span.context.trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_FALSE(is_zero(span.context.trace_id));
  EXPECT_TRUE(is_zero(span.parent_id));
  EXPECT_EQ(span.context.trace_state, "") << "tracestate without a valid traceparent is ignored";
  EXPECT_TRUE(span.context.sampled);
}

TEST(Tracer, ParentBasedSampling) {
  TracerOptions opts;
  opts.sampler.ratio = 0.0;  // would never sample a root
  Tracer tracer(opts);
  EXPECT_TRUE(tracer.start_server_span("x", kParent, "").context.sampled);
  EXPECT_FALSE(tracer.start_server_span("x", "", "").context.sampled);
  opts.sampler.ratio = 1.0;
  Tracer all(opts);
  EXPECT_FALSE(all.start_server_span("x", kParentUnsampled, "").context.sampled)
      << "an unsampled parent wins over the ratio";
  opts.sampler.respect_parent = false;
  opts.sampler.ratio = 0.0;
  Tracer own(opts);
  EXPECT_FALSE(own.start_server_span("x", kParent, "").context.sampled);
}

TEST(Tracer, RatioSamplingIsRoughlyTheRatio) {
  int kept = 0;
  for (int i = 0; i < 20000; ++i) kept += sample_root(new_trace_id(), 0.25);
  EXPECT_GT(kept, 4500);
  EXPECT_LT(kept, 5500);
  EXPECT_TRUE(sample_root(new_trace_id(), 1.0));
  EXPECT_FALSE(sample_root(new_trace_id(), 0.0));
  // Deterministic per trace id, so replicas agree.
  auto id = new_trace_id();
  EXPECT_EQ(sample_root(id, 0.5), sample_root(id, 0.5));
}

TEST(Tracer, ChildrenShareTraceAndPointToParent) {
  Tracer tracer;
  auto root = tracer.start_server_span("request", "", "");
  auto child = tracer.start_child(root.context, "authz");
  EXPECT_EQ(child.context.trace_id, root.context.trace_id);
  EXPECT_EQ(child.parent_id, root.context.span_id);
  EXPECT_NE(child.context.span_id, root.context.span_id);
  EXPECT_EQ(child.context.sampled, root.context.sampled);
  EXPECT_EQ(child.kind, SpanKind::internal);
}

TEST(Tracer, QueueIsBoundedAndCountsDrops) {
  Registry reg;
  auto& dropped = reg.counter("d_total", "d", {"reason"});
  TracerOptions opts;
  opts.queue_capacity = 3;
  opts.batch_size = 2;
  opts.dropped_metric = &dropped.with({"queue_full"});
  Tracer tracer(opts);
  int ready = 0;
  tracer.set_on_batch_ready([&] { ++ready; });
  for (int i = 0; i < 5; ++i) tracer.end(tracer.start_server_span("s" + std::to_string(i), "", ""));
  EXPECT_EQ(tracer.queued(), 3u);
  EXPECT_EQ(tracer.dropped(), 2u);
  EXPECT_EQ(dropped.with({"queue_full"}).value(), 2u);
  EXPECT_EQ(ready, 1);
  auto batch = tracer.take(2);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].name, "s0");  // oldest first
  EXPECT_EQ(batch[1].name, "s1");
  EXPECT_GE(batch[0].end_ns, batch[0].start_ns);
  EXPECT_GT(batch[0].start_ns, 1'700'000'000'000'000'000ull);  // Unix epoch nanoseconds
  EXPECT_EQ(tracer.take(10).size(), 1u);
  EXPECT_EQ(tracer.queued(), 0u);
}

TEST(Tracer, UnsampledSpansAreNotQueued) {
  TracerOptions opts;
  opts.sampler.ratio = 0;
  Tracer tracer(opts);
  tracer.end(tracer.start_server_span("x", "", ""));
  EXPECT_EQ(tracer.queued(), 0u);
  EXPECT_EQ(tracer.dropped(), 0u);
}

TEST(Tracer, ConcurrentEndsNeverExceedCapacity) {
  TracerOptions opts;
  opts.queue_capacity = 1000;
  Tracer tracer(opts);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) tracer.end(tracer.start_server_span("x", "", ""));
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(tracer.queued(), 1000u);
  EXPECT_EQ(tracer.dropped(), 1000u);
}

}  // namespace
}  // namespace gatehouse::observe

namespace gatehouse::observe {
namespace {
TEST(Span, AttributeOverloadsKeepTypes) {
  Span s;
  s.set("b", true);
  s.set("i", 3);
  s.set("u", std::size_t{4});
  s.set("d", 0.5);
  s.set("s", "x");
  s.set("sv", std::string_view("y"));
  s.set("str", std::string("z"));
  ASSERT_EQ(s.attributes.size(), 7u);
  EXPECT_TRUE(std::holds_alternative<bool>(s.attributes[0].value));
  EXPECT_EQ(std::get<std::int64_t>(s.attributes[1].value), 3);
  EXPECT_EQ(std::get<std::int64_t>(s.attributes[2].value), 4);
  EXPECT_EQ(std::get<double>(s.attributes[3].value), 0.5);
  EXPECT_EQ(std::get<std::string>(s.attributes[4].value), "x");
  EXPECT_EQ(std::get<std::string>(s.attributes[5].value), "y");
  EXPECT_EQ(std::get<std::string>(s.attributes[6].value), "z");
}
}  // namespace
}  // namespace gatehouse::observe
