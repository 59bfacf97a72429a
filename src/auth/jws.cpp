#include "auth/jws.hpp"

#include <boost/json/parse.hpp>

#include "auth/base64url.hpp"

namespace gatehouse::auth {
namespace {

Unexpected malformed(std::string msg) {
  return fail(Errc::unauthenticated, "malformed token: " + std::move(msg), "jwt.malformed");
}

Result<boost::json::object> decode_object(std::string_view segment, const char* what) {
  auto bytes = base64url_decode(segment);
  if (!bytes) return malformed(std::string(what) + " is not base64url");
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = 16;
  boost::json::value v = boost::json::parse(*bytes, ec, {}, opts);
  if (ec) return malformed(std::string(what) + " is not JSON");
  if (!v.is_object()) return malformed(std::string(what) + " is not a JSON object");
  return std::move(v.as_object());
}

std::string string_member(const boost::json::object& o, std::string_view key, bool& wrong_type) {
  auto it = o.find(key);
  if (it == o.end()) return {};
  if (!it->value().is_string()) {
    wrong_type = true;
    return {};
  }
  return std::string(it->value().as_string());
}

}  // namespace

Result<ParsedJws> parse_jws(std::string_view token, std::size_t max_bytes) {
  if (token.size() > max_bytes) return fail(Errc::unauthenticated, "token too large", "jwt.too_large");
  auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return malformed("expected three segments");
  auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return malformed("expected three segments");
  if (token.find('.', dot2 + 1) != std::string_view::npos) return malformed("expected three segments");
  std::string_view h = token.substr(0, dot1);
  std::string_view p = token.substr(dot1 + 1, dot2 - dot1 - 1);
  std::string_view s = token.substr(dot2 + 1);
  // An empty signature is what `alg: none` produces; nothing we accept is unsigned.
  if (h.empty() || p.empty() || s.empty()) return malformed("empty segment");

  ParsedJws out;
  GH_TRY(out.header, decode_object(h, "header"));
  GH_TRY(out.payload, decode_object(p, "payload"));
  auto sig = base64url_decode(s);
  if (!sig) return malformed("signature is not base64url");
  out.signature = std::move(*sig);

  bool wrong_type = false;
  out.alg = string_member(out.header, "alg", wrong_type);
  out.kid = string_member(out.header, "kid", wrong_type);
  out.typ = string_member(out.header, "typ", wrong_type);
  if (wrong_type) return malformed("alg, kid and typ must be strings");
  if (out.alg.empty()) return malformed("missing alg");
  if (out.header.contains("crit")) return malformed("unsupported critical header");
  out.signing_input.assign(token.substr(0, dot2));
  return out;
}

}  // namespace gatehouse::auth
