// A target that speaks the legacy HTTP+SSE transport (2024-11-05): a long-lived GET stream
// whose first event names the endpoint to POST messages to; every answer comes back on the
// stream. Like a stdio child, the gateway holds one such connection per target per thread,
// initializes it once, and multiplexes every downstream request over it (ids rewritten),
// reconnecting when the stream ends.
#pragma once

#include <memory>
#include <string>

#include "gateway/upstream.hpp"

namespace gatehouse::gateway {

struct HttpTarget;

// nullptr when the URL is not http://host[:port]/path.
std::shared_ptr<Upstream> make_sse_upstream(asio::any_io_executor ex, std::string target, const HttpTarget& spec);

}  // namespace gatehouse::gateway
