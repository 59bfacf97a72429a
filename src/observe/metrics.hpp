// Metrics: counters, gauges and histograms with labels, rendered in the Prometheus text
// exposition format for the admin listener. Families are declared once (at start or per
// config snapshot); the hot path holds a pointer to a labelled series and does one relaxed
// atomic add, so recording costs nanoseconds and never locks.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::observe {

using LabelValues = std::vector<std::string>;

// Orders label value lists as std::less<LabelValues> does, and also compares them with
// lists of views, so a lookup by the values a request has at hand copies nothing.
struct LabelValuesLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
      return std::string_view(x) < std::string_view(y);
    });
  }
};

class Counter {
 public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double d);
  void inc() { add(1); }
  void dec() { add(-1); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(const std::vector<double>* bounds);
  void observe(double v);
  // Cumulative counts per bound (then +Inf), sum and count, read for rendering.
  std::vector<std::uint64_t> cumulative_counts() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double>* bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // one per bound, plus +Inf
  std::atomic<double> sum_{0};
  std::atomic<std::uint64_t> count_{0};
};

enum class MetricType { counter, gauge, histogram };

// A named metric with a fixed list of label names; series are created on first use of a
// label-value tuple and live as long as the registry (pointers stay valid).
template <typename Series>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> bounds = {});

  // The series for these label values (same count as label names, asserted).
  Series& with(const LabelValues& values);
  Series& with(std::initializer_list<std::string_view> values);

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  const std::vector<double>& bounds() const { return bounds_; }

  template <typename F>
  void for_each(F&& f) const {
    std::shared_lock lock(mutex_);
    for (const auto& [labels, series] : series_) f(labels, *series);
  }

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
  mutable std::shared_mutex mutex_;
  std::map<LabelValues, std::unique_ptr<Series>, LabelValuesLess> series_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

// Latency buckets in seconds, from 50µs to 30s: the gateway's own overhead is tens of µs,
// upstream calls are milliseconds to seconds.
const std::vector<double>& default_latency_buckets();

class Registry {
 public:
  CounterFamily& counter(std::string name, std::string help, std::vector<std::string> labels = {});
  GaugeFamily& gauge(std::string name, std::string help, std::vector<std::string> labels = {});
  HistogramFamily& histogram(std::string name, std::string help, std::vector<std::string> labels = {},
                             std::vector<double> bounds = default_latency_buckets());

  // Prometheus text exposition format, version 0.0.4.
  std::string render() const;

 private:
  struct Entry {
    MetricType type;
    std::unique_ptr<CounterFamily> counter;
    std::unique_ptr<GaugeFamily> gauge;
    std::unique_ptr<HistogramFamily> histogram;
  };
  mutable std::mutex mutex_;
  std::vector<Entry> families_;  // declaration order is render order
};

// Appends `value` escaped for a label value (backslash, quote, newline).
void append_label_value(std::string& out, std::string_view value);

}  // namespace gatehouse::observe
