// Sends finished spans to an OpenTelemetry collector over OTLP/HTTP with the JSON encoding
// (POST {url}, Content-Type: application/json). Runs as one coroutine on its own executor:
// it wakes on a timer or when the tracer has a full batch, sends, and on failure drops the
// batch (counted) rather than retrying into a growing backlog: the data plane never waits.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "observe/metrics.hpp"
#include "observe/span.hpp"

namespace gatehouse::observe {

struct OtlpOptions {
  std::string url;  // http://host:port/v1/traces
  std::string service_name = "gatehouse";
  std::string service_version;
  std::vector<Attribute> resource_attributes;  // besides service.name / service.version
  std::size_t max_batch = 512;
  std::chrono::milliseconds flush_interval{2'000};
  std::chrono::milliseconds timeout{5'000};
  // Optional: outcomes also counted here (GatewayMetrics::spans_exported {outcome}).
  CounterFamily* exported_metric = nullptr;
};

// The OTLP/JSON request body for `spans` (ExportTraceServiceRequest): lower-case hex ids,
// nanosecond times as decimal strings, enums as numbers, typed attribute values.
std::string encode_otlp_json(const std::vector<Span>& spans, const OtlpOptions& options);

class OtlpExporter {
 public:
  // Validates the URL (Errc::invalid_config). The exporter only runs on `executor`; it
  // shares the tracer because its loop may outlive this object until the executor runs it.
  static Result<std::unique_ptr<OtlpExporter>> create(boost::asio::any_io_executor executor,
                                                      std::shared_ptr<Tracer> tracer, OtlpOptions options);
  ~OtlpExporter();

  // Starts the export loop; stop() (or the io_context stopping) ends it. Both are called
  // from any thread; stop() sends what is queued, best effort, before the loop returns.
  void start();
  void stop();

  // Sends everything queued now (tests, shutdown). Must run on the exporter's executor.
  boost::asio::awaitable<void> flush();

  std::uint64_t exported() const;  // spans the collector accepted
  std::uint64_t failed() const;    // spans dropped because their POST failed
  std::uint64_t batches() const;   // POSTs attempted

 private:
  struct Impl;
  explicit OtlpExporter(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace gatehouse::observe
