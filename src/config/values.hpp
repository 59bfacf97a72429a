// Parsers for the scalar value kinds of the config file (durations, sizes, rates, URLs,
// addresses, session keys), ${ENV} expansion and did-you-mean suggestions. Pure functions:
// each returns the value or a short message the loader prefixes with file:line:col and path.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/types.hpp"

namespace gatehouse::config {

// Why a value was rejected.
struct Problem {
  std::string message;
};
inline Problem bad(std::string message) { return Problem{std::move(message)}; }

// A value or the reason it is not one.
template <typename T>
using Parsed = std::variant<T, Problem>;

template <typename T>
const std::string* parse_error(const Parsed<T>& p) {
  const Problem* e = std::get_if<Problem>(&p);
  return e ? &e->message : nullptr;
}

// Returns the variable's value, or nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;
EnvLookup process_env();

// ${NAME} and ${NAME:-default} (default also when NAME is set but empty, as in sh);
// "$${" is a literal "${". NAME is [A-Za-z_][A-Za-z0-9_]*.
Parsed<std::string> expand_env(std::string_view in, const EnvLookup& env);

// "500ms", "30s", "5m", "24h"; a unit is required.
Parsed<Duration> parse_duration(std::string_view s);
// "512", "512B", "16KiB", "4MiB", "1GiB".
Parsed<std::uint64_t> parse_size(std::string_view s);
// "10/s", "100/m", "5/h", "20/100ms", "3/10s": tokens per period.
Parsed<Rate> parse_rate(std::string_view s);
Parsed<std::uint64_t> parse_uint(std::string_view s, std::uint64_t max);
Parsed<bool> parse_bool(std::string_view s);

// An absolute URL whose scheme is one of `schemes` and that has a host (Boost.URL).
Parsed<std::string> parse_url(std::string_view s, std::initializer_list<std::string_view> schemes);
// An Origin: scheme://host[:port], nothing after.
Parsed<std::string> parse_origin(std::string_view s);
// An IPv4 or IPv6 literal (no names: the gateway never resolves its own listen address).
Parsed<std::string> parse_address(std::string_view s);
// base64url (padding optional) of exactly 32 bytes.
Parsed<std::vector<std::uint8_t>> parse_session_key(std::string_view s);

// The closest candidate within a small edit distance, for "did you mean".
std::optional<std::string> closest(std::string_view word, std::span<const std::string> candidates);
std::optional<std::string> closest(std::string_view word,
                                   std::initializer_list<std::string_view> candidates);
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace gatehouse::config
