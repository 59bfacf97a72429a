// 2026-07-28 multi round-trip requests: an upstream that needs input answers
// `input_required` with an opaque `requestState` the client echoes on its retry. The
// gateway never hands the upstream's state to the client as is: it seals it (AEAD) with the
// target it came from and an expiry, bound to the caller, the method and the name, so a
// client cannot forge a state, read it, replay it as another user or on another tool, or
// send it to another target.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "gateway/sealed_box.hpp"

namespace gatehouse::gateway {

struct RequestStateBinding {
  std::string_view principal;  // "" for anonymous callers
  std::string_view method;     // tools/call, prompts/get, resources/read
  std::string_view name;       // the tool/prompt name or resource URI as the client sends it
};

struct UpstreamRequestState {
  std::string target;
  std::string state;
};

std::string wrap_request_state(const SealedBox& box, const RequestStateBinding& binding, const UpstreamRequestState& state,
                               std::uint64_t now_unix, std::chrono::seconds ttl = std::chrono::minutes(15));

// Errc::invalid_params for anything else than an unexpired state this gateway issued for
// this binding (one message for every cause: a client must not learn which).
Result<UpstreamRequestState> unwrap_request_state(const SealedBox& box, const RequestStateBinding& binding,
                                                  std::string_view token, std::uint64_t now_unix);

}  // namespace gatehouse::gateway
