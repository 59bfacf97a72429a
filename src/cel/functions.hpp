// The CEL standard library: builtin function ids (resolved once at compile time), their
// declared arities, and the strict (argument-evaluated) implementations.
#pragma once

#include <cstdint>
#include <string_view>

#include "cel/value.hpp"

namespace re2 { class RE2; }

namespace gatehouse::cel {

enum class Fn : std::uint16_t {
  unknown, add, sub, mul, div, mod, neg, not_, eq, ne, lt, le, gt, ge, and_, or_, cond, index,
  in, size, contains, starts_with, ends_with, matches, to_int, to_uint, to_double, to_string,
  to_bytes, to_bool, type, dyn, timestamp, duration, get_full_year, get_month, get_day_of_year,
  get_day_of_month, get_date, get_day_of_week, get_hours, get_minutes, get_seconds,
  get_milliseconds, ipaddress, in_cidr,
};

struct FnInfo {
  Fn fn = Fn::unknown;
  // Allowed argument counts (excluding a receiver) as a bitmask: bit n = n arguments.
  std::uint8_t global_arities = 0;
  std::uint8_t member_arities = 0;
};

// Unknown names give fn == Fn::unknown.
FnInfo lookup_function(std::string_view name);

// args[0] is the receiver for member calls; none of the args is an error. `regex` is a
// pattern precompiled at compile time for matches() with a literal pattern, else null.
Value call_builtin(Fn fn, const Value* args, std::size_t n, const re2::RE2* regex);

Value no_overload(std::string_view fn);

}  // namespace gatehouse::cel
