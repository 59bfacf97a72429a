// The CEL standard library's strict functions: arithmetic with CEL's overflow rules,
// comparisons, strings, conversions, timestamps and durations, IP addresses.
#include "cel/functions.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <re2/re2.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <unordered_map>

#include "cel/time.hpp"

namespace gatehouse::cel {

namespace {

using I64 = std::int64_t;
using U64 = std::uint64_t;

constexpr std::uint8_t A(int n) { return static_cast<std::uint8_t>(1u << n); }

Value overflow() { return Value::error("return error for overflow"); }
bool is_num(Kind k) { return k == Kind::int_v || k == Kind::uint_v || k == Kind::double_v; }

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t extra;
    if (c < 0x80) extra = 0;
    else if (c >= 0xC2 && c <= 0xDF) extra = 1;
    else if ((c >> 4) == 0xE) extra = 2;
    else if (c >= 0xF0 && c <= 0xF4) extra = 3;
    else return false;
    if (i + extra >= s.size() && extra > 0) return false;
    for (std::size_t k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += extra + 1;
  }
  return true;
}

Value timestamp_or_overflow(__int128 nanos) {
  auto t = timestamp_from_nanos(nanos);
  return t ? Value::timestamp(*t) : overflow();
}
Value duration_or_overflow(__int128 nanos) {
  auto d = duration_from_nanos(nanos);
  return d ? Value::duration(*d) : overflow();
}

Value concat_lists(const Value& a, const Value& b) {
  std::vector<Value> items;
  items.reserve(a.size() + b.size());
  for (std::size_t i = 0; i < a.size(); ++i) items.push_back(a.list_at(i));
  for (std::size_t i = 0; i < b.size(); ++i) items.push_back(b.list_at(i));
  return Value::list(std::move(items));
}

Value add(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) {
    if (a.kind() == Kind::timestamp_v && b.kind() == Kind::duration_v)
      return timestamp_or_overflow(to_nanos(a.as_timestamp()) + to_nanos(b.as_duration()));
    if (a.kind() == Kind::duration_v && b.kind() == Kind::timestamp_v)
      return timestamp_or_overflow(to_nanos(b.as_timestamp()) + to_nanos(a.as_duration()));
    return no_overload("_+_");
  }
  switch (a.kind()) {
    case Kind::int_v: {
      I64 r;
      if (__builtin_add_overflow(a.as_int(), b.as_int(), &r)) return overflow();
      return Value::integer(r);
    }
    case Kind::uint_v: {
      U64 r;
      if (__builtin_add_overflow(a.as_uint(), b.as_uint(), &r)) return overflow();
      return Value::uinteger(r);
    }
    case Kind::double_v: return Value::dbl(a.as_double() + b.as_double());
    case Kind::string_v: return Value::string(std::string(a.as_string()) + std::string(b.as_string()));
    case Kind::bytes_v: return Value::bytes(std::string(a.as_string()) + std::string(b.as_string()));
    case Kind::list_v: return concat_lists(a, b);
    case Kind::duration_v: return duration_or_overflow(to_nanos(a.as_duration()) + to_nanos(b.as_duration()));
    default: return no_overload("_+_");
  }
}

Value sub(const Value& a, const Value& b) {
  if (a.kind() == Kind::timestamp_v && b.kind() == Kind::duration_v)
    return timestamp_or_overflow(to_nanos(a.as_timestamp()) - to_nanos(b.as_duration()));
  if (a.kind() != b.kind()) return no_overload("_-_");
  switch (a.kind()) {
    case Kind::int_v: {
      I64 r;
      if (__builtin_sub_overflow(a.as_int(), b.as_int(), &r)) return overflow();
      return Value::integer(r);
    }
    case Kind::uint_v: {
      U64 r;
      if (__builtin_sub_overflow(a.as_uint(), b.as_uint(), &r)) return overflow();
      return Value::uinteger(r);
    }
    case Kind::double_v: return Value::dbl(a.as_double() - b.as_double());
    case Kind::timestamp_v: return duration_or_overflow(to_nanos(a.as_timestamp()) - to_nanos(b.as_timestamp()));
    case Kind::duration_v: return duration_or_overflow(to_nanos(a.as_duration()) - to_nanos(b.as_duration()));
    default: return no_overload("_-_");
  }
}

Value mul(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return no_overload("_*_");
  switch (a.kind()) {
    case Kind::int_v: {
      I64 r;
      if (__builtin_mul_overflow(a.as_int(), b.as_int(), &r)) return overflow();
      return Value::integer(r);
    }
    case Kind::uint_v: {
      U64 r;
      if (__builtin_mul_overflow(a.as_uint(), b.as_uint(), &r)) return overflow();
      return Value::uinteger(r);
    }
    case Kind::double_v: return Value::dbl(a.as_double() * b.as_double());
    default: return no_overload("_*_");
  }
}

Value div(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return no_overload("_/_");
  switch (a.kind()) {
    case Kind::int_v:
      if (b.as_int() == 0) return Value::error("divide by zero");
      if (a.as_int() == std::numeric_limits<I64>::min() && b.as_int() == -1) return overflow();
      return Value::integer(a.as_int() / b.as_int());
    case Kind::uint_v:
      if (b.as_uint() == 0) return Value::error("divide by zero");
      return Value::uinteger(a.as_uint() / b.as_uint());
    case Kind::double_v: return Value::dbl(a.as_double() / b.as_double());
    default: return no_overload("_/_");
  }
}

Value mod(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return no_overload("_%_");
  switch (a.kind()) {
    case Kind::int_v:
      if (b.as_int() == 0) return Value::error("modulus by zero");
      if (a.as_int() == std::numeric_limits<I64>::min() && b.as_int() == -1) return overflow();
      return Value::integer(a.as_int() % b.as_int());
    case Kind::uint_v:
      if (b.as_uint() == 0) return Value::error("modulus by zero");
      return Value::uinteger(a.as_uint() % b.as_uint());
    default: return no_overload("_%_");
  }
}

Value relation(Fn fn, const Value& a, const Value& b) {
  const int c = compare(a, b);
  if (c == 2) {
    if (is_num(a.kind()) && is_num(b.kind())) return Value::boolean(false);  // NaN
    return no_overload("relation");
  }
  switch (fn) {
    case Fn::lt: return Value::boolean(c < 0);
    case Fn::le: return Value::boolean(c <= 0);
    case Fn::gt: return Value::boolean(c > 0);
    default: return Value::boolean(c >= 0);
  }
}

// An index for a list: int, uint, or a double with no fractional part.
bool list_index(const Value& v, I64& out) {
  switch (v.kind()) {
    case Kind::int_v: out = v.as_int(); return true;
    case Kind::uint_v:
      if (v.as_uint() > static_cast<U64>(std::numeric_limits<I64>::max())) return false;
      out = static_cast<I64>(v.as_uint());
      return true;
    case Kind::double_v: {
      double d = v.as_double();
      if (std::trunc(d) != d || std::fabs(d) > 9e18) return false;
      out = static_cast<I64>(d);
      return true;
    }
    default: return false;
  }
}

Value index(const Value& c, const Value& k) {
  if (c.kind() == Kind::list_v) {
    I64 i;
    if (!list_index(k, i)) return no_overload("_[_]");
    if (i < 0 || static_cast<std::size_t>(i) >= c.size())
      return Value::error("index out of range: " + std::to_string(i));
    return c.list_at(static_cast<std::size_t>(i));
  }
  if (c.kind() == Kind::map_v) {
    if (k.kind() == Kind::list_v || k.kind() == Kind::map_v || k.kind() == Kind::null_v)
      return Value::error("unsupported key type");
    Value out;
    if (c.map_find(k, &out)) return out;
    return Value::error("no such key: " + debug_string(k));
  }
  return no_overload("_[_]");
}

Value in(const Value& v, const Value& c) {
  if (c.kind() == Kind::list_v) {
    for (std::size_t i = 0; i < c.size(); ++i)
      if (equal_values(v, c.list_at(i))) return Value::boolean(true);
    return Value::boolean(false);
  }
  if (c.kind() == Kind::map_v) {
    Value ignored;
    return Value::boolean(c.map_find(v, &ignored));
  }
  return no_overload("@in");
}

Value size(const Value& v) {
  switch (v.kind()) {
    case Kind::string_v: return Value::integer(static_cast<I64>(utf8_length(v.as_string())));
    case Kind::bytes_v: return Value::integer(static_cast<I64>(v.as_string().size()));
    case Kind::list_v:
    case Kind::map_v: return Value::integer(static_cast<I64>(v.size()));
    default: return no_overload("size");
  }
}

Value matches(const Value& s, const Value& pattern, const re2::RE2* compiled) {
  if (s.kind() != Kind::string_v || pattern.kind() != Kind::string_v) return no_overload("matches");
  if (compiled) return Value::boolean(re2::RE2::PartialMatch(re2::StringPiece(s.as_string().data(), s.as_string().size()), *compiled));
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  re2::RE2 re(re2::StringPiece(pattern.as_string().data(), pattern.as_string().size()), opts);
  if (!re.ok()) return Value::error("invalid regular expression: " + re.error());
  return Value::boolean(re2::RE2::PartialMatch(re2::StringPiece(s.as_string().data(), s.as_string().size()), re));
}

Value to_int(const Value& v) {
  switch (v.kind()) {
    case Kind::int_v: return v;
    case Kind::uint_v:
      if (v.as_uint() > static_cast<U64>(std::numeric_limits<I64>::max())) return Value::error("range error");
      return Value::integer(static_cast<I64>(v.as_uint()));
    case Kind::double_v: {
      double d = v.as_double();
      if (!(d > -9223372036854775808.0 && d < 9223372036854775808.0)) return Value::error("range error");
      return Value::integer(static_cast<I64>(d));
    }
    case Kind::string_v: {
      I64 out;
      auto s = v.as_string();
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
      if (ec != std::errc() || p != s.data() + s.size()) return Value::error("cannot convert to int");
      return Value::integer(out);
    }
    case Kind::timestamp_v: return Value::integer(v.as_timestamp().seconds);
    default: return no_overload("int");
  }
}

Value to_uint(const Value& v) {
  switch (v.kind()) {
    case Kind::uint_v: return v;
    case Kind::int_v:
      if (v.as_int() < 0) return Value::error("range error");
      return Value::uinteger(static_cast<U64>(v.as_int()));
    case Kind::double_v: {
      double d = v.as_double();
      if (!(d > -1.0 && d < 18446744073709551616.0)) return Value::error("range error");
      return Value::uinteger(static_cast<U64>(d));
    }
    case Kind::string_v: {
      U64 out;
      auto s = v.as_string();
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
      if (ec != std::errc() || p != s.data() + s.size()) return Value::error("cannot convert to uint");
      return Value::uinteger(out);
    }
    default: return no_overload("uint");
  }
}

Value to_double(const Value& v) {
  switch (v.kind()) {
    case Kind::double_v: return v;
    case Kind::int_v: return Value::dbl(static_cast<double>(v.as_int()));
    case Kind::uint_v: return Value::dbl(static_cast<double>(v.as_uint()));
    case Kind::string_v: {
      std::string s(v.as_string());
      if (s.empty()) return Value::error("cannot convert to double");
      char* end = nullptr;
      double d = std::strtod(s.c_str(), &end);
      if (end != s.c_str() + s.size()) return Value::error("cannot convert to double");
      return Value::dbl(d);
    }
    default: return no_overload("double");
  }
}

std::string format_double(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, p);
}

Value to_string(const Value& v) {
  switch (v.kind()) {
    case Kind::string_v: return v;
    case Kind::int_v: return Value::string(std::to_string(v.as_int()));
    case Kind::uint_v: return Value::string(std::to_string(v.as_uint()));
    case Kind::double_v: return Value::string(format_double(v.as_double()));
    case Kind::bool_v: return Value::string(v.as_bool() ? "true" : "false");
    case Kind::bytes_v:
      if (!valid_utf8(v.as_string())) return Value::error("invalid UTF-8 in bytes");
      return Value::string(std::string(v.as_string()));
    case Kind::timestamp_v: return Value::string(format_timestamp(v.as_timestamp()));
    case Kind::duration_v: return Value::string(format_duration(v.as_duration()));
    default: return no_overload("string");
  }
}

Value to_bool(const Value& v) {
  if (v.kind() == Kind::bool_v) return v;
  if (v.kind() != Kind::string_v) return no_overload("bool");
  static const std::unordered_map<std::string_view, bool> kWords = {
      {"1", true}, {"t", true}, {"true", true}, {"TRUE", true}, {"True", true},
      {"0", false}, {"f", false}, {"false", false}, {"FALSE", false}, {"False", false}};
  auto it = kWords.find(v.as_string());
  if (it == kWords.end()) return Value::error("cannot convert to bool");
  return Value::boolean(it->second);
}

Value to_timestamp(const Value& v) {
  if (v.kind() == Kind::timestamp_v) return v;
  if (v.kind() == Kind::int_v) return timestamp_or_overflow(static_cast<__int128>(v.as_int()) * 1'000'000'000);
  if (v.kind() != Kind::string_v) return no_overload("timestamp");
  auto t = parse_timestamp(v.as_string());
  if (!t) return Value::error("invalid timestamp \"" + std::string(v.as_string()) + "\"");
  return Value::timestamp(*t);
}

Value to_duration(const Value& v) {
  if (v.kind() == Kind::duration_v) return v;
  if (v.kind() == Kind::int_v) return duration_or_overflow(v.as_int());
  if (v.kind() != Kind::string_v) return no_overload("duration");
  auto d = parse_duration(v.as_string());
  if (!d) return Value::error("invalid duration \"" + std::string(v.as_string()) + "\"");
  return Value::duration(*d);
}

// Timestamp getters, in UTC or the zone given as the optional argument.
Value time_getter(Fn fn, const Value* args, std::size_t n) {
  const Value& recv = args[0];
  if (recv.kind() == Kind::duration_v && n == 1) {
    const __int128 ns = to_nanos(recv.as_duration());
    switch (fn) {
      case Fn::get_hours: return Value::integer(static_cast<I64>(ns / 3'600'000'000'000));
      case Fn::get_minutes: return Value::integer(static_cast<I64>(ns / 60'000'000'000));
      case Fn::get_seconds: return Value::integer(static_cast<I64>(ns / 1'000'000'000));
      case Fn::get_milliseconds: return Value::integer(static_cast<I64>(ns / 1'000'000 % 1000));
      default: return no_overload("duration getter");
    }
  }
  if (recv.kind() != Kind::timestamp_v) return no_overload("timestamp getter");
  Timestamp t = recv.as_timestamp();
  std::int64_t secs = t.seconds;
  if (n == 2) {
    if (args[1].kind() != Kind::string_v) return no_overload("timestamp getter");
    auto off = zone_offset(args[1].as_string(), t);
    if (!off) return Value::error("unknown time zone: " + std::string(args[1].as_string()));
    secs += *off;
  }
  const CivilTime c = civil_from_seconds(secs);
  switch (fn) {
    case Fn::get_full_year: return Value::integer(c.year);
    case Fn::get_month: return Value::integer(c.month - 1);
    case Fn::get_day_of_year: return Value::integer(c.day_of_year);
    case Fn::get_day_of_month: return Value::integer(c.day - 1);
    case Fn::get_date: return Value::integer(c.day);
    case Fn::get_day_of_week: return Value::integer(c.day_of_week);
    case Fn::get_hours: return Value::integer(c.hour);
    case Fn::get_minutes: return Value::integer(c.minute);
    case Fn::get_seconds: return Value::integer(c.second);
    case Fn::get_milliseconds: return Value::integer(t.nanos / 1'000'000);
    default: return no_overload("timestamp getter");
  }
}

Value ipaddress(const Value& v) {
  if (v.kind() != Kind::string_v) return no_overload("ipaddress");
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(std::string(v.as_string()), ec);
  if (ec) return Value::error("invalid IP address \"" + std::string(v.as_string()) + "\"");
  return Value::string(addr.to_string());
}

Value in_cidr(const Value& ip, const Value& cidr) {
  if (ip.kind() != Kind::string_v || cidr.kind() != Kind::string_v) return no_overload("in_cidr");
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(std::string(ip.as_string()), ec);
  if (ec) return Value::error("invalid IP address \"" + std::string(ip.as_string()) + "\"");
  const std::string c(cidr.as_string());
  if (addr.is_v4()) {
    auto net = boost::asio::ip::make_network_v4(c, ec);
    if (ec) {
      boost::asio::ip::make_network_v6(c, ec);
      if (ec) return Value::error("invalid CIDR \"" + c + "\"");
      return Value::boolean(false);
    }
    const int bits = net.prefix_length();
    const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
    return Value::boolean((addr.to_v4().to_uint() & mask) == (net.network().to_uint() & mask));
  }
  auto net = boost::asio::ip::make_network_v6(c, ec);
  if (ec) {
    boost::asio::ip::make_network_v4(c, ec);
    if (ec) return Value::error("invalid CIDR \"" + c + "\"");
    return Value::boolean(false);
  }
  auto bytes = addr.to_v6().to_bytes();
  auto nbytes = net.network().to_bytes();
  int bits = net.prefix_length();
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const unsigned mask = bits >= 8 ? 0xFFu : (0xFFu << (8 - bits)) & 0xFFu;
    if ((bytes[i] & mask) != (nbytes[i] & mask)) return Value::boolean(false);
  }
  return Value::boolean(true);
}

}  // namespace

Value no_overload(std::string_view fn) { return Value::error("no such overload: " + std::string(fn)); }

FnInfo lookup_function(std::string_view name) {
  static const std::unordered_map<std::string_view, FnInfo> kTable = {
      {"_+_", {Fn::add, A(2), 0}}, {"_-_", {Fn::sub, A(2), 0}}, {"_*_", {Fn::mul, A(2), 0}},
      {"_/_", {Fn::div, A(2), 0}}, {"_%_", {Fn::mod, A(2), 0}}, {"-_", {Fn::neg, A(1), 0}},
      {"!_", {Fn::not_, A(1), 0}}, {"_==_", {Fn::eq, A(2), 0}}, {"_!=_", {Fn::ne, A(2), 0}},
      {"_<_", {Fn::lt, A(2), 0}}, {"_<=_", {Fn::le, A(2), 0}}, {"_>_", {Fn::gt, A(2), 0}},
      {"_>=_", {Fn::ge, A(2), 0}}, {"_&&_", {Fn::and_, A(2), 0}}, {"_||_", {Fn::or_, A(2), 0}},
      {"_?_:_", {Fn::cond, A(3), 0}}, {"_[_]", {Fn::index, A(2), 0}}, {"@in", {Fn::in, A(2), 0}},
      {"size", {Fn::size, A(1), A(0)}}, {"contains", {Fn::contains, 0, A(1)}},
      {"startsWith", {Fn::starts_with, 0, A(1)}}, {"endsWith", {Fn::ends_with, 0, A(1)}},
      {"matches", {Fn::matches, A(2), A(1)}}, {"int", {Fn::to_int, A(1), 0}},
      {"uint", {Fn::to_uint, A(1), 0}}, {"double", {Fn::to_double, A(1), 0}},
      {"string", {Fn::to_string, A(1), 0}}, {"bytes", {Fn::to_bytes, A(1), 0}},
      {"bool", {Fn::to_bool, A(1), 0}}, {"type", {Fn::type, A(1), 0}}, {"dyn", {Fn::dyn, A(1), 0}},
      {"timestamp", {Fn::timestamp, A(1), 0}}, {"duration", {Fn::duration, A(1), 0}},
      {"getFullYear", {Fn::get_full_year, 0, A(0) | A(1)}}, {"getMonth", {Fn::get_month, 0, A(0) | A(1)}},
      {"getDayOfYear", {Fn::get_day_of_year, 0, A(0) | A(1)}},
      {"getDayOfMonth", {Fn::get_day_of_month, 0, A(0) | A(1)}}, {"getDate", {Fn::get_date, 0, A(0) | A(1)}},
      {"getDayOfWeek", {Fn::get_day_of_week, 0, A(0) | A(1)}}, {"getHours", {Fn::get_hours, 0, A(0) | A(1)}},
      {"getMinutes", {Fn::get_minutes, 0, A(0) | A(1)}}, {"getSeconds", {Fn::get_seconds, 0, A(0) | A(1)}},
      {"getMilliseconds", {Fn::get_milliseconds, 0, A(0) | A(1)}},
      {"ipaddress", {Fn::ipaddress, A(1), 0}}, {"in_cidr", {Fn::in_cidr, 0, A(1)}},
  };
  auto it = kTable.find(name);
  return it == kTable.end() ? FnInfo{} : it->second;
}

Value call_builtin(Fn fn, const Value* a, std::size_t n, const re2::RE2* regex) {
  switch (fn) {
    case Fn::add: return add(a[0], a[1]);
    case Fn::sub: return sub(a[0], a[1]);
    case Fn::mul: return mul(a[0], a[1]);
    case Fn::div: return div(a[0], a[1]);
    case Fn::mod: return mod(a[0], a[1]);
    case Fn::neg:
      if (a[0].kind() == Kind::int_v) {
        if (a[0].as_int() == std::numeric_limits<I64>::min()) return overflow();
        return Value::integer(-a[0].as_int());
      }
      if (a[0].kind() == Kind::double_v) return Value::dbl(-a[0].as_double());
      return no_overload("-_");
    case Fn::not_:
      if (a[0].kind() != Kind::bool_v) return no_overload("!_");
      return Value::boolean(!a[0].as_bool());
    case Fn::eq: return equals(a[0], a[1]);
    case Fn::ne: {
      Value e = equals(a[0], a[1]);
      return e.is_error() ? e : Value::boolean(!e.as_bool());
    }
    case Fn::lt:
    case Fn::le:
    case Fn::gt:
    case Fn::ge: return relation(fn, a[0], a[1]);
    case Fn::index: return index(a[0], a[1]);
    case Fn::in: return in(a[0], a[1]);
    case Fn::size: return size(a[0]);
    case Fn::contains:
    case Fn::starts_with:
    case Fn::ends_with: {
      if (a[0].kind() != Kind::string_v || a[1].kind() != Kind::string_v) return no_overload("string function");
      auto s = a[0].as_string();
      auto t = a[1].as_string();
      bool r = fn == Fn::contains ? s.find(t) != std::string_view::npos
               : fn == Fn::starts_with ? s.starts_with(t)
                                       : s.ends_with(t);
      return Value::boolean(r);
    }
    case Fn::matches: return matches(a[0], a[1], regex);
    case Fn::to_int: return to_int(a[0]);
    case Fn::to_uint: return to_uint(a[0]);
    case Fn::to_double: return to_double(a[0]);
    case Fn::to_string: return to_string(a[0]);
    case Fn::to_bytes:
      if (a[0].kind() == Kind::bytes_v) return a[0];
      if (a[0].kind() == Kind::string_v) return Value::bytes(std::string(a[0].as_string()));
      return no_overload("bytes");
    case Fn::to_bool: return to_bool(a[0]);
    case Fn::type: return Value::type(type_name(a[0]));
    case Fn::dyn: return a[0];
    case Fn::timestamp: return to_timestamp(a[0]);
    case Fn::duration: return to_duration(a[0]);
    case Fn::get_full_year:
    case Fn::get_month:
    case Fn::get_day_of_year:
    case Fn::get_day_of_month:
    case Fn::get_date:
    case Fn::get_day_of_week:
    case Fn::get_hours:
    case Fn::get_minutes:
    case Fn::get_seconds:
    case Fn::get_milliseconds: return time_getter(fn, a, n);
    case Fn::ipaddress: return ipaddress(a[0]);
    case Fn::in_cidr: return in_cidr(a[0], a[1]);
    default: return no_overload("unknown function");
  }
}

}  // namespace gatehouse::cel
