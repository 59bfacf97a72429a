// Merging what several targets answered into the one answer the client sees: initialize
// results (capabilities, version, instructions), paginated lists, and the list cursor that
// remembers where each target stands. Pure functions over Boost.JSON values.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gatehouse::gateway {

// One target's answer (the JSON-RPC "result" member).
struct TargetAnswer {
  std::string_view target;
  const boost::json::object* result;
};

// Union of capabilities. A capability is offered when any target offers it; a boolean
// sub-flag (tools.listChanged, resources.subscribe, ...) is true when any target sets it,
// because the gateway relays each target's notifications and routes subscribe to the
// target owning the URI (a target without the feature answers with its own error).
// Nested objects (experimental, extensions) merge key by key, first target wins.
boost::json::object merge_capabilities(std::span<const TargetAnswer> answers);

// The version the gateway answers the client: the lowest version any live target
// negotiated (each target keeps talking its own version upstream, so the client gets one
// every target can honour), capped by what the client asked and what the gateway knows.
// nullopt when there is no such version.
std::optional<std::string> choose_protocol_version(std::string_view requested,
                                                   std::span<const std::string> target_versions,
                                                   std::span<const std::string_view> supported);

// initialize result: merged capabilities, the gateway's serverInfo, each target's
// instructions under a "## <target>" heading (only the text when one target).
boost::json::object merge_initialize(std::span<const TargetAnswer> answers,
                                     std::string_view protocol_version,
                                     std::string_view server_name,
                                     std::string_view server_version);

// The 2026-07-28 era, which the gateway serves beside the session era.
inline constexpr std::string_view kModernVersion = "2026-07-28";

// What a session-era target would answer to server/discover, from its initialize result
// (the gateway speaks the modern era on behalf of targets that only know the old one).
boost::json::object discover_from_initialize(const boost::json::object& initialize_result);

// server/discover result: merged capabilities, the gateway's serverInfo, merged
// instructions; not cacheable (ttlMs 0, private), since targets come and go.
boost::json::object merge_discover(std::span<const TargetAnswer> answers, std::string_view server_name,
                                   std::string_view server_version);

enum class ListKind { tools, prompts, resources, resource_templates };
// "tools/list" -> tools, ...; nullopt for other methods.
std::optional<ListKind> list_kind(std::string_view method);
std::string_view list_member(ListKind kind);  // "tools", "prompts", "resources", "resourceTemplates"

struct Collision {
  std::string name;
  std::string kept_target;
  std::string dropped_target;
};

// Concatenates each target's items in target order, renaming them (prefix for names,
// wrap for URIs) when `prefix` is set. Without prefixes, a name or URI already seen is
// dropped (the first target in config order wins) and reported in `collisions`.
boost::json::array merge_list(ListKind kind, std::span<const TargetAnswer> answers, bool prefix,
                              std::vector<Collision>* collisions);

// The opaque list cursor: the targets that still have pages, each with its own upstream
// cursor (empty: not started). base64url(JSON) so it is a plain string to the client.
using ListCursor = std::vector<std::pair<std::string, std::string>>;
std::string encode_list_cursor(const ListCursor& cursor);
std::optional<ListCursor> decode_list_cursor(std::string_view text);

}  // namespace gatehouse::gateway
