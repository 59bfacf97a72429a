#include "jsonrpc/json_writer.hpp"

#include <boost/json/serializer.hpp>

#include <charconv>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace gatehouse::jsonrpc {
namespace json = boost::json;

namespace {

// Boost.JSON's escapes: the short forms \b \t \n \f \r, \u00xx (lower-case hex) for the other
// control characters, \" and \\; everything else (DEL and non-ASCII included) as it is.
constexpr char escape_of(unsigned char c) {
  switch (c) {
    case '\b': return 'b';
    case '\t': return 't';
    case '\n': return 'n';
    case '\f': return 'f';
    case '\r': return 'r';
    case '"': return '"';
    case '\\': return '\\';
    default: return c < 0x20 ? 'u' : 0;
  }
}

constexpr bool needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

// Length of the run at the start of [p, p + n) that needs no escape.
std::size_t clean_run(const char* p, std::size_t n) {
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i last_control = _mm_set1_epi8(0x1F);
  for (; i + 16 <= n; i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    // x <= 0x1F as unsigned bytes: min(x, 0x1F) == x.
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(x, last_control), x);
    const __m128i hit = _mm_or_si128(control, _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)));
    if (const int mask = _mm_movemask_epi8(hit)) return i + static_cast<std::size_t>(__builtin_ctz(mask));
  }
#endif
  while (i < n && !needs_escape(static_cast<unsigned char>(p[i]))) ++i;
  return i;
}

// An upper bound of the text's length when no string needs escapes (the usual case), so
// the output is allocated once; escapes grow it as they come.
std::size_t estimate(const json::value& v);

std::size_t estimate(const json::object& o) {
  std::size_t n = 2 + o.size();  // braces, commas and colons
  for (const auto& kv : o) n += kv.key().size() + 3 + estimate(kv.value());
  return n;
}

std::size_t estimate(const json::array& a) {
  std::size_t n = 2 + a.size();
  for (const auto& e : a) n += estimate(e);
  return n;
}

std::size_t estimate(const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: return estimate(v.get_object());
    case json::kind::array: return estimate(v.get_array());
    case json::kind::string: return v.get_string().size() + 2;
    default: return 24;  // the longest number, true, false, null
  }
}

void append_integer(std::string& out, auto n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, end);
}

// Doubles are rare in MCP envelopes; Boost formats them (its shortest form, e.g. 1E0), so
// they are written by its serializer, on a stack buffer.
void append_double(std::string& out, const json::value& v) {
  json::serializer sr;
  sr.reset(&v);
  char buf[64];
  while (!sr.done()) out.append(sr.read(buf, sizeof buf));
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  const char* p = s.data();
  std::size_t left = s.size();
  while (left > 0) {
    const std::size_t run = clean_run(p, left);
    out.append(p, run);
    p += run;
    left -= run;
    if (left == 0) break;
    const auto c = static_cast<unsigned char>(*p);
    const char e = escape_of(c);
    if (e == 'u') {
      const char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      out.append(u, sizeof u);
    } else {
      const char two[2] = {'\\', e};
      out.append(two, sizeof two);
    }
    ++p;
    --left;
  }
  out.push_back('"');
}

namespace {

void write(std::string& out, const json::value& v);

void write(std::string& out, const json::object& o) {
  out.push_back('{');
  bool first = true;
  for (const auto& kv : o) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, kv.key());
    out.push_back(':');
    write(out, kv.value());
  }
  out.push_back('}');
}

void write(std::string& out, const json::array& a) {
  out.push_back('[');
  bool first = true;
  for (const auto& e : a) {
    if (!first) out.push_back(',');
    first = false;
    write(out, e);
  }
  out.push_back(']');
}

void write(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: write(out, v.get_object()); return;
    case json::kind::array: write(out, v.get_array()); return;
    case json::kind::string: append_json_string(out, v.get_string()); return;
    case json::kind::int64: append_integer(out, v.get_int64()); return;
    case json::kind::uint64: append_integer(out, v.get_uint64()); return;
    case json::kind::double_: append_double(out, v); return;
    case json::kind::bool_: out.append(v.get_bool() ? "true" : "false"); return;
    case json::kind::null: out.append("null"); return;
  }
}

// The output is allocated once for the usual case (no escapes), then written.
template <typename Json>
void append_reserved(std::string& out, const Json& v) {
  out.reserve(out.size() + estimate(v));
  write(out, v);
}

}  // namespace

void append_json(std::string& out, const json::object& o) { append_reserved(out, o); }

std::string to_json(const json::value& v) {
  std::string out;
  append_reserved(out, v);
  return out;
}

std::string to_json(const json::object& o) {
  std::string out;
  append_reserved(out, o);
  return out;
}

}  // namespace gatehouse::jsonrpc
