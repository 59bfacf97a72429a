#include "gateway/request_state.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace gatehouse::gateway {
namespace json = boost::json;

namespace {

std::string aad_of(const RequestStateBinding& b) {
  std::string aad = "request-state";
  for (auto part : {b.principal, b.method, b.name}) {
    aad += '\0';
    aad += part;
  }
  return aad;
}

json::object state_json(const UpstreamRequestState& s, std::uint64_t expires) {
  return json::object{{"t", s.target}, {"s", s.state}, {"x", static_cast<std::int64_t>(expires)}};
}

}  // namespace

std::string wrap_request_state(const SealedBox& box, const RequestStateBinding& binding, const UpstreamRequestState& state,
                               std::uint64_t now_unix, std::chrono::seconds ttl) {
  return box.seal(json::serialize(state_json(state, now_unix + static_cast<std::uint64_t>(ttl.count()))), aad_of(binding));
}

Result<UpstreamRequestState> unwrap_request_state(const SealedBox& box, const RequestStateBinding& binding,
                                                  std::string_view token, std::uint64_t now_unix) {
  auto invalid = [] { return fail(Errc::invalid_params, "Invalid requestState", "mcp.request_state"); };
  auto plain = box.open(token, aad_of(binding));
  if (!plain) return invalid();
  boost::system::error_code ec;
  auto v = json::parse(*plain, ec);
  if (ec || !v.is_object()) return invalid();
  const auto& o = v.get_object();
  const auto* t = o.if_contains("t");
  const auto* s = o.if_contains("s");
  const auto* x = o.if_contains("x");
  if (!t || !t->is_string() || !s || !s->is_string() || !x || !x->is_int64() || x->get_int64() < 0) return invalid();
  if (static_cast<std::uint64_t>(x->get_int64()) <= now_unix) return invalid();
  return UpstreamRequestState{std::string(t->get_string()), std::string(s->get_string())};
}

}  // namespace gatehouse::gateway
