// CEL runtime values: a small tagged value that is cheap to copy. Strings and bytes are views
// kept alive by an optional owner, so literals and JSON-backed activation data are never
// copied during evaluation; lists and maps are either native or views over boost::json.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

namespace gatehouse::cel {

enum class Kind : std::uint8_t {
  null_v, bool_v, int_v, uint_v, double_v, string_v, bytes_v, list_v, map_v, type_v,
  timestamp_v, duration_v, error_v,
};

// Seconds + nanos (0..999'999'999) since the Unix epoch, or of a span (nanos carry the sign
// of the span's seconds, as in google.protobuf.Duration).
struct Timestamp { std::int64_t seconds = 0; std::int32_t nanos = 0; };
struct Duration { std::int64_t seconds = 0; std::int32_t nanos = 0; };

class Value;
struct ListData { std::vector<Value> items; };
struct MapData;

class Value {
 public:
  Value() : kind_(Kind::null_v) {}
  static Value null() { return Value(); }
  static Value boolean(bool b) { Value v(Kind::bool_v); v.b_ = b; return v; }
  static Value integer(std::int64_t i) { Value v(Kind::int_v); v.i_ = i; return v; }
  static Value uinteger(std::uint64_t u) { Value v(Kind::uint_v); v.u_ = u; return v; }
  static Value dbl(double d) { Value v(Kind::double_v); v.d_ = d; return v; }
  // A view that must outlive the value (literals, activation data); the owned forms copy.
  static Value string_view(std::string_view s) { Value v(Kind::string_v); v.sv_ = s; return v; }
  static Value string(std::string s);
  static Value bytes_view(std::string_view s) { Value v(Kind::bytes_v); v.sv_ = s; return v; }
  static Value bytes(std::string s);
  static Value type(std::string_view name) { Value v(Kind::type_v); v.sv_ = name; return v; }
  static Value timestamp(Timestamp t) { Value v(Kind::timestamp_v); v.ts_ = t; return v; }
  static Value duration(Duration d) { Value v(Kind::duration_v); v.dur_ = d; return v; }
  static Value error(std::string message);
  static Value list(std::vector<Value> items);
  static Value list(std::shared_ptr<const ListData> data);
  static Value map(std::shared_ptr<const MapData> data);
  // JSON views: the boost::json value must outlive every Value derived from it.
  static Value from_json(const boost::json::value& j);

  Kind kind() const { return kind_; }
  bool is_error() const { return kind_ == Kind::error_v; }
  bool is_bool() const { return kind_ == Kind::bool_v; }
  bool as_bool() const { return b_; }
  std::int64_t as_int() const { return i_; }
  std::uint64_t as_uint() const { return u_; }
  double as_double() const { return d_; }
  std::string_view as_string() const { return sv_; }  // string, bytes, type name, error text
  Timestamp as_timestamp() const { return ts_; }
  Duration as_duration() const { return dur_; }

  // Lists and maps, native or JSON-backed.
  std::size_t size() const;
  Value list_at(std::size_t i) const;  // i < size()
  // Map lookup with CEL's cross-type numeric keys; false if absent.
  bool map_find(const Value& key, Value* out) const;
  bool map_find_string(std::string_view key, Value* out) const;
  // Visits entries in order; stops early when fn returns false.
  template <typename Fn>
  void map_for_each(Fn&& fn) const;

  const ListData* native_list() const { return kind_ == Kind::list_v && !json_ ? static_cast<const ListData*>(owner_.get()) : nullptr; }
  const MapData* native_map() const { return kind_ == Kind::map_v && !json_ ? static_cast<const MapData*>(owner_.get()) : nullptr; }
  const boost::json::value* json() const { return json_; }

  // Makes string/bytes views owned, recursively through native lists/maps (for results
  // that must outlive the program or activation).
  Value detach() const;

 private:
  explicit Value(Kind k) : kind_(k) {}

  Kind kind_;
  union {
    bool b_;
    std::int64_t i_;
    std::uint64_t u_ = 0;
    double d_;
    Timestamp ts_;
    Duration dur_;
  };
  std::string_view sv_;
  std::shared_ptr<const void> owner_;
  const boost::json::value* json_ = nullptr;
};

struct MapData {
  std::vector<std::pair<Value, Value>> entries;
};

// Name of the value's runtime type, as CEL's type() reports it.
std::string_view type_name(const Value& v);
// CEL equality: heterogeneous numbers, deep lists/maps; an error only if an operand is one.
Value equals(const Value& a, const Value& b);
bool equal_values(const Value& a, const Value& b);  // errors compare unequal
// Ordering: -1/0/1, or 2 for "no overload" / NaN (caller turns it into false or an error).
int compare(const Value& a, const Value& b);
// Debug form for test messages and logs.
std::string debug_string(const Value& v);

template <typename Fn>
void Value::map_for_each(Fn&& fn) const {
  if (json_) {
    for (const auto& kv : json_->as_object()) {
      std::string_view k(kv.key().data(), kv.key().size());
      if (!fn(Value::string_view(k), Value::from_json(kv.value()))) return;
    }
    return;
  }
  for (const auto& [k, v] : static_cast<const MapData*>(owner_.get())->entries) {
    if (!fn(k, v)) return;
  }
}

}  // namespace gatehouse::cel
