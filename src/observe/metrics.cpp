#include "observe/metrics.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>

namespace gatehouse::observe {

void Gauge::add(double d) {
  double cur = value_.load(std::memory_order_relaxed);
  while (!value_.compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {
  }
}

Histogram::Histogram(const std::vector<double>* bounds)
    : bounds_(bounds), buckets_(new std::atomic<std::uint64_t>[bounds->size() + 1]) {
  for (size_t i = 0; i <= bounds_->size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_->size() && v > (*bounds_)[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  double cur = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::cumulative_counts() const {
  std::vector<std::uint64_t> out(bounds_->size() + 1);
  std::uint64_t running = 0;
  for (size_t i = 0; i <= bounds_->size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

template <typename Series>
Family<Series>::Family(std::string name, std::string help, std::vector<std::string> label_names,
                       std::vector<double> bounds)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)),
      bounds_(std::move(bounds)) {}

template <typename Series>
Series& Family<Series>::with(const LabelValues& values) {
  assert(values.size() == label_names_.size());
  {
    std::shared_lock lock(mutex_);
    auto it = series_.find(values);
    if (it != series_.end()) return *it->second;
  }
  std::unique_lock lock(mutex_);
  auto& slot = series_[values];
  if (!slot) {
    if constexpr (std::is_same_v<Series, Histogram>) {
      slot = std::make_unique<Histogram>(&bounds_);
    } else {
      slot = std::make_unique<Series>();
    }
  }
  return *slot;
}

template <typename Series>
Series& Family<Series>::with(std::initializer_list<std::string_view> values) {
  assert(values.size() == label_names_.size());
  {
    std::shared_lock lock(mutex_);
    auto it = series_.find(values);
    if (it != series_.end()) return *it->second;
  }
  LabelValues v;
  v.reserve(values.size());
  for (auto s : values) v.emplace_back(s);
  return with(v);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

const std::vector<double>& default_latency_buckets() {
  static const std::vector<double> kBuckets = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                               0.01,    0.025,  0.05,    0.1,    0.25,  0.5,    1,
                                               2.5,     5,      10,      30};
  return kBuckets;
}

namespace {

// Metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* and not
// starting with "__" (reserved); "le" is the histogram's own. Names come from code, not
// from input, so a bad one is a programming error.
bool valid_name(std::string_view n, bool colon_ok) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon_ok && c == ':') ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool valid_names(std::string_view name, const std::vector<std::string>& labels) {
  if (!valid_name(name, true)) return false;
  for (const auto& l : labels)
    if (!valid_name(l, false) || l.starts_with("__") || l == "le") return false;
  return true;
}

}  // namespace

CounterFamily& Registry::counter(std::string name, std::string help, std::vector<std::string> labels) {
  std::lock_guard lock(mutex_);
  auto& e = families_.emplace_back();
  e.type = MetricType::counter;
  e.counter = std::make_unique<CounterFamily>(std::move(name), std::move(help), std::move(labels));
  assert(valid_names(e.counter->name(), e.counter->label_names()));
  // A family without labels has exactly one series: create it now so it renders as 0.
  if (e.counter->label_names().empty()) e.counter->with(LabelValues{});
  return *e.counter;
}

GaugeFamily& Registry::gauge(std::string name, std::string help, std::vector<std::string> labels) {
  std::lock_guard lock(mutex_);
  auto& e = families_.emplace_back();
  e.type = MetricType::gauge;
  e.gauge = std::make_unique<GaugeFamily>(std::move(name), std::move(help), std::move(labels));
  assert(valid_names(e.gauge->name(), e.gauge->label_names()));
  // A family without labels has exactly one series: create it now so it renders as 0.
  if (e.gauge->label_names().empty()) e.gauge->with(LabelValues{});
  return *e.gauge;
}

HistogramFamily& Registry::histogram(std::string name, std::string help, std::vector<std::string> labels,
                                     std::vector<double> bounds) {
  std::lock_guard lock(mutex_);
  auto& e = families_.emplace_back();
  e.type = MetricType::histogram;
  e.histogram = std::make_unique<HistogramFamily>(std::move(name), std::move(help), std::move(labels),
                                                  std::move(bounds));
  assert(valid_names(e.histogram->name(), e.histogram->label_names()));
  assert(std::is_sorted(e.histogram->bounds().begin(), e.histogram->bounds().end()));
  if (e.histogram->label_names().empty()) e.histogram->with(LabelValues{});
  return *e.histogram;
}

void append_label_value(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

namespace {

void append_number(std::string& out, double v) {
  if (std::isnan(v)) { out += "NaN"; return; }
  if (std::isinf(v)) { out += v > 0 ? "+Inf" : "-Inf"; return; }
  // Shortest text that reads back as the same double ("0.1", not "0.10000000000000001"),
  // positional between 1e-4 and 1e21 like Go's client ("0.0001", not "1e-04"), so `le`
  // labels match what other exporters and hand-written PromQL use.
  char buf[400];
  double mag = std::fabs(v);
  auto fmt = (mag == 0 || (mag >= 1e-4 && mag < 1e21)) ? std::chars_format::fixed : std::chars_format::scientific;
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, fmt);
  assert(ec == std::errc());
  out.append(buf, end);
}

// name{a="x",b="y"[,extra]} — `extra` is a preformatted label such as le="0.5".
void append_series(std::string& out, std::string_view name, const std::vector<std::string>& names,
                   const LabelValues& values, std::string_view extra = {}) {
  out += name;
  if (!names.empty() || !extra.empty()) {
    out += '{';
    for (size_t i = 0; i < names.size(); ++i) {
      if (i) out += ',';
      out += names[i];
      out += "=\"";
      append_label_value(out, values[i]);
      out += '"';
    }
    if (!extra.empty()) {
      if (!names.empty()) out += ',';
      out += extra;
    }
    out += '}';
  }
  out += ' ';
}

template <typename F>
void append_header(std::string& out, const F& family, std::string_view type) {
  out += "# HELP ";
  out += family.name();
  out += ' ';
  for (char c : family.help()) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  out += "\n# TYPE ";
  out += family.name();
  out += ' ';
  out += type;
  out += '\n';
}

}  // namespace

std::string Registry::render() const {
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& e : families_) {
    switch (e.type) {
      case MetricType::counter:
        append_header(out, *e.counter, "counter");
        e.counter->for_each([&](const LabelValues& labels, const Counter& c) {
          append_series(out, e.counter->name(), e.counter->label_names(), labels);
          out += std::to_string(c.value());
          out += '\n';
        });
        break;
      case MetricType::gauge:
        append_header(out, *e.gauge, "gauge");
        e.gauge->for_each([&](const LabelValues& labels, const Gauge& g) {
          append_series(out, e.gauge->name(), e.gauge->label_names(), labels);
          append_number(out, g.value());
          out += '\n';
        });
        break;
      case MetricType::histogram: {
        const auto& fam = *e.histogram;
        append_header(out, fam, "histogram");
        const std::string bucket = fam.name() + "_bucket";
        fam.for_each([&](const LabelValues& labels, const Histogram& h) {
          auto counts = h.cumulative_counts();
          for (size_t i = 0; i <= fam.bounds().size(); ++i) {
            std::string le = "le=\"";
            if (i < fam.bounds().size()) append_number(le, fam.bounds()[i]);
            else le += "+Inf";
            le += '"';
            append_series(out, bucket, fam.label_names(), labels, le);
            out += std::to_string(counts[i]);
            out += '\n';
          }
          append_series(out, fam.name() + "_sum", fam.label_names(), labels);
          append_number(out, h.sum());
          out += '\n';
          append_series(out, fam.name() + "_count", fam.label_names(), labels);
          out += std::to_string(h.count());
          out += '\n';
        });
        break;
      }
    }
  }
  return out;
}

}  // namespace gatehouse::observe
