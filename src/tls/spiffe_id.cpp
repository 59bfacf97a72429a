#include "tls/spiffe_id.hpp"

namespace gatehouse::tls {

namespace {
constexpr std::size_t kMaxLength = 2048;  // the spec's limit for a whole SPIFFE ID
constexpr std::string_view kScheme = "spiffe://";

Unexpected invalid(const std::string& why) {
  return fail(Errc::bad_request, "invalid SPIFFE ID: " + why, "spiffe.invalid_id");
}

bool trust_domain_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}
bool path_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
         c == '_';
}
}  // namespace

bool valid_trust_domain(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  for (char c : name)
    if (!trust_domain_char(c)) return false;
  return true;
}

Result<SpiffeId> parse_spiffe_id(std::string_view text) {
  if (text.size() > kMaxLength) return invalid("longer than 2048 bytes");
  if (text.substr(0, kScheme.size()) != kScheme) return invalid("scheme must be spiffe:// (lowercase)");
  std::string_view rest = text.substr(kScheme.size());
  auto slash = rest.find('/');
  std::string_view domain = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  if (domain.empty()) return invalid("trust domain is empty");
  for (char c : domain) {
    if (c == ':') return invalid("a trust domain has no port");
    if (c == '@') return invalid("a trust domain has no user info");
    if (!trust_domain_char(c)) return invalid("trust domain may hold only a-z 0-9 . - _");
  }
  if (!path.empty()) {
    // Segments between slashes: non-empty, not "." or "..", characters from the allowed set.
    std::size_t pos = 1;
    while (true) {
      auto next = path.find('/', pos);
      std::string_view segment = path.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos);
      if (segment.empty()) return invalid(next == std::string_view::npos ? "trailing slash" : "empty path segment");
      if (segment == "." || segment == "..") return invalid("relative path segment");
      for (char c : segment)
        if (!path_char(c)) return invalid("path may hold only A-Z a-z 0-9 . - _ (no query or fragment)");
      if (next == std::string_view::npos) break;
      pos = next + 1;
    }
  }
  return SpiffeId{std::string(domain), std::string(path)};
}

}  // namespace gatehouse::tls
