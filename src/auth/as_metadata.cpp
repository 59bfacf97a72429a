#include "auth/as_metadata.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace gatehouse::auth {

Result<std::string> overlay_as_metadata(std::string_view idp_metadata_json, const AsMetadataOverlay& overlay) {
  boost::system::error_code ec;
  auto v = boost::json::parse(idp_metadata_json, ec);
  if (ec || !v.is_object() || !v.as_object().contains("issuer"))
    return fail(Errc::unavailable, "authorization server metadata is not usable", "discovery.invalid");
  auto& o = v.as_object();
  if (!overlay.issuer.empty()) o["issuer"] = overlay.issuer;
  if (overlay.add_pkce_s256 && !o.contains("code_challenge_methods_supported"))
    o["code_challenge_methods_supported"] = boost::json::array{"S256"};
  if (!overlay.registration_endpoint.empty() &&
      (overlay.replace_registration_endpoint || !o.contains("registration_endpoint")))
    o["registration_endpoint"] = overlay.registration_endpoint;
  if (!overlay.scopes_supported.empty() && !o.contains("scopes_supported")) {
    boost::json::array a;
    for (const auto& s : overlay.scopes_supported) a.emplace_back(s);
    o["scopes_supported"] = std::move(a);
  }
  if (overlay.add_token_auth_none) {
    auto it = o.find("token_endpoint_auth_methods_supported");
    if (it == o.end() || !it->value().is_array()) {
      o["token_endpoint_auth_methods_supported"] = boost::json::array{"client_secret_basic", "none"};
    } else {
      auto& methods = it->value().as_array();
      bool has = false;
      for (const auto& m : methods) has = has || (m.is_string() && m.as_string() == "none");
      if (!has) methods.emplace_back("none");
    }
  }
  return boost::json::serialize(o);
}

}  // namespace gatehouse::auth
