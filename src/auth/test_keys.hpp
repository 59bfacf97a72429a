// Test and benchmark support (not part of the library): generates keys with OpenSSL, exports
// their public JWK and signs JWTs, so unit tests need no fixtures and no other JOSE code.
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <string>

#include "auth/jwk.hpp"
#include "auth/jws_verify.hpp"

namespace gatehouse::auth::testing {

struct TestKey {
  std::shared_ptr<EVP_PKEY> pkey;  // private
  Alg alg;
  std::string kid;
  boost::json::object public_jwk() const;
};

TestKey generate_key(Alg alg, std::string kid);
// header: {"alg": <alg name>, "kid": kid, "typ": typ (if not empty)} merged with `extra_header`.
std::string sign_jwt(const TestKey& key, const boost::json::object& claims, std::string typ = "JWT",
                     const boost::json::object& extra_header = {});
std::string jwks_json(std::initializer_list<const TestKey*> keys);

}  // namespace gatehouse::auth::testing
