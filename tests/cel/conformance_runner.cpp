// Runs CEL conformance cases (prepared as JSON by conformance.test.mjs from the CEL spec's
// simple tests) through gatehouse::cel and prints one result line per case:
//   <id>\tpass|fail\t<detail>
// Values are in the conformance JSON form (google.api.expr.v1alpha1.Value / cel.expr.Value).
#include <boost/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cel/cel.hpp"
#include "cel/time.hpp"

namespace json = boost::json;
using namespace gatehouse::cel;

namespace {

std::string base64_decode(std::string_view in) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -8;
  for (char c : in) {
    if (c == '=') break;
    auto p = kAlphabet.find(c == '-' ? '+' : c == '_' ? '/' : c);
    if (p == std::string::npos) continue;
    val = (val << 6) + static_cast<int>(p);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

double json_double(const json::value& v) {
  if (v.is_string()) {
    std::string s(v.get_string());
    if (s == "NaN") return std::nan("");
    if (s == "Infinity") return INFINITY;
    if (s == "-Infinity") return -INFINITY;
    return std::stod(s);
  }
  return v.to_number<double>();
}

// nullopt: a value this runner cannot represent (messages, enums).
std::optional<Value> to_value(const json::value& jv) {
  const auto& o = jv.as_object();
  if (auto* v = o.if_contains("int64Value")) return Value::integer(v->is_string() ? std::stoll(std::string(v->get_string())) : v->to_number<std::int64_t>());
  if (auto* v = o.if_contains("uint64Value")) return Value::uinteger(v->is_string() ? std::stoull(std::string(v->get_string())) : v->to_number<std::uint64_t>());
  if (auto* v = o.if_contains("doubleValue")) return Value::dbl(json_double(*v));
  if (auto* v = o.if_contains("stringValue")) return Value::string(std::string(v->get_string()));
  if (auto* v = o.if_contains("bytesValue")) return Value::bytes(base64_decode(v->get_string()));
  if (auto* v = o.if_contains("boolValue")) return Value::boolean(v->get_bool());
  if (o.contains("nullValue")) return Value::null();
  if (auto* v = o.if_contains("typeValue")) return Value::string(std::string(v->get_string()));  // compared by name
  if (auto* v = o.if_contains("listValue")) {
    std::vector<Value> items;
    if (auto* vals = v->as_object().if_contains("values"))
      for (const auto& e : vals->as_array()) {
        auto x = to_value(e);
        if (!x) return std::nullopt;
        items.push_back(*x);
      }
    return Value::list(std::move(items));
  }
  if (auto* v = o.if_contains("mapValue")) {
    auto data = std::make_shared<MapData>();
    if (auto* entries = v->as_object().if_contains("entries"))
      for (const auto& e : entries->as_array()) {
        auto k = to_value(e.at("key"));
        auto x = to_value(e.at("value"));
        if (!k || !x) return std::nullopt;
        data->entries.emplace_back(*k, *x);
      }
    return Value::map(std::move(data));
  }
  if (auto* v = o.if_contains("objectValue")) {
    const auto& any = v->as_object();
    std::string type(any.at("@type").as_string());
    if (type.ends_with("google.protobuf.Timestamp")) {
      auto t = parse_timestamp(any.at("value").as_string());
      if (t) return Value::timestamp(*t);
    }
    if (type.ends_with("google.protobuf.Duration")) {
      auto d = parse_duration(any.at("value").as_string());
      if (d) return Value::duration(*d);
    }
    return std::nullopt;
  }
  return std::nullopt;
}

// Same value and same type (the spec's results are typed: 1 and 1u differ here).
bool same(const Value& expected, const Value& actual, bool expected_is_type) {
  if (expected_is_type) return actual.kind() == Kind::type_v && actual.as_string() == expected.as_string();
  if (expected.kind() != actual.kind()) return false;
  if (expected.kind() == Kind::double_v && std::isnan(expected.as_double())) return std::isnan(actual.as_double());
  if (expected.kind() == Kind::list_v) {
    if (expected.size() != actual.size()) return false;
    for (std::size_t i = 0; i < expected.size(); ++i)
      if (!same(expected.list_at(i), actual.list_at(i), false)) return false;
    return true;
  }
  if (expected.kind() == Kind::map_v) {
    if (expected.size() != actual.size()) return false;
    bool ok = true;
    expected.map_for_each([&](const Value& k, const Value& v) {
      Value got;
      ok = actual.map_find(k, &got) && same(v, got, false);
      return ok;
    });
    return ok;
  }
  return equal_values(expected, actual);
}

// One line per case: tabs and newlines inside values would break the format.
std::string flat(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: cel_conformance_runner CASES.json\n");
    return 2;
  }
  std::ifstream in(argv[1]);
  std::stringstream buf;
  buf << in.rdbuf();
  auto cases = json::parse(buf.str()).as_array();
  for (const auto& cv : cases) {
    const auto& c = cv.as_object();
    const std::string id(c.at("id").as_string());
    Env env;
    env.allow_undeclared = c.at("disable_check").as_bool();
    Activation act;
    std::vector<std::shared_ptr<json::value>> keep;
    bool unsupported = false;
    if (auto* decls = c.if_contains("declared"))
      for (const auto& d : decls->as_array()) env.variables.emplace_back(d.as_string());
    if (auto* b = c.if_contains("bindings"))
      for (const auto& kv : b->as_object()) {
        env.variables.emplace_back(kv.key());
        auto v = to_value(kv.value().at("value"));
        if (!v) unsupported = true;
        else act.set(std::string(kv.key()), *v);
      }
    auto program = compile(c.at("expr").as_string(), env);
    const bool expect_error = c.at("expect_error").as_bool();
    if (unsupported) {
      std::printf("%s\tfail\tbinding of an unsupported type\n", id.c_str());
      continue;
    }
    if (!program) {
      std::printf("%s\t%s\tcompile: %s\n", id.c_str(), expect_error ? "pass" : "fail", flat(program.error().message).c_str());
      continue;
    }
    Value got = eval(*program, act);
    if (expect_error) {
      std::printf("%s\t%s\tgot %s\n", id.c_str(), got.is_error() ? "pass" : "fail", flat(debug_string(got)).c_str());
      continue;
    }
    const auto& ev = c.at("expect");
    auto want = to_value(ev);
    if (!want) {
      std::printf("%s\tfail\texpected value of an unsupported type\n", id.c_str());
      continue;
    }
    const bool ok = same(*want, got, ev.as_object().contains("typeValue"));
    std::printf("%s\t%s\twant %s got %s\n", id.c_str(), ok ? "pass" : "fail", flat(debug_string(*want)).c_str(),
                flat(debug_string(got)).c_str());
  }
  return 0;
}
