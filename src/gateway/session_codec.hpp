// Gateway session ids: the state a replica needs to serve a session (each target's upstream
// session id and protocol version, lifetime, the principal the session is bound to) is
// sealed into the id itself, so any replica sharing the secret serves any session.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "gateway/sealed_box.hpp"

namespace gatehouse::gateway {

struct TargetSession {
  std::string target;              // target name from the config
  std::string upstream_session_id;  // empty: the upstream issued none (stateless or stdio)
  std::string protocol_version;     // what that target negotiated
  bool operator==(const TargetSession&) const = default;
};

struct SessionState {
  std::string protocol_version;  // what the gateway negotiated with the client
  std::uint64_t issued_at = 0;   // unix seconds
  std::uint64_t expires_at = 0;  // unix seconds; 0: never
  // Hash of the principal key (authentication fills it); empty when unauthenticated.
  std::string principal;
  std::vector<TargetSession> targets;  // targets live at initialize, in config order
  bool operator==(const SessionState&) const = default;

  const TargetSession* find(std::string_view target) const;
};

// Plain binary encoding of the state (length-prefixed strings); exposed for tests.
std::string encode_session_state(const SessionState& state);
std::optional<SessionState> decode_session_state(std::string_view bytes);

class SessionCodec {
 public:
  // With an empty secret: one random key for this process (sessions die with it), and a
  // warning, because another replica or a restart cannot serve them.
  static SessionCodec create(std::string_view secret);

  std::string seal(const SessionState& state) const;
  // Errc::not_found ("unknown session") for tampering, another key, expiry, or a session
  // bound to another principal: a client must not learn which.
  Result<SessionState> unseal(std::string_view id, std::uint64_t now_unix,
                              std::string_view principal = {}) const;

  // Seals small opaque values bound to `aad` (e.g. wrapped upstream request state).
  const SealedBox& state_box() const { return state_box_; }

 private:
  SessionCodec(SealedBox session_box, SealedBox state_box)
      : session_box_(std::move(session_box)), state_box_(std::move(state_box)) {}
  SealedBox session_box_;
  SealedBox state_box_;
};

std::uint64_t unix_now();

}  // namespace gatehouse::gateway
