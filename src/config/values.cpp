#include "config/values.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <limits>

namespace gatehouse::config {
namespace {

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Digits then the rest; nullopt when there are no digits or the number overflows.
std::optional<std::pair<std::uint64_t, std::string_view>> leading_number(std::string_view s) {
  std::uint64_t n = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || ptr == s.data()) return std::nullopt;
  return std::make_pair(n, s.substr(static_cast<std::size_t>(ptr - s.data())));
}

std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return std::nullopt;
  return a * b;
}

std::optional<std::uint64_t> unit_millis(std::string_view unit) {
  if (unit == "ms") return 1;
  if (unit == "s") return 1000;
  if (unit == "m") return 60'000;
  if (unit == "h") return 3'600'000;
  return std::nullopt;
}

}  // namespace

EnvLookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

Parsed<std::string> expand_env(std::string_view in, const EnvLookup& env) {
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    if (in.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (in.compare(i, 2, "${") != 0) {
      out += in[i++];
      continue;
    }
    std::size_t close = in.find('}', i + 2);
    if (close == std::string_view::npos) return bad(std::string("unterminated ${ in value"));
    std::string_view body = in.substr(i + 2, close - i - 2);
    std::string_view name = body;
    std::optional<std::string_view> fallback;
    if (auto sep = body.find(":-"); sep != std::string_view::npos) {
      name = body.substr(0, sep);
      fallback = body.substr(sep + 2);
    }
    if (name.empty() || !is_name_start(name[0]) ||
        !std::all_of(name.begin(), name.end(), is_name_char))
      return bad("bad environment reference ${" + std::string(body) + "}");
    auto value = env(name);
    if (fallback && (!value || value->empty())) {
      out += *fallback;
    } else if (value) {
      out += *value;
    } else {
      return bad("environment variable " + std::string(name) + " is not set (use ${" +
             std::string(name) + ":-default} for a default)");
    }
    i = close + 1;
  }
  return out;
}

Parsed<Duration> parse_duration(std::string_view s) {
  auto num = leading_number(s);
  if (!num) return bad("bad duration \"" + std::string(s) + "\" (expected e.g. 500ms, 30s, 5m, 24h)");
  auto unit = unit_millis(num->second);
  if (!unit) {
    return bad("bad duration \"" + std::string(s) + "\": " +
           (num->second.empty() ? std::string("a unit is required (ms, s, m, h)")
                                : "unknown unit \"" + std::string(num->second) + "\" (ms, s, m, h)"));
  }
  auto ms = checked_mul(num->first, *unit);
  if (!ms || *ms > static_cast<std::uint64_t>(std::numeric_limits<Duration::rep>::max()))
    return bad("duration \"" + std::string(s) + "\" is too large");
  return Duration(static_cast<Duration::rep>(*ms));
}

Parsed<std::uint64_t> parse_size(std::string_view s) {
  auto num = leading_number(s);
  if (!num) return bad("bad size \"" + std::string(s) + "\" (expected e.g. 512, 16KiB, 4MiB)");
  std::uint64_t mult = 0;
  if (num->second.empty() || num->second == "B") mult = 1;
  else if (num->second == "KiB") mult = 1024;
  else if (num->second == "MiB") mult = 1024 * 1024;
  else if (num->second == "GiB") mult = 1024ull * 1024 * 1024;
  else
    return bad("bad size \"" + std::string(s) + "\": unknown unit \"" + std::string(num->second) +
           "\" (B, KiB, MiB, GiB)");
  auto bytes = checked_mul(num->first, mult);
  if (!bytes) return bad("size \"" + std::string(s) + "\" is too large");
  return *bytes;
}

Parsed<Rate> parse_rate(std::string_view s) {
  auto slash = s.find('/');
  std::string malformed = "bad rate \"" + std::string(s) + "\" (expected tokens/period, e.g. 10/s, 100/m, 20/100ms)";
  if (slash == std::string_view::npos) return bad(malformed);
  auto tokens = leading_number(s.substr(0, slash));
  if (!tokens || !tokens->second.empty()) return bad(malformed);
  if (tokens->first == 0) return bad("rate \"" + std::string(s) + "\" allows no tokens");
  std::string_view period = s.substr(slash + 1);
  Rate r;
  r.tokens = tokens->first;
  if (auto unit = unit_millis(period)) {
    r.per = Duration(static_cast<Duration::rep>(*unit));
  } else {
    auto d = parse_duration(period);
    if (parse_error(d)) return bad(malformed);
    r.per = std::get<Duration>(d);
  }
  if (r.per.count() <= 0) return bad("rate \"" + std::string(s) + "\" has an empty period");
  return r;
}

Parsed<std::uint64_t> parse_uint(std::string_view s, std::uint64_t max) {
  auto num = leading_number(s);
  if (!num || !num->second.empty()) return bad("expected a non-negative integer, got \"" + std::string(s) + "\"");
  if (num->first > max) return bad("value " + std::string(s) + " is out of range (max " + std::to_string(max) + ")");
  return num->first;
}

Parsed<bool> parse_bool(std::string_view s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return bad("expected true or false, got \"" + std::string(s) + "\"");
}

Parsed<std::string> parse_url(std::string_view s, std::initializer_list<std::string_view> schemes) {
  auto u = boost::urls::parse_uri(s);
  if (!u) return bad("bad URL \"" + std::string(s) + "\": " + u.error().message());
  std::string scheme(u->scheme());
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (std::find(schemes.begin(), schemes.end(), scheme) == schemes.end()) {
    std::string allowed;
    for (auto sc : schemes) allowed += (allowed.empty() ? "" : ", ") + std::string(sc);
    return bad("URL \"" + std::string(s) + "\" must use " + allowed);
  }
  if (!u->has_authority() || u->host().empty()) return bad("URL \"" + std::string(s) + "\" has no host");
  if (u->has_fragment()) return bad("URL \"" + std::string(s) + "\" must not have a fragment");
  return std::string(s);
}

Parsed<std::string> parse_origin(std::string_view s) {
  auto url = parse_url(s, {"http", "https"});
  if (auto* e = parse_error(url)) return bad("bad origin: " + *e);
  auto u = boost::urls::parse_uri(s);
  if (!u->path().empty() || u->has_query() || u->has_userinfo())
    return bad("origin \"" + std::string(s) + "\" must be scheme://host[:port] with nothing after");
  return std::string(s);
}

Parsed<std::string> parse_address(std::string_view s) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(std::string(s), ec);
  if (ec) return bad("\"" + std::string(s) + "\" is not an IPv4 or IPv6 address");
  return a.to_string();
}

Parsed<std::vector<std::uint8_t>> parse_session_key(std::string_view s) {
  // OpenSSL decodes standard base64 with padding; map the url alphabet onto it.
  std::string b64;
  for (char c : s) {
    if (c == '-') b64 += '+';
    else if (c == '_') b64 += '/';
    else if (c == '=') continue;
    else if (std::isalnum(static_cast<unsigned char>(c))) b64 += c;
    else return bad(std::string("session key is not base64url"));
  }
  std::size_t unpadded = b64.size();
  if (unpadded % 4 == 1) return bad(std::string("session key is not base64url"));
  while (b64.size() % 4) b64 += '=';
  std::vector<std::uint8_t> out(b64.size() / 4 * 3 + 1);
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(b64.data()),
                          static_cast<int>(b64.size()));
  if (n < 0) return bad(std::string("session key is not base64url"));
  // EVP_DecodeBlock counts the padding as zero bytes; drop them.
  std::size_t len = unpadded / 4 * 3 + (unpadded % 4 == 0 ? 0 : unpadded % 4 - 1);
  out.resize(len);
  if (len != 32) return bad("session key must be 32 bytes, got " + std::to_string(len));
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      std::size_t cost = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                                 std::tolower(static_cast<unsigned char>(b[j - 1]))
                             ? 0
                             : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + cost});
      diag = up;
    }
  }
  return row[b.size()];
}

namespace {
template <typename Range>
std::optional<std::string> closest_in(std::string_view word, const Range& candidates) {
  std::optional<std::string> best;
  std::size_t best_d = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    std::string_view cv(c);
    if (cv.empty()) continue;
    std::size_t d = edit_distance(word, cv);
    if (d < best_d && d < std::max(word.size(), cv.size())) {
      best_d = d;
      best = std::string(cv);
    }
  }
  return best;
}
}  // namespace

std::optional<std::string> closest(std::string_view word, std::span<const std::string> candidates) {
  return closest_in(word, candidates);
}

std::optional<std::string> closest(std::string_view word,
                                   std::initializer_list<std::string_view> candidates) {
  return closest_in(word, candidates);
}

std::string_view to_string(PrefixMode m) {
  switch (m) {
    case PrefixMode::automatic: return "auto";
    case PrefixMode::always: return "always";
    case PrefixMode::never: return "never";
  }
  return "?";
}
std::string_view to_string(FailureMode m) { return m == FailureMode::open ? "open" : "closed"; }
std::string_view to_string(UpstreamAuth::Mode m) {
  switch (m) {
    case UpstreamAuth::Mode::strip: return "strip";
    case UpstreamAuth::Mode::passthrough: return "passthrough";
    case UpstreamAuth::Mode::static_header: return "static";
    case UpstreamAuth::Mode::client_credentials: return "client_credentials";
    case UpstreamAuth::Mode::token_exchange: return "token_exchange";
  }
  return "?";
}
std::string_view to_string(PolicySpec::Hidden h) { return h == PolicySpec::Hidden::unknown ? "unknown" : "deny"; }
std::string_view to_string(FgaStore::Kind k) {
  switch (k) {
    case FgaStore::Kind::memory: return "memory";
    case FgaStore::Kind::sqlite: return "sqlite";
    case FgaStore::Kind::postgres: return "postgres";
  }
  return "?";
}
std::string_view to_string(RateLimitRule::Store s) { return s == RateLimitRule::Store::local ? "local" : "redis"; }
std::string_view to_string(Log::Level l) {
  switch (l) {
    case Log::Level::trace: return "trace";
    case Log::Level::debug: return "debug";
    case Log::Level::info: return "info";
    case Log::Level::warn: return "warn";
    case Log::Level::error: return "error";
  }
  return "?";
}

}  // namespace gatehouse::config
