// Names as the client sees them when one endpoint fronts many targets: tool and prompt
// names prefixed with the target, resource URIs wrapped reversibly, ids of server->client
// requests and SSE event ids namespaced by target. Pure functions, no I/O.
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace gatehouse::gateway {

// Target names are [A-Za-z][A-Za-z0-9-]* (the config rejects others): no '_', '+', '/' or
// ':', so every separator below splits unambiguously and a wrapped URI keeps a valid scheme.
inline constexpr char kNameSeparator = '_';
bool valid_target_name(std::string_view name);

enum class PrefixMode { automatic, always, never };
// automatic: prefix only when the route has more than one target.
bool prefixing(PrefixMode mode, std::size_t target_count);

// "<target>_<name>"
std::string prefix_name(std::string_view target, std::string_view name);

struct Routed {
  std::string_view target;
  std::string_view name;  // the upstream's own name or URI
};
// Splits "<target>_<name>" when <target> is one of `targets`; nullopt otherwise (an unknown
// tool, which the caller answers like any unknown tool).
std::optional<Routed> route_prefixed(std::string_view prefixed,
                                     std::span<const std::string> targets);

// Resource URIs become "<target>+<uri>": "echo+file:///a.txt". The target joins the URI
// scheme (RFC 3986 allows '+' there), so clients still see an absolute URI, templates stay
// templates, and any string round-trips: the first '+' is always the gateway's.
std::string wrap_uri(std::string_view target, std::string_view uri);
std::optional<Routed> unwrap_uri(std::string_view wrapped, std::span<const std::string> targets);

// Ids of server->client requests (sampling, elicitation, roots) as the client sees them:
// the string "<target>:<JSON of the upstream id>", so ids from different targets never
// collide and the client's response finds its way back with the id's original type.
// `loop`: the event loop whose upstream sent the request. Stdio children and legacy SSE
// connections are per loop, so the answer must go back through that loop's upstream.
boost::json::value wrap_request_id(std::string_view target, const boost::json::value& id, unsigned loop = 0);
struct RoutedId {
  std::string target;
  boost::json::value id;
  unsigned loop = 0;
};
std::optional<RoutedId> unwrap_request_id(const boost::json::value& id);

// SSE event ids on a merged stream: "<target>/<upstream event id>", so Last-Event-ID
// resumes the right upstream stream.
std::string wrap_event_id(std::string_view target, std::string_view upstream_id);
std::optional<Routed> unwrap_event_id(std::string_view event_id);

}  // namespace gatehouse::gateway
