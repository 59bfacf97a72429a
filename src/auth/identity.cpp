#include "auth/identity.hpp"

#include <algorithm>

#include "auth/crypto_util.hpp"

namespace gatehouse::auth {
namespace {

void append_strings(const boost::json::value* v, std::vector<std::string>& out, bool split_spaces) {
  if (!v) return;
  auto add = [&](std::string_view s) {
    if (!s.empty() && std::find(out.begin(), out.end(), s) == out.end()) out.emplace_back(s);
  };
  if (v->is_string()) {
    std::string_view s = v->as_string();
    if (!split_spaces) return add(s);
    std::size_t pos = 0;
    while (pos <= s.size()) {
      auto end = s.find(' ', pos);
      if (end == std::string_view::npos) end = s.size();
      add(s.substr(pos, end - pos));
      pos = end + 1;
    }
  } else if (v->is_array()) {
    for (const auto& item : v->as_array())
      if (item.is_string()) add(item.as_string());
  }
}

std::string string_claim(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : std::string();
}

}  // namespace

const boost::json::value* find_claim(const boost::json::object& claims, std::string_view path) {
  if (auto it = claims.find(path); it != claims.end()) return &it->value();
  const boost::json::object* obj = &claims;
  while (true) {
    auto dot = path.find('.');
    auto it = obj->find(path.substr(0, dot));
    if (it == obj->end()) return nullptr;
    if (dot == std::string_view::npos) return &it->value();
    if (!it->value().is_object()) return nullptr;
    obj = &it->value().as_object();
    path.remove_prefix(dot + 1);
  }
}

Identity identity_from_claims(boost::json::object claims, const ClaimPaths& paths, std::string method) {
  Identity id;
  id.method = std::move(method);
  id.subject = string_claim(claims, "sub");
  id.issuer = string_claim(claims, "iss");
  id.client_id = string_claim(claims, "client_id");
  if (id.client_id.empty()) id.client_id = string_claim(claims, "azp");
  append_strings(find_claim(claims, "scope"), id.scopes, true);
  append_strings(find_claim(claims, "scp"), id.scopes, true);
  for (const auto& p : paths.roles) append_strings(find_claim(claims, p), id.roles, false);
  for (const auto& p : paths.groups) append_strings(find_claim(claims, p), id.groups, false);
  if (auto it = claims.find("exp"); it != claims.end() && it->value().is_number()) {
    boost::system::error_code ec;
    auto exp = it->value().to_number<double>(ec);
    // Only plausible NumericDates: a float-to-integer conversion out of range is undefined.
    if (!ec && exp >= 0 && exp < 1e12) id.expires_at = static_cast<std::int64_t>(exp);
  }
  id.claims = std::move(claims);
  return id;
}

std::string Identity::principal_key() const {
  const std::string_view m = memo_material;
  if (!memo_key.empty() && m.size() == issuer.size() + 1 + subject.size() && m.starts_with(issuer) &&
      m[issuer.size()] == '\0' && m.ends_with(subject))
    return memo_key;
  std::string material = issuer;
  material.push_back('\0');
  material += subject;
  return to_hex(sha256(material));
}

std::shared_ptr<const Identity> share_identity(Identity identity) {
  identity.memo_key = identity.principal_key();
  identity.memo_material = identity.issuer;
  identity.memo_material.push_back('\0');
  identity.memo_material += identity.subject;
  return std::make_shared<const Identity>(std::move(identity));
}

bool Identity::has_scope(std::string_view scope) const {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

bool Identity::has_role(std::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

std::vector<std::string> Identity::missing_scopes(const std::vector<std::string>& required) const {
  std::vector<std::string> out;
  for (const auto& s : required)
    if (!has_scope(s)) out.push_back(s);
  return out;
}

boost::json::object Identity::to_json() const {
  auto list = [](const std::vector<std::string>& v) {
    boost::json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
  };
  boost::json::object o;
  o["method"] = method;
  o["subject"] = subject;
  o["issuer"] = issuer;
  o["client_id"] = client_id;
  o["scopes"] = list(scopes);
  o["roles"] = list(roles);
  o["groups"] = list(groups);
  o["principal_key"] = principal_key();
  o["expires_at"] = expires_at;
  o["claims"] = claims;
  return o;
}

}  // namespace gatehouse::auth
