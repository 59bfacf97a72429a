#include "authz/rule_input.hpp"

#include "tls/peer_certificate.hpp"

#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>

#include <algorithm>
#include <cctype>

namespace gatehouse::authz {
namespace json = boost::json;

namespace {

json::array strings(const std::vector<std::string>& v, const json::storage_ptr& sp) {
  json::array a(sp);
  a.reserve(v.size());
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

// Credentials never reach rules: a rule that could read them could also leak them (logs,
// FGA tuples, rate-limit keys).
bool is_secret_header(std::string_view lower) {
  return lower == "authorization" || lower == "cookie" || lower == "proxy-authorization" || lower == "x-api-key" ||
         lower == "mcp-session-id" || lower == "set-cookie";
}

}  // namespace

const cel::Env& rule_env() {
  static const cel::Env env = [] {
    cel::Env e;
    e.variables = {"identity", "request", "mcp", "now"};
    for (const char* f : {"subject", "issuer", "client_id", "principal", "method", "scopes", "roles", "groups", "claims"})
      e.variables.push_back(std::string("identity.") + f);
    for (const char* f : {"method", "path", "headers", "source"}) e.variables.push_back(std::string("request.") + f);
    for (const char* f : {"address", "port", "spiffe_id", "certificate"})
      e.variables.push_back(std::string("request.source.") + f);
    for (const char* f : {"method", "target", "tool", "prompt", "resource", "name", "args"})
      e.variables.push_back(std::string("mcp.") + f);
    // claims, headers and args are open: their keys come from tokens, clients and tools.
    e.closed = {"identity", "request", "request.source", "mcp"};
    return e;
  }();
  return env;
}

namespace {

// Where each part lives: "identity.claims" is read by a program naming identity.claims (or
// a field under it) or identity itself.
struct PartPath {
  std::string_view path;
  RuleParts part;
};
constexpr PartPath kPartPaths[] = {{"identity.claims", kClaimsPart},
                                   {"request.headers", kHeadersPart},
                                   {"mcp.args", kArgsPart},
                                   {"request.source", kSourcePart}};

unsigned parts_named_by(std::string_view name) {
  if (name.starts_with('.')) name.remove_prefix(1);
  unsigned parts = 0;
  for (const auto& [path, part] : kPartPaths) {
    const bool ancestor = path.size() > name.size() && path.starts_with(name) && path[name.size()] == '.';
    const bool within = name.starts_with(path) && (name.size() == path.size() || name[path.size()] == '.');
    if (ancestor || within) parts |= part;
  }
  return parts;
}

void collect_parts(const cel::Expr& e, unsigned& parts) {
  // The checker names every chain of identifiers ("identity.claims.tenant"): the chain is
  // the whole reference, nothing below it to visit.
  if (e.type == cel::Expr::Type::ident) {
    parts |= parts_named_by(e.name);
    return;
  }
  if (e.type == cel::Expr::Type::select && !e.qualified.empty()) {
    parts |= parts_named_by(e.qualified);
    return;
  }
  for (const auto& a : e.args) collect_parts(*a, parts);
}

void add_claims(json::object& identity, const auth::Identity* id) {
  if (id) identity.emplace("claims", id->claims);
  else identity.emplace("claims", json::object(identity.storage()));
}

void add_headers(json::object& request, const gateway::PolicyRequest& r) {
  std::size_t header_count = 0;
  for (auto it = r.http.begin(); it != r.http.end(); ++it) ++header_count;
  json::object headers(request.storage());
  headers.reserve(header_count);
  std::string name;
  for (const auto& h : r.http) {
    name.assign(h.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    if (is_secret_header(name)) continue;
    auto [slot, inserted] = headers.emplace(name, h.value());
    if (!inserted) {
      std::string joined(slot->value().get_string());
      joined += ", ";
      joined += h.value();
      slot->value() = joined;
    }
  }
  request.emplace("headers", std::move(headers));
}

void add_source(json::object& request, const gateway::PolicyRequest& r) {
  json::object source(request.storage());
  source.reserve(4);
  source.emplace("address", r.source.address().to_string());
  source.emplace("port", r.source.port());
  source.emplace("spiffe_id", "");
  // mTLS: the verified client certificate (its SPIFFE ID is the workload's identity).
  if (r.tls) {
    if (auto peer = tls::peer_certificate(r.tls); peer && *peer) {
      const auto& p = **peer;
      if (p.spiffe_id) source["spiffe_id"] = p.spiffe_id->str();
      json::array dns;
      for (const auto& d : p.dns_names) dns.emplace_back(d);
      source["certificate"] = json::object{{"subject", p.subject}, {"issuer", p.issuer}, {"dns_names", std::move(dns)},
                                           {"sha256", p.sha256_fingerprint}};
    }
  }
  request.emplace("source", std::move(source));
}

void add_args(json::object& mcp, const gateway::PolicyRequest& r) {
  if (r.arguments) mcp.emplace("args", *r.arguments);
  else mcp.emplace("args", json::object(mcp.storage()));
}

// The parts `doc` (built by rule_document) has.
unsigned parts_in(const json::object& doc) {
  unsigned parts = 0;
  if (doc.at("identity").as_object().contains("claims")) parts |= kClaimsPart;
  const auto& request = doc.at("request").as_object();
  if (request.contains("headers")) parts |= kHeadersPart;
  if (request.contains("source")) parts |= kSourcePart;
  if (doc.at("mcp").as_object().contains("args")) parts |= kArgsPart;
  return parts;
}

}  // namespace

unsigned parts_read_by(const cel::Program& program) {
  unsigned parts = 0;
  collect_parts(program.root(), parts);
  return parts;
}

namespace {

json::object build_document(const gateway::PolicyRequest& r, const auth::Identity* id, unsigned parts,
                            const json::storage_ptr& sp) {
  // Objects are sized before they are filled: growing a boost::json::object rehashes it.
  json::object identity(sp);
  identity.reserve(9);
  identity.emplace("subject", id ? std::string_view(id->subject) : std::string_view());
  identity.emplace("issuer", id ? std::string_view(id->issuer) : std::string_view());
  identity.emplace("client_id", id ? std::string_view(id->client_id) : std::string_view());
  identity.emplace("principal", r.principal);
  identity.emplace("method", id ? std::string_view(id->method) : std::string_view());
  identity.emplace("scopes", id ? strings(id->scopes, sp) : json::array(sp));
  identity.emplace("roles", id ? strings(id->roles, sp) : json::array(sp));
  identity.emplace("groups", id ? strings(id->groups, sp) : json::array(sp));
  if (parts & kClaimsPart) add_claims(identity, id);

  std::string_view target = r.http.target();
  json::object request(sp);
  request.reserve(4);
  request.emplace("method", r.http.method_string());
  request.emplace("path", target.substr(0, target.find('?')));
  if (parts & kHeadersPart) add_headers(request, r);
  if (parts & kSourcePart) add_source(request, r);

  json::object mcp(sp);
  mcp.reserve(7);
  mcp.emplace("method", r.method);
  mcp.emplace("target", r.target);
  mcp.emplace("tool", r.tool);
  mcp.emplace("prompt", r.prompt);
  mcp.emplace("resource", r.resource_uri);
  mcp.emplace("name", r.name);
  if (parts & kArgsPart) add_args(mcp, r);

  json::object doc(sp);
  doc.reserve(3);
  doc.emplace("identity", std::move(identity));
  doc.emplace("request", std::move(request));
  doc.emplace("mcp", std::move(mcp));
  return doc;
}

}  // namespace

json::object rule_document(const gateway::PolicyRequest& r, const auth::Identity* id, unsigned parts) {
  // A working copy for one list's filtering: its members are replaced item by item and it
  // is dropped at the end, so an arena serves it as well as the request's own document.
  return build_document(r, id, parts, json::make_shared_resource<json::monotonic_resource>(2048));
}

namespace {

// The request's document lives in one arena freed with it: a few dozen small strings and
// tables, each otherwise a malloc and a free per request. 2 KB holds the document without
// the large parts; the arena grows if they are there.
void build_into(gateway::PolicyRequest& r, const auth::Identity* id, unsigned parts) {
  r.rule_input.reset();
  r.rule_input.emplace(build_document(r, id, parts, json::make_shared_resource<json::monotonic_resource>(2048)));
}

}  // namespace

const json::object& request_document(gateway::PolicyRequest& r, unsigned parts) {
  const auth::Identity* id = identity_of(r);
  if (!r.rule_input || r.rule_input_for != id) {
    build_into(r, id, parts);
    r.rule_input_for = id;
    return *r.rule_input;
  }
  // An earlier stage built it with fewer parts: built again with them all, so members keep
  // one order whichever stage came first (a rule may print a whole object). Rare: the
  // stages of one route usually read the same parts, and the earlier stage's views are gone.
  if (parts == 0) return *r.rule_input;  // the common case: nothing to look for
  if (const unsigned have = parts_in(*r.rule_input); parts & ~have) build_into(r, id, parts | have);
  return *r.rule_input;
}

void bind(cel::Activation& activation, const json::object& document, std::chrono::system_clock::time_point now) {
  activation.set_json_members(document);
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  activation.set("now", cel::Value::timestamp(cel::Timestamp{ns / 1'000'000'000, static_cast<std::int32_t>(ns % 1'000'000'000)}));
}

}  // namespace gatehouse::authz
