// Fuzz target: every parser of untrusted auth input on the same bytes. The token path runs
// parse -> header rules -> signature (RSA and EC keys, so r||s conversion is reached) ->
// claims; the same bytes also go through the JWKS, introspection, Authorization, SPIFFE ID
// and forwarded-header parsers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/introspection.hpp"
#include "auth/jwt_svid.hpp"
#include "auth/peer_certificate.hpp"
#include "auth/public_url.hpp"
#include "auth/resource_server.hpp"
#include "auth/test_keys.hpp"
#include "auth/validator.hpp"
#include "core/log.hpp"
#include "tls/spiffe_id.hpp"

namespace {

using namespace gatehouse::auth;

struct Setup {
  JwkSet keys;
  std::optional<Validator> validator;
  std::optional<JwtSvidValidator> svid;
  IntrospectionConfig introspection;
  Setup() {
    gatehouse::log::set_level(gatehouse::log::Level::off);
    auto rsa = testing::generate_key(Alg::rs256, "rsa");
    auto ec = testing::generate_key(Alg::es256, "ec");
    keys = *parse_jwks(testing::jwks_json({&rsa, &ec}));
    ValidatorConfig c;
    c.issuer = "https://as.example";
    c.audiences = {"https://gw.example/mcp"};
    c.required_claims = {"a.b.c"};
    validator.emplace(*Validator::create(c));
    svid.emplace(*JwtSvidValidator::create({"example.org", "spiffe://example.org/gw", std::chrono::seconds(60), {}}));
    introspection.audiences = {"https://gw.example/mcp"};
    introspection.issuer = "https://as.example";
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Setup setup;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto jws = parse_jws(input)) {
    if (auto alg = setup.validator->check_header(*jws)) {
      (void)setup.validator->check_signature(*jws, *alg, setup.keys);
      (void)identity_from_claims(jws->payload, ClaimPaths{{"realm_access.roles", "x.y"}, {"groups"}}, "jwt");
      (void)setup.validator->check_claims(std::move(*jws), 1'800'000'000);
    }
  }
  (void)setup.validator->validate(input, setup.keys, 1'800'000'000);
  (void)parse_jwks(input);
  (void)setup.svid->validate(input, setup.keys, 1'800'000'000);
  (void)parse_jwt_bundle(input);
  (void)parse_jwt_bundle(input, true);
  (void)parse_introspection(input, setup.introspection, 1'800'000'000);
  (void)bearer_token(input);
  (void)gatehouse::tls::parse_spiffe_id(input);
  static const PublicUrlPolicy policy{"", {"10.0.0.0/8"}};
  (void)public_resource_url(policy, RequestOrigin{"10.0.0.1", false, input, input, input, input}, "/mcp");
  return 0;
}
