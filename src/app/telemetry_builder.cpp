#include "app/telemetry_builder.hpp"

#include "app/version.hpp"

namespace gatehouse::app {

observe::TelemetryConfig telemetry_config(const config::Config& config) {
  observe::TelemetryConfig t;
  t.access_log = config.log.access ? "-" : "";
  t.audit_log = "-";  // authorization decisions: always recorded (stderr until a telemetry section exists)
  t.service_version = kVersion;
  return t;
}

}  // namespace gatehouse::app
