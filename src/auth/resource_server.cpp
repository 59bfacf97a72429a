#include "auth/resource_server.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/object.hpp>
#include <boost/url/parse.hpp>

namespace gatehouse::auth {
namespace {

constexpr std::string_view kWellKnown = "/.well-known/oauth-protected-resource";

// An RFC 7230 quoted-string; control characters are dropped (header injection).
void append_quoted(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) continue;
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

void param(std::string& out, std::string_view name, std::string_view value) {
  if (out.size() > 7) out += ", ";
  out += name;
  out += '=';
  append_quoted(out, value);
}

}  // namespace

std::string protected_resource_metadata(const ProtectedResource& pr) {
  auto list = [](const std::vector<std::string>& v) {
    boost::json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
  };
  boost::json::object o;
  o["resource"] = pr.resource;
  o["authorization_servers"] = list(pr.authorization_servers);
  if (!pr.scopes_supported.empty()) o["scopes_supported"] = list(pr.scopes_supported);
  o["bearer_methods_supported"] = list(pr.bearer_methods_supported);
  if (!pr.resource_name.empty()) o["resource_name"] = pr.resource_name;
  if (!pr.resource_documentation.empty()) o["resource_documentation"] = pr.resource_documentation;
  return boost::json::serialize(o);
}

Result<WellKnownPaths> well_known_paths(std::string_view resource) {
  auto url = boost::urls::parse_absolute_uri(resource);
  if (!url || (url->scheme() != "https" && url->scheme() != "http") || url->has_fragment())
    return fail(Errc::invalid_config, "resource must be an absolute http(s) URL without fragment");
  std::string path(url->encoded_path());
  if (path == "/") path.clear();
  return WellKnownPaths{std::string(kWellKnown) + path, std::string(kWellKnown)};
}

Result<std::string> metadata_url(std::string_view resource) {
  GH_TRY(auto paths, well_known_paths(resource));
  auto url = boost::urls::parse_absolute_uri(resource);
  return std::string(url->scheme()) + "://" + std::string(url->encoded_authority()) + paths.path_suffixed;
}

std::string www_authenticate_401(std::string_view metadata_url, const std::vector<std::string>& scopes,
                                 std::string_view error, std::string_view description) {
  std::string out = "Bearer ";
  if (!error.empty()) param(out, "error", error);
  if (!description.empty()) param(out, "error_description", description);
  param(out, "resource_metadata", metadata_url);
  if (!scopes.empty()) param(out, "scope", join(scopes));
  return out;
}

std::string www_authenticate_403(std::string_view metadata_url, const std::vector<std::string>& scopes,
                                 std::string_view description) {
  std::string out = "Bearer ";
  param(out, "error", "insufficient_scope");
  param(out, "scope", join(scopes));
  param(out, "resource_metadata", metadata_url);
  if (!description.empty()) param(out, "error_description", description);
  return out;
}

Result<std::string_view> bearer_token(std::string_view h) {
  auto missing = [] { return fail(Errc::unauthenticated, "missing bearer token", "bearer.missing"); };
  auto malformed = [] { return fail(Errc::unauthenticated, "malformed bearer token", "bearer.malformed"); };
  while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.remove_prefix(1);
  while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.remove_suffix(1);
  if (h.size() < 6) return missing();
  constexpr std::string_view kScheme = "bearer";
  for (std::size_t i = 0; i < kScheme.size(); ++i)
    if ((h[i] | 0x20) != kScheme[i]) return missing();
  h.remove_prefix(kScheme.size());
  if (h.empty()) return malformed();
  if (h.front() != ' ') return missing();  // e.g. "BearerX"
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  if (h.empty()) return malformed();
  // token68: ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" then "=" padding only.
  std::size_t i = 0;
  for (; i < h.size(); ++i) {
    char c = h[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    if (!ok) break;
  }
  if (i == 0) return malformed();
  for (std::size_t j = i; j < h.size(); ++j)
    if (h[j] != '=') return malformed();
  return h;
}

}  // namespace gatehouse::auth
