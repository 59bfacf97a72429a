#include "auth/introspection.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>

namespace gatehouse::auth {
namespace {

Unexpected reject(std::string msg, std::string reason) {
  return fail(Errc::unauthenticated, std::move(msg), std::move(reason));
}

}  // namespace

Result<Identity> parse_introspection(std::string_view body, const IntrospectionConfig& config, std::int64_t now) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return reject("introspection answer is not a JSON object", "introspection.invalid");
  auto& o = v.as_object();
  auto active = o.find("active");
  if (active == o.end() || !active->value().is_bool()) return reject("introspection answer lacks active", "introspection.invalid");
  if (!active->value().as_bool()) return reject("token is not active", "introspection.inactive");
  if (auto exp = o.find("exp"); exp != o.end()) {
    double when = exp->value().is_number() ? exp->value().to_number<double>(ec) : -1;
    if (ec || !(when >= 0 && when < 1e12)) return reject("introspection exp is not a NumericDate", "introspection.invalid");
    if (static_cast<double>(now) >= when) return reject("token expired", "jwt.expired");
  }
  if (!config.issuer.empty()) {
    if (auto iss = o.find("iss"); iss != o.end() && (!iss->value().is_string() || iss->value().as_string() != config.issuer))
      return reject("token issuer not accepted", "jwt.bad_issuer");
  }
  if (!config.audiences.empty()) {
    bool ok = false;
    auto check = [&](const boost::json::value& a) {
      if (a.is_string() && std::find(config.audiences.begin(), config.audiences.end(), a.as_string()) != config.audiences.end())
        ok = true;
    };
    if (auto aud = o.find("aud"); aud != o.end()) {
      if (aud->value().is_array())
        for (const auto& a : aud->value().as_array()) check(a);
      else
        check(aud->value());
    }
    if (!ok) return reject("token audience not accepted", "jwt.bad_audience");
  }
  auto id = identity_from_claims(std::move(o), config.claim_paths, "introspection");
  if (id.issuer.empty()) id.issuer = config.issuer;
  // Client-credentials tokens often introspect without sub: the client is the principal.
  if (id.subject.empty()) id.subject = id.client_id;
  return id;
}

}  // namespace gatehouse::auth
