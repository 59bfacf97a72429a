// Trace context across the gateway: read traceparent/tracestate from a downstream request
// and write them on the upstream request, naming the client span that made the call.
#pragma once

#include <boost/beast/http/fields.hpp>

#include "observe/span.hpp"

namespace gatehouse::observe {

struct IncomingTrace {
  std::string_view traceparent;
  std::string_view tracestate;
};

// Views into `headers` (valid while the request lives). A repeated traceparent is
// ambiguous: the spec says to treat it as absent, so the first of several is not used.
IncomingTrace extract_trace_headers(const boost::beast::http::fields& headers);

// Replaces any traceparent/tracestate on an upstream request with `span`'s context, so an
// upstream never sees the caller's headers unvalidated.
void inject_trace_headers(boost::beast::http::fields& headers, const SpanContext& span);

}  // namespace gatehouse::observe
