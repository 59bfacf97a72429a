// Turns each request's record (gateway::RequestRecord) into the access-log line and the
// request metrics, and serves the admin paths the app owns (/metrics, /loglevel).
#pragma once

#include <functional>
#include <memory>

#include "gateway/request_record.hpp"
#include "net/http_server.hpp"
#include "observe/telemetry.hpp"

namespace gatehouse::app {

// The observers the gateway calls per request (start: the server span from the incoming
// traceparent, whose context goes upstream; done: span ended with the MCP attributes, the
// access-log line, the request metrics). Keep `telemetry` alive.
gateway::RequestStartObserver request_start_observer(std::shared_ptr<observe::Telemetry> telemetry);
gateway::RequestObserver request_observer(std::shared_ptr<observe::Telemetry> telemetry);

// GET /metrics (Prometheus text), GET /loglevel, PUT|POST /loglevel?level=debug.
// `before_scrape` (may hold an empty function) sets the gauges read from elsewhere
// (sessions, streams) just before /metrics renders.
net::Handler admin_handler(std::shared_ptr<observe::Telemetry> telemetry,
                           std::shared_ptr<const std::function<void()>> before_scrape = nullptr);

}  // namespace gatehouse::app
