// What a policy rule sees, as CEL variables built once per request:
//   identity {subject, issuer, client_id, principal, method, scopes, roles, groups, claims}
//   request  {method, path, headers (lower-case names; credentials left out),
//             source {address, port, spiffe_id, certificate {subject, issuer, dns_names, sha256} (mTLS)}}
//   mcp      {method, target, tool, prompt, resource, name, args}
//   now      (timestamp)
// The same input serves the CEL rules, rate-limit keys and FGA templates.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>

#include "auth/identity.hpp"
#include "cel/cel.hpp"
#include "gateway/policy_chain.hpp"

namespace gatehouse::authz {

// The declared variables, so a misspelled name fails when the config loads.
const cel::Env& rule_env();

// The costly members of the document (copies of whole objects from the token, the client or
// the call), left out when no program of a stage can read them: a program only ever reaches
// them by name (identity.claims, request.headers, ...), or through the bare variable.
enum RuleParts : unsigned {
  kClaimsPart = 1,   // identity.claims
  kHeadersPart = 2,  // request.headers
  kArgsPart = 4,     // mcp.args
  kSourcePart = 8,   // request.source
  kAllParts = 15,
};
// The parts a compiled program can read (decided from its tree once, at config load).
unsigned parts_read_by(const cel::Program& program);

// The JSON document behind the variables (identity is null-free: an anonymous caller has
// empty strings and lists). Members of parts not asked for are absent.
boost::json::object rule_document(const gateway::PolicyRequest& request, const auth::Identity* identity,
                                  unsigned parts = kAllParts);

// The same document, built on first use and kept on the request (PolicyRequest::rule_input)
// so every stage of one request shares it; a later stage that reads more parts adds them.
// Valid as long as the request.
const boost::json::object& request_document(gateway::PolicyRequest& request, unsigned parts = kAllParts);

// Binds the document's members and `now`. The document must outlive the activation.
void bind(cel::Activation& activation, const boost::json::object& document,
          std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// The identity a stage before us attached, or null.
inline const auth::Identity* identity_of(const gateway::PolicyRequest& request) {
  return static_cast<const auth::Identity*>(request.identity.get());
}

}  // namespace gatehouse::authz
