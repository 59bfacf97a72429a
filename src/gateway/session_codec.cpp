#include "gateway/session_codec.hpp"

#include "core/log.hpp"

namespace gatehouse::gateway {
namespace {

constexpr std::uint8_t kFormat = 1;
constexpr std::size_t kMaxTargets = 1024;

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out += static_cast<char>((v >> (i * 8)) & 0xFF);
}
void put_str(std::string& out, std::string_view s) {
  assert(s.size() <= 0xFFFF);
  out += static_cast<char>((s.size() >> 8) & 0xFF);
  out += static_cast<char>(s.size() & 0xFF);
  out.append(s);
}

struct Reader {
  std::string_view in;
  bool ok = true;

  std::uint64_t u(int bytes) {
    if (in.size() < static_cast<std::size_t>(bytes)) { ok = false; return 0; }
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<std::uint8_t>(in[i]);
    in.remove_prefix(bytes);
    return v;
  }
  std::string str() {
    std::size_t n = u(2);
    if (!ok || in.size() < n) { ok = false; return {}; }
    std::string s(in.substr(0, n));
    in.remove_prefix(n);
    return s;
  }
};

}  // namespace

const TargetSession* SessionState::find(std::string_view target) const {
  for (const auto& t : targets)
    if (t.target == target) return &t;
  return nullptr;
}

std::string encode_session_state(const SessionState& s) {
  std::string out;
  out.reserve(64 + s.targets.size() * 48);
  out += static_cast<char>(kFormat);
  put_u64(out, s.issued_at);
  put_u64(out, s.expires_at);
  put_str(out, s.protocol_version);
  put_str(out, s.principal);
  assert(s.targets.size() <= kMaxTargets);
  out += static_cast<char>((s.targets.size() >> 8) & 0xFF);
  out += static_cast<char>(s.targets.size() & 0xFF);
  for (const auto& t : s.targets) {
    put_str(out, t.target);
    put_str(out, t.upstream_session_id);
    put_str(out, t.protocol_version);
  }
  return out;
}

std::optional<SessionState> decode_session_state(std::string_view bytes) {
  Reader r{bytes};
  if (r.u(1) != kFormat || !r.ok) return std::nullopt;
  SessionState s;
  s.issued_at = r.u(8);
  s.expires_at = r.u(8);
  s.protocol_version = r.str();
  s.principal = r.str();
  std::size_t n = r.u(2);
  if (!r.ok || n > kMaxTargets) return std::nullopt;
  s.targets.reserve(n);
  for (std::size_t i = 0; i < n && r.ok; ++i) {
    TargetSession t;
    t.target = r.str();
    t.upstream_session_id = r.str();
    t.protocol_version = r.str();
    s.targets.push_back(std::move(t));
  }
  if (!r.ok || !r.in.empty()) return std::nullopt;
  return s;
}

SessionCodec SessionCodec::create(std::string_view secret) {
  if (secret.empty()) {
    log::warn("gateway.session_key_random",
              {{"detail",
                "no sessions.secret configured: session ids are valid in this process only"}});
    return SessionCodec(SealedBox::random(), SealedBox::random());
  }
  return SessionCodec(SealedBox::derive(secret, "session"),
                      SealedBox::derive(secret, "request-state"));
}

std::string SessionCodec::seal(const SessionState& state) const {
  return session_box_.seal(encode_session_state(state));
}

Result<SessionState> SessionCodec::unseal(std::string_view id, std::uint64_t now,
                                          std::string_view principal) const {
  auto unknown = [] { return fail(Errc::not_found, "unknown session", "session.unknown"); };
  auto plain = session_box_.open(id);
  if (!plain) return unknown();
  auto state = decode_session_state(*plain);
  if (!state) return unknown();  // sealed by us, so only an older format can get here
  if (state->expires_at != 0 && now >= state->expires_at) return unknown();
  if (state->principal != principal) return unknown();
  return std::move(*state);
}

std::uint64_t unix_now() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
}

}  // namespace gatehouse::gateway
