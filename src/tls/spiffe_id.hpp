// SPIFFE IDs (spiffe://trust-domain/path) as the SPIFFE ID specification defines them: parsed
// strictly, because a lax parser is how "spiffe://example.org.evil/..." gets mistaken for
// example.org. Pure functions, no I/O.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace gatehouse::tls {

struct SpiffeId {
  std::string trust_domain;  // e.g. "example.org"
  std::string path;          // e.g. "/agent/billing" ("" for the trust domain itself)

  std::string str() const { return "spiffe://" + trust_domain + path; }
  bool operator==(const SpiffeId&) const = default;
};

// Errc::bad_request with reason "spiffe.invalid_id" and a message naming the rule broken.
Result<SpiffeId> parse_spiffe_id(std::string_view text);

// A trust domain name alone (as configured): lowercase letters, digits, '.', '-', '_'.
bool valid_trust_domain(std::string_view name);

}  // namespace gatehouse::tls
