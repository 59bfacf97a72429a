#include "observe/span.hpp"

#include <algorithm>

namespace gatehouse::observe {

std::uint64_t unix_now_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

// The last 8 bytes of a random trace id are uniform; compare them to ratio * 2^64.
bool sample_root(const TraceId& id, double ratio) {
  if (ratio >= 1.0) return true;
  if (ratio <= 0.0) return false;
  std::uint64_t tail = 0;
  for (std::size_t i = 8; i < 16; ++i) tail = tail << 8 | id[i];
  auto bound = static_cast<std::uint64_t>(ratio * 18446744073709551616.0);
  return tail < bound;
}

Tracer::Tracer(TracerOptions options) : options_(std::move(options)) {
  options_.batch_size = std::max<std::size_t>(1, std::min(options_.batch_size, options_.queue_capacity));
}

Span Tracer::start_server_span(std::string name, std::string_view traceparent, std::string_view tracestate) {
  started_.fetch_add(1, std::memory_order_relaxed);
  Span span;
  span.name = std::move(name);
  span.kind = SpanKind::server;
  span.start_ns = unix_now_ns();
  span.context.span_id = new_span_id();
  auto parent = traceparent.empty() ? Result<TraceParent>(fail(Errc::bad_request, "absent"))
                                    : parse_traceparent(traceparent);
  if (parent) {
    span.context.trace_id = parent->trace_id;
    span.parent_id = parent->parent_id;
    span.context.sampled = options_.sampler.respect_parent ? parent->sampled()
                                                           : sample_root(parent->trace_id, options_.sampler.ratio);
    // tracestate only means something next to a valid traceparent.
    if (!tracestate.empty()) {
      if (auto ts = parse_tracestate(tracestate)) span.context.trace_state = format_tracestate(*ts);
    }
  } else {
    span.context.trace_id = new_trace_id();
    span.context.sampled = sample_root(span.context.trace_id, options_.sampler.ratio);
  }
  return span;
}

Span Tracer::start_child(const SpanContext& parent, std::string name, SpanKind kind) {
  started_.fetch_add(1, std::memory_order_relaxed);
  Span span;
  span.name = std::move(name);
  span.kind = kind;
  span.start_ns = unix_now_ns();
  span.context.trace_id = parent.trace_id;
  span.context.span_id = new_span_id();
  span.context.sampled = parent.sampled;
  span.context.trace_state = parent.trace_state;
  span.parent_id = parent.span_id;
  return span;
}

void Tracer::end(Span span) {
  if (!span.context.sampled || !options_.record) return;
  if (span.end_ns == 0) span.end_ns = unix_now_ns();
  std::function<void()> notify;
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= options_.queue_capacity) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      if (options_.dropped_metric) options_.dropped_metric->inc();
      return;
    }
    queue_.push_back(std::move(span));
    if (queue_.size() == options_.batch_size) notify = on_batch_ready_;
  }
  if (notify) notify();
}

void Tracer::set_on_batch_ready(std::function<void()> callback) {
  std::lock_guard lock(mutex_);
  on_batch_ready_ = std::move(callback);
}

std::vector<Span> Tracer::take(std::size_t max) {
  std::lock_guard lock(mutex_);
  std::size_t n = std::min(max, queue_.size());
  std::vector<Span> out(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.begin() + n));
  queue_.erase(queue_.begin(), queue_.begin() + n);
  return out;
}

std::size_t Tracer::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

}  // namespace gatehouse::observe
