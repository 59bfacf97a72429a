#include "observe/secret_scrubber.hpp"

#include <openssl/evp.h>
#include <re2/re2.h>

#include <cassert>

namespace gatehouse::observe {
namespace {

struct Patterns {
  // Cheap pre-check: most fields contain none of these, and one scan beats three rewrites.
  RE2 any{R"((?i)bearer|basic|dpop|eyJ|token|secret|api[_-]?key|password)"};
  RE2 scheme{R"((?i)\b(bearer|basic|dpop)\s+[A-Za-z0-9._~+/=-]+)"};
  RE2 jwt{R"(eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)"};
  RE2 param{R"((?i)\b(access_token|refresh_token|id_token|client_secret|api[_-]?key|password)(["']?\s*[=:]\s*["']?)[^&\s"',;]+)"};
};

const Patterns& patterns() {
  static const Patterns p;
  assert(p.any.ok() && p.scheme.ok() && p.jwt.ok() && p.param.ok());
  return p;
}

}  // namespace

bool may_hold_secret(std::string_view text) {
  return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), patterns().any);
}

std::string scrub_secrets(std::string_view text) {
  const auto& p = patterns();
  std::string out(text);
  if (!RE2::PartialMatch(out, p.any)) return out;
  // JWTs first: "Bearer eyJ..." then reads "Bearer [redacted-jwt]" and the scheme rule
  // leaves the bracketed marker alone (brackets are not token characters).
  RE2::GlobalReplace(&out, p.jwt, "[redacted-jwt]");
  RE2::GlobalReplace(&out, p.scheme, R"(\1 [redacted])");
  RE2::GlobalReplace(&out, p.param, R"(\1\2[redacted])");
  return out;
}

std::string session_tag(std::string_view session_id) {
  if (session_id.empty()) return {};
  // Fetched once: EVP_sha256() makes every EVP_Digest look the algorithm up in the
  // providers again, which costs more than the hash of a short id.
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(session_id.data(), session_id.size(), digest, &len, kSha256 ? kSha256 : EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 6; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

}  // namespace gatehouse::observe
