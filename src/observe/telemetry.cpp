#include "observe/telemetry.hpp"

namespace gatehouse::observe {

Result<std::unique_ptr<Telemetry>> Telemetry::create(const TelemetryConfig& config,
                                                     boost::asio::any_io_executor executor) {
  if (!(config.sample_ratio >= 0.0 && config.sample_ratio <= 1.0))
    return fail(Errc::invalid_config, "tracing sample ratio must be within 0..1", "observe.bad_ratio");
  std::unique_ptr<Telemetry> t(new Telemetry());
  t->metrics_ = GatewayMetrics::declare(t->registry_);
  if (!config.access_log.empty()) {
    GH_TRY(auto sink, LogSink::open(config.access_log));
    t->sinks_.push_back(sink);
    t->access_log_ = std::make_unique<AccessLog>(sink, AccessLogOptions{config.header_allow_list});
  }
  if (!config.audit_log.empty()) {
    GH_TRY(auto sink, LogSink::open(config.audit_log));
    t->sinks_.push_back(sink);
    t->audit_log_ = std::make_unique<AuditLog>(sink);
  }
  TracerOptions topts;
  topts.sampler.ratio = config.sample_ratio;
  topts.queue_capacity = config.queue_capacity;
  topts.batch_size = config.max_batch;
  topts.dropped_metric = &t->metrics_.spans_dropped->with({"queue_full"});
  topts.record = !config.otlp_url.empty();
  t->tracer_ = std::make_shared<Tracer>(topts);
  if (!config.otlp_url.empty()) {
    OtlpOptions o;
    o.url = config.otlp_url;
    o.service_name = config.service_name;
    o.service_version = config.service_version;
    o.max_batch = config.max_batch;
    o.flush_interval = config.flush_interval;
    o.timeout = config.export_timeout;
    o.exported_metric = t->metrics_.spans_exported;
    GH_TRY(auto exporter, OtlpExporter::create(executor, t->tracer_, std::move(o)));
    t->exporter_ = std::move(exporter);
  }
  return t;
}

Telemetry::~Telemetry() = default;

void Telemetry::start() {
  if (exporter_) exporter_->start();
}

void Telemetry::stop() {
  if (exporter_) exporter_->stop();
}

}  // namespace gatehouse::observe
