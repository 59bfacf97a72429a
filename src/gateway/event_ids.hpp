// SSE event ids the gateway gives the client, so Last-Event-ID resumes the right upstream
// streams: an id carries, for each target whose events the stream relayed, that target's
// own last event id ("gh1." + base64url of a JSON object {target: upstream id}). A merged
// stream's id names every target's position, so a resumed GET reopens each target's stream
// where it stopped. Not sealed: an id only ever goes back to the session's own targets,
// which validate their own ids.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::gateway {

using EventPositions = std::map<std::string, std::string, std::less<>>;  // target -> upstream event id

std::string encode_event_id(const EventPositions& positions);
// nullopt for anything that is not an id this gateway made (or one too large to be one).
std::optional<EventPositions> decode_event_id(std::string_view id);

}  // namespace gatehouse::gateway
