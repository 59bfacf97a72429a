#include "app/telemetry_builder.hpp"

#include "app/version.hpp"

namespace gatehouse::app {

observe::TelemetryConfig telemetry_config(const config::Config& config) {
  observe::TelemetryConfig t;
  t.access_log = config.log.access ? "-" : "";
  t.audit_log = "-";  // authorization decisions are recorded unless the telemetry section says otherwise
  if (const auto& tc = config.telemetry) {
    t.access_log = config.log.access ? tc->access_log : "";
    t.audit_log = tc->audit_log;
    if (!tc->log_headers.empty()) t.header_allow_list = tc->log_headers;
    t.otlp_url = tc->otlp_url;
    t.sample_ratio = tc->sample_ratio;
    t.service_name = tc->service_name;
  }
  t.service_version = kVersion;
  return t;
}

}  // namespace gatehouse::app
