#include "observe/secret_scrubber.hpp"

#include <openssl/evp.h>
#include <re2/re2.h>

#include <array>
#include <cassert>
#include <utility>

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

// The same question as patterns().any, without RE2 for ASCII text (~13 calls per request
// on the access log path, where a regex match cost ~1k instructions each): a scan that
// dispatches on the first letter of each keyword. Non-ASCII text goes to RE2, whose (?i)
// folds Unicode too (the Kelvin sign matches 'k', the long s matches 's').
bool ascii_keyword_at(std::string_view text, std::size_t i) {
  auto at = [&](std::size_t pos, std::string_view lower) {
    if (text.size() - pos < lower.size()) return false;
    for (std::size_t k = 0; k < lower.size(); ++k)
      if ((static_cast<unsigned char>(text[pos + k]) | 0x20) != static_cast<unsigned char>(lower[k])) return false;
    return true;
  };
  switch (static_cast<unsigned char>(text[i]) | 0x20) {
    case 'b': return at(i, "bearer") || at(i, "basic");
    case 'd': return at(i, "dpop");
    case 'e': return at(i, "eyj");
    case 't': return at(i, "token");
    case 's': return at(i, "secret");
    case 'p': return at(i, "password");
    case 'a': {
      if (!at(i, "api")) return false;
      std::size_t k = i + 3;
      if (k < text.size() && (text[k] == '_' || text[k] == '-') && at(k + 1, "key")) return true;
      return at(k, "key");
    }
    default: return false;
  }
}

}  // namespace

bool may_hold_secret(std::string_view text) {
  // Letters a keyword starts with, either case.
  static constexpr auto kStarts = [] {
    std::array<bool, 256> t{};
    for (unsigned char c : std::string_view("bdetspa")) t[c] = t[c - 0x20] = true;
    return t;
  }();
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), patterns().any);
    if (kStarts[c] && ascii_keyword_at(text, i)) return true;
  }
  return false;
}

std::string scrub_secrets(std::string_view text) {
  const auto& p = patterns();
  std::string out(text);
  if (!may_hold_secret(out)) return out;
  // JWTs first: "Bearer eyJ..." then reads "Bearer [redacted-jwt]" and the scheme rule
  // leaves the bracketed marker alone (brackets are not token characters).
  RE2::GlobalReplace(&out, p.jwt, "[redacted-jwt]");
  RE2::GlobalReplace(&out, p.scheme, R"(\1 [redacted])");
  RE2::GlobalReplace(&out, p.param, R"(\1\2[redacted])");
  return out;
}

namespace {

std::string compute_session_tag(std::string_view session_id) {
  // Fetched once: EVP_sha256() makes every EVP_Digest look the algorithm up in the
  // providers again, which costs more than the hash of a short id.
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(session_id.data(), session_id.size(), digest, &len, kSha256 ? kSha256 : EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(12, '\0');
  for (int i = 0; i < 6; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return out;
}

// A session sends many requests, and its sealed id is a few hundred bytes: hashing it for
// every log line cost ~9.5k instructions. The last few ids each thread tagged are kept
// (compared in full, so a hit is exact); one thread serves a connection's requests.
struct TagCache {
  static constexpr std::size_t kSlots = 8;
  std::array<std::pair<std::string, std::string>, kSlots> slots;  // id, tag
  std::size_t next = 0;
};

}  // namespace

std::string session_tag(std::string_view session_id) {
  if (session_id.empty()) return {};
  // Ids longer than this are not worth keeping (and a client cannot make us keep big ones).
  constexpr std::size_t kMaxCached = 1024;
  if (session_id.size() > kMaxCached) return compute_session_tag(session_id);
  thread_local TagCache cache;
  for (const auto& [id, tag] : cache.slots)
    if (id == session_id) return tag;
  auto& slot = cache.slots[cache.next];
  cache.next = (cache.next + 1) % TagCache::kSlots;
  slot.first.assign(session_id);
  slot.second = compute_session_tag(session_id);
  return slot.second;
}

}  // namespace gatehouse::observe
