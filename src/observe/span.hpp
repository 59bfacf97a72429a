// Spans and the tracer that decides which ones are kept. A request's span is started from
// the incoming traceparent (or a new trace), children share its trace id, and finished
// sampled spans go into a bounded queue that an exporter drains. Recording never waits:
// when the queue is full the span is dropped and counted.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "observe/metrics.hpp"
#include "observe/trace_context.hpp"

namespace gatehouse::observe {

// Values as OTLP types them: string, int, double, bool.
using AttributeValue = std::variant<std::string, std::int64_t, double, bool>;

struct Attribute {
  std::string key;
  AttributeValue value;
};

// Numbers as in OTLP's Span.SpanKind and Status.StatusCode.
enum class SpanKind : std::uint8_t { internal = 1, server = 2, client = 3, producer = 4, consumer = 5 };
enum class SpanStatus : std::uint8_t { unset = 0, ok = 1, error = 2 };

// Where a span sits in its trace: what a child needs and what goes upstream in traceparent.
struct SpanContext {
  TraceId trace_id{};
  SpanId span_id{};
  bool sampled = false;
  std::string trace_state;  // forwarded as received (already validated)
  TraceParent traceparent() const { return {trace_id, span_id, static_cast<std::uint8_t>(sampled ? kFlagSampled : 0)}; }
};

struct Span {
  SpanContext context;
  SpanId parent_id{};  // all zero for a root span
  std::string name;
  SpanKind kind = SpanKind::internal;
  std::uint64_t start_ns = 0;  // Unix epoch nanoseconds
  std::uint64_t end_ns = 0;
  std::vector<Attribute> attributes;
  SpanStatus status = SpanStatus::unset;
  std::string status_message;

  // One overload per OTLP type, so set("ok", true) stays a bool and set("n", 3) an int.
  void set(std::string key, AttributeValue value) { attributes.push_back({std::move(key), std::move(value)}); }
  void set(std::string key, std::string value) { set(std::move(key), AttributeValue(std::move(value))); }
  void set(std::string key, std::string_view value) { set(std::move(key), AttributeValue(std::string(value))); }
  void set(std::string key, const char* value) { set(std::move(key), AttributeValue(std::string(value))); }
  void set(std::string key, bool value) { set(std::move(key), AttributeValue(value)); }
  void set(std::string key, double value) { set(std::move(key), AttributeValue(value)); }
  template <typename I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool>)
  void set(std::string key, I value) { set(std::move(key), AttributeValue(static_cast<std::int64_t>(value))); }
  void set_error(std::string message) {
    status = SpanStatus::error;
    status_message = std::move(message);
  }
};

std::uint64_t unix_now_ns();

// Parent-based sampling with a ratio for new traces: a caller that sampled its trace gets
// our spans too, one that did not gets none, and traces we start are kept with
// probability `ratio`, decided from the trace id so every replica agrees.
struct SamplerConfig {
  double ratio = 1.0;  // 0..1, for root spans
  bool respect_parent = true;
};

bool sample_root(const TraceId& id, double ratio);

struct TracerOptions {
  SamplerConfig sampler;
  std::size_t queue_capacity = 2048;  // finished spans waiting for export
  std::size_t batch_size = 512;       // on_batch_ready fires when this many are queued
  Counter* dropped_metric = nullptr;  // optional: e.g. spans_dropped{reason="queue_full"}
  // false: no exporter. Ids and sampling flags are still made and propagated upstream (the
  // caller's decision passes through), but ended spans are discarded.
  bool record = true;
};

class Tracer {
 public:
  explicit Tracer(TracerOptions options = {});

  // A server span for an incoming request, from its traceparent/tracestate headers (both
  // may be empty or malformed: a malformed traceparent starts a new trace, a malformed
  // tracestate is dropped).
  Span start_server_span(std::string name, std::string_view traceparent, std::string_view tracestate);
  // A child of `parent` (same trace and sampling decision).
  Span start_child(const SpanContext& parent, std::string name, SpanKind kind = SpanKind::internal);

  // Sets the end time (if not set) and queues the span if sampled. Never blocks on I/O.
  void end(Span span);

  // Takes up to `max` finished spans, oldest first (the exporter calls this).
  std::vector<Span> take(std::size_t max);
  std::size_t queued() const;

  // Called (from the thread that ended a span) each time the queue reaches batch_size, so
  // an exporter can send early instead of waiting for its timer. Set before use.
  void set_on_batch_ready(std::function<void()> callback);

  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  std::uint64_t started() const { return started_.load(std::memory_order_relaxed); }
  const TracerOptions& options() const { return options_; }

 private:
  TracerOptions options_;
  mutable std::mutex mutex_;
  std::deque<Span> queue_;
  std::function<void()> on_batch_ready_;
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> started_{0};
};

}  // namespace gatehouse::observe
