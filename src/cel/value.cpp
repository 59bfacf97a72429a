// Value construction, container access, equality and ordering.
#include "cel/value.hpp"

#include <cmath>
#include <cstdio>

namespace gatehouse::cel {

Value Value::string(std::string s) {
  auto owned = std::make_shared<const std::string>(std::move(s));
  Value v(Kind::string_v);
  v.sv_ = *owned;
  v.owner_ = std::move(owned);
  return v;
}

Value Value::bytes(std::string s) {
  Value v = string(std::move(s));
  v.kind_ = Kind::bytes_v;
  return v;
}

Value Value::error(std::string message) {
  Value v = string(std::move(message));
  v.kind_ = Kind::error_v;
  return v;
}

Value Value::list(std::vector<Value> items) {
  return list(std::make_shared<const ListData>(ListData{std::move(items)}));
}

Value Value::list(std::shared_ptr<const ListData> data) {
  Value v(Kind::list_v);
  v.owner_ = std::move(data);
  return v;
}

Value Value::map(std::shared_ptr<const MapData> data) {
  Value v(Kind::map_v);
  v.owner_ = std::move(data);
  return v;
}

Value Value::from_json(const boost::json::value& j) {
  switch (j.kind()) {
    case boost::json::kind::null: return Value();
    case boost::json::kind::bool_: return boolean(j.get_bool());
    case boost::json::kind::int64: return integer(j.get_int64());
    case boost::json::kind::uint64: return uinteger(j.get_uint64());
    case boost::json::kind::double_: return dbl(j.get_double());
    case boost::json::kind::string: {
      const auto& s = j.get_string();
      return string_view(std::string_view(s.data(), s.size()));
    }
    case boost::json::kind::array: { Value v(Kind::list_v); v.json_ = &j; return v; }
    case boost::json::kind::object: { Value v(Kind::map_v); v.json_ = &j; return v; }
  }
  return Value();
}

std::size_t Value::size() const {
  if (json_) return json_->is_array() ? json_->get_array().size() : json_->get_object().size();
  if (kind_ == Kind::list_v) return static_cast<const ListData*>(owner_.get())->items.size();
  if (kind_ == Kind::map_v) return static_cast<const MapData*>(owner_.get())->entries.size();
  return 0;
}

Value Value::list_at(std::size_t i) const {
  if (json_) return from_json(json_->get_array()[i]);
  return static_cast<const ListData*>(owner_.get())->items[i];
}

bool Value::map_find_string(std::string_view key, Value* out) const {
  if (json_) {
    const auto& obj = json_->get_object();
    auto it = obj.find(key);
    if (it == obj.end()) return false;
    *out = from_json(it->value());
    return true;
  }
  for (const auto& [k, v] : static_cast<const MapData*>(owner_.get())->entries) {
    if (k.kind_ == Kind::string_v && k.sv_ == key) { *out = v; return true; }
  }
  return false;
}

bool Value::map_find(const Value& key, Value* out) const {
  if (key.kind_ == Kind::string_v) return map_find_string(key.sv_, out);
  if (json_) return false;  // JSON objects only have string keys
  // Numeric keys match across int/uint/double when the numbers are equal.
  const bool numeric = key.kind_ == Kind::int_v || key.kind_ == Kind::uint_v || key.kind_ == Kind::double_v;
  for (const auto& [k, v] : static_cast<const MapData*>(owner_.get())->entries) {
    if (k.kind_ == key.kind_ || numeric) {
      if (equal_values(k, key)) { *out = v; return true; }
    }
  }
  return false;
}

Value Value::detach() const {
  switch (kind_) {
    case Kind::string_v: return owner_ ? *this : string(std::string(sv_));
    case Kind::bytes_v: return owner_ ? *this : bytes(std::string(sv_));
    case Kind::type_v: return *this;  // type names are static or program-owned
    case Kind::list_v: {
      std::vector<Value> items;
      items.reserve(size());
      for (std::size_t i = 0; i < size(); ++i) items.push_back(list_at(i).detach());
      return list(std::move(items));
    }
    case Kind::map_v: {
      auto data = std::make_shared<MapData>();
      map_for_each([&](const Value& k, const Value& v) {
        data->entries.emplace_back(k.detach(), v.detach());
        return true;
      });
      return map(std::move(data));
    }
    default: return *this;
  }
}

std::string_view type_name(const Value& v) {
  switch (v.kind()) {
    case Kind::null_v: return "null_type";
    case Kind::bool_v: return "bool";
    case Kind::int_v: return "int";
    case Kind::uint_v: return "uint";
    case Kind::double_v: return "double";
    case Kind::string_v: return "string";
    case Kind::bytes_v: return "bytes";
    case Kind::list_v: return "list";
    case Kind::map_v: return "map";
    case Kind::type_v: return "type";
    case Kind::timestamp_v: return "google.protobuf.Timestamp";
    case Kind::duration_v: return "google.protobuf.Duration";
    case Kind::error_v: return "error";
  }
  return "unknown";
}

namespace {

bool is_number(Kind k) { return k == Kind::int_v || k == Kind::uint_v || k == Kind::double_v; }

// -1/0/1 or 2 (unordered: NaN).
int compare_numbers(const Value& a, const Value& b) {
  auto cmp = [](auto x, auto y) { return x < y ? -1 : (x > y ? 1 : 0); };
  const Kind ka = a.kind(), kb = b.kind();
  if (ka == Kind::int_v && kb == Kind::int_v) return cmp(a.as_int(), b.as_int());
  if (ka == Kind::uint_v && kb == Kind::uint_v) return cmp(a.as_uint(), b.as_uint());
  if (ka == Kind::int_v && kb == Kind::uint_v) {
    return a.as_int() < 0 ? -1 : cmp(static_cast<std::uint64_t>(a.as_int()), b.as_uint());
  }
  if (ka == Kind::uint_v && kb == Kind::int_v) return -compare_numbers(b, a);
  // At least one double: the integer is converted to double, as the spec's conformance
  // tests require (9223372036854775807 == 9223372036854775808.0 there).
  auto as_double = [](const Value& v) {
    switch (v.kind()) {
      case Kind::int_v: return static_cast<double>(v.as_int());
      case Kind::uint_v: return static_cast<double>(v.as_uint());
      default: return v.as_double();
    }
  };
  const double x = as_double(a), y = as_double(b);
  if (std::isnan(x) || std::isnan(y)) return 2;
  return cmp(x, y);
}

}  // namespace

int compare(const Value& a, const Value& b) {
  auto cmp = [](auto x, auto y) { return x < y ? -1 : (x > y ? 1 : 0); };
  if (is_number(a.kind()) && is_number(b.kind())) return compare_numbers(a, b);
  if (a.kind() != b.kind()) return 2;
  switch (a.kind()) {
    case Kind::bool_v: return cmp(a.as_bool(), b.as_bool());
    case Kind::string_v:
    case Kind::bytes_v: {
      int c = a.as_string().compare(b.as_string());
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case Kind::timestamp_v: {
      auto x = a.as_timestamp(), y = b.as_timestamp();
      return x.seconds != y.seconds ? cmp(x.seconds, y.seconds) : cmp(x.nanos, y.nanos);
    }
    case Kind::duration_v: {
      auto x = a.as_duration(), y = b.as_duration();
      return x.seconds != y.seconds ? cmp(x.seconds, y.seconds) : cmp(x.nanos, y.nanos);
    }
    default: return 2;
  }
}

bool equal_values(const Value& a, const Value& b) {
  const Kind ka = a.kind(), kb = b.kind();
  if (is_number(ka) && is_number(kb)) return compare_numbers(a, b) == 0;
  if (ka != kb) return false;
  switch (ka) {
    case Kind::null_v: return true;
    case Kind::bool_v: return a.as_bool() == b.as_bool();
    case Kind::string_v:
    case Kind::bytes_v:
    case Kind::type_v: return a.as_string() == b.as_string();
    case Kind::timestamp_v:
    case Kind::duration_v: return compare(a, b) == 0;
    case Kind::list_v: {
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!equal_values(a.list_at(i), b.list_at(i))) return false;
      }
      return true;
    }
    case Kind::map_v: {
      if (a.size() != b.size()) return false;
      bool same = true;
      a.map_for_each([&](const Value& k, const Value& v) {
        Value other;
        same = b.map_find(k, &other) && equal_values(v, other);
        return same;
      });
      return same;
    }
    default: return false;
  }
}

Value equals(const Value& a, const Value& b) {
  if (a.is_error()) return a;
  if (b.is_error()) return b;
  return Value::boolean(equal_values(a, b));
}

std::string debug_string(const Value& v) {
  switch (v.kind()) {
    case Kind::null_v: return "null";
    case Kind::bool_v: return v.as_bool() ? "true" : "false";
    case Kind::int_v: return std::to_string(v.as_int());
    case Kind::uint_v: return std::to_string(v.as_uint()) + "u";
    case Kind::double_v: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", v.as_double());
      return buf;
    }
    case Kind::string_v: return "\"" + std::string(v.as_string()) + "\"";
    case Kind::bytes_v: return "b\"" + std::string(v.as_string()) + "\"";
    case Kind::type_v: return "type(" + std::string(v.as_string()) + ")";
    case Kind::timestamp_v:
      return "timestamp(" + std::to_string(v.as_timestamp().seconds) + "s+" + std::to_string(v.as_timestamp().nanos) + "ns)";
    case Kind::duration_v:
      return "duration(" + std::to_string(v.as_duration().seconds) + "s+" + std::to_string(v.as_duration().nanos) + "ns)";
    case Kind::error_v: return "error(" + std::string(v.as_string()) + ")";
    case Kind::list_v: {
      std::string out = "[";
      for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + debug_string(v.list_at(i));
      return out + "]";
    }
    case Kind::map_v: {
      std::string out = "{";
      bool first = true;
      v.map_for_each([&](const Value& k, const Value& x) {
        out += (first ? "" : ", ") + debug_string(k) + ": " + debug_string(x);
        first = false;
        return true;
      });
      return out + "}";
    }
  }
  return "?";
}

}  // namespace gatehouse::cel
