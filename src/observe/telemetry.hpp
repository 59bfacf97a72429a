// Everything observe/ offers, built once from one plain config: the metrics registry with
// the gateway families, the tracer and its OTLP exporter, the access and audit logs. The
// gateway holds one Telemetry per process and passes references to the parts it records.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "observe/access_log.hpp"
#include "observe/audit_log.hpp"
#include "observe/gateway_metrics.hpp"
#include "observe/otlp_exporter.hpp"
#include "observe/span.hpp"

namespace gatehouse::observe {

struct TelemetryConfig {
  std::string access_log = "-";  // file path, "-" for stderr, "" for none
  std::string audit_log;         // same; "" for none
  std::vector<std::string> header_allow_list = AccessLogOptions{}.header_allow_list;

  std::string otlp_url;  // http://host:port/v1/traces; "" exports nothing (context still propagates)
  double sample_ratio = 1.0;
  std::string service_name = "gatehouse";
  std::string service_version;
  std::size_t queue_capacity = 2048;
  std::size_t max_batch = 512;
  std::chrono::milliseconds flush_interval{2'000};
  std::chrono::milliseconds export_timeout{5'000};
};

class Telemetry {
 public:
  // Opens the log files and validates the OTLP URL (Errc::invalid_config). The exporter
  // runs on `executor` (e.g. the admin thread's io_context), never on a data-plane thread
  // unless that is what is passed.
  static Result<std::unique_ptr<Telemetry>> create(const TelemetryConfig& config,
                                                   boost::asio::any_io_executor executor);
  ~Telemetry();

  Registry& registry() { return registry_; }
  const GatewayMetrics& metrics() const { return metrics_; }
  Tracer& tracer() { return *tracer_; }
  AccessLog* access_log() { return access_log_.get(); }  // null when off
  AuditLog* audit_log() { return audit_log_.get(); }     // null when off
  OtlpExporter* exporter() { return exporter_.get(); }   // null when off
  // The file sinks, for ReopenOnSighup.
  std::vector<std::shared_ptr<LogSink>> sinks() const { return sinks_; }

  void start();
  void stop();

 private:
  Telemetry() = default;
  Registry registry_;
  GatewayMetrics metrics_;
  std::shared_ptr<Tracer> tracer_;
  std::unique_ptr<OtlpExporter> exporter_;
  std::unique_ptr<AccessLog> access_log_;
  std::unique_ptr<AuditLog> audit_log_;
  std::vector<std::shared_ptr<LogSink>> sinks_;
};

}  // namespace gatehouse::observe
