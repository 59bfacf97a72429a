// Authorization-server metadata as MCP clients need it, for IdPs that fall short: the
// gateway may serve the IdP's RFC 8414 / OIDC document with gaps filled. Each option names
// the IdP quirk it addresses. Pure: the caller fetched the IdP document (discovery.hpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace gatehouse::auth {

struct AsMetadataOverlay {
  // MCP clients must refuse an AS that does not advertise S256 PKCE. Some IdPs support PKCE
  // but omit code_challenge_methods_supported (e.g. Microsoft Entra ID, older Okta orgs):
  // add ["S256"] when the member is absent. Never removes or replaces a present value.
  bool add_pkce_s256 = true;
  // IdPs without open dynamic client registration (Entra ID, Okta and Auth0 unless enabled,
  // Keycloak with restrictive client policies): advertise the gateway's registration proxy.
  // Empty: keep the IdP's (or none).
  std::string registration_endpoint;
  bool replace_registration_endpoint = false;  // also override an endpoint the IdP has
  // Scopes to advertise when the IdP lists none (Auth0 hides API scopes from discovery).
  std::vector<std::string> scopes_supported;
  // Some IdPs list only client_secret_* methods although public clients are allowed
  // (Keycloak public clients, Okta SPA apps): add "none" so PKCE-only clients can proceed.
  bool add_token_auth_none = false;
  // The document's issuer. RFC 8414 §3.3: a client checks it against the authorization-server
  // URL it discovered the document from, so a document the gateway serves at its own URL
  // names that URL. Empty: keep the IdP's (the document is served as the IdP's).
  std::string issuer;
};

// The IdP document with the overlay applied, serialized.
Result<std::string> overlay_as_metadata(std::string_view idp_metadata_json, const AsMetadataOverlay& overlay);

}  // namespace gatehouse::auth
