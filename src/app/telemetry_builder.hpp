// The observe::TelemetryConfig for a gateway config: where access and audit records go, and
// where traces are exported.
#pragma once

#include "config/types.hpp"
#include "observe/telemetry.hpp"

namespace gatehouse::app {

observe::TelemetryConfig telemetry_config(const config::Config& config);

}  // namespace gatehouse::app
