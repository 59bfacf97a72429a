#include "fga/cel_conditions.hpp"

#include <boost/asio/ip/address.hpp>

#include <cmath>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "cel/cel.hpp"
#include "cel/time.hpp"

namespace gatehouse::fga {
namespace json = boost::json;

namespace {

Result<cel::Value> typed(const json::value& v, const ParamType& type, const std::string& name) {
  auto bad = [&]() -> Unexpected {
    return fga_error(FgaCode::validation_error,
                     "failed to convert context parameter '" + name + "' to " + type.to_string());
  };
  const std::string& t = type.name;
  if (t == "any") return cel::Value::from_json(v);
  if (t == "bool") return v.is_bool() ? Result<cel::Value>(cel::Value::boolean(v.get_bool())) : bad();
  if (t == "string") return v.is_string() ? Result<cel::Value>(cel::Value::string(std::string(v.get_string()))) : bad();
  if (t == "bytes") return v.is_string() ? Result<cel::Value>(cel::Value::bytes(std::string(v.get_string()))) : bad();
  if (t == "int") {
    if (v.is_int64()) return cel::Value::integer(v.get_int64());
    if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) return cel::Value::integer(static_cast<std::int64_t>(v.get_uint64()));
    if (v.is_double() && std::trunc(v.get_double()) == v.get_double() && std::fabs(v.get_double()) < 9.2e18)
      return cel::Value::integer(static_cast<std::int64_t>(v.get_double()));
    return bad();
  }
  if (t == "uint") {
    if (v.is_uint64()) return cel::Value::uinteger(v.get_uint64());
    if (v.is_int64() && v.get_int64() >= 0) return cel::Value::uinteger(static_cast<std::uint64_t>(v.get_int64()));
    if (v.is_double() && v.get_double() >= 0 && std::trunc(v.get_double()) == v.get_double() && v.get_double() < 1.8e19)
      return cel::Value::uinteger(static_cast<std::uint64_t>(v.get_double()));
    return bad();
  }
  if (t == "double") {
    // Out-of-range values (1e309 parses as infinity) are conversion errors, as in OpenFGA.
    if (v.is_number()) return std::isfinite(v.to_number<double>()) ? Result<cel::Value>(cel::Value::dbl(v.to_number<double>())) : bad();
    if (v.is_string()) {
      char* end = nullptr;
      std::string s(v.get_string());
      double d = std::strtod(s.c_str(), &end);
      if (!s.empty() && end == s.c_str() + s.size() && std::isfinite(d)) return cel::Value::dbl(d);
    }
    return bad();
  }
  if (t == "timestamp") {
    if (!v.is_string()) return bad();
    auto ts = cel::parse_timestamp(v.get_string());
    return ts ? Result<cel::Value>(cel::Value::timestamp(*ts)) : bad();
  }
  if (t == "duration") {
    if (!v.is_string()) return bad();
    auto d = cel::parse_duration(v.get_string());
    return d ? Result<cel::Value>(cel::Value::duration(*d)) : bad();
  }
  if (t == "ipaddress") {
    if (!v.is_string()) return bad();
    boost::system::error_code ec;
    auto a = boost::asio::ip::make_address(std::string(v.get_string()), ec);
    return ec ? Result<cel::Value>(bad()) : Result<cel::Value>(cel::Value::string(a.to_string()));
  }
  if (t == "list" && !type.generics.empty()) {
    if (!v.is_array()) return bad();
    std::vector<cel::Value> items;
    for (const auto& e : v.get_array()) {
      GH_TRY(auto item, typed(e, type.generics[0], name));
      items.push_back(std::move(item));
    }
    return cel::Value::list(std::move(items));
  }
  if (t == "map" && !type.generics.empty()) {
    if (!v.is_object()) return bad();
    auto data = std::make_shared<cel::MapData>();
    for (const auto& kv : v.get_object()) {
      GH_TRY(auto item, typed(kv.value(), type.generics[0], name));
      data->entries.emplace_back(cel::Value::string(std::string(kv.key())), std::move(item));
    }
    return cel::Value::map(std::move(data));
  }
  return bad();
}

// Programs by condition (name, expression and parameter names): a model's conditions are few.
class ProgramCache {
 public:
  Result<std::shared_ptr<const cel::Program>> get(const ConditionDef& c) {
    std::string key = c.name + '\n' + c.expression;
    for (const auto& p : c.params) key += '\n' + p.name;
    std::lock_guard lock(mu_);
    if (auto it = programs_.find(key); it != programs_.end()) return it->second;
    cel::Env env;
    for (const auto& p : c.params) env.variables.push_back(p.name);
    auto program = cel::compile(c.expression, env);
    if (!program)
      return fga_error(FgaCode::validation_error, "condition '" + c.name + "': " + program.error().message);
    if (programs_.size() > 4096) programs_.clear();  // bounded: models come through the API
    auto shared = std::make_shared<const cel::Program>(std::move(*program));
    programs_.emplace(std::move(key), shared);
    return shared;
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const cel::Program>> programs_;
};

}  // namespace

ConditionEvaluator cel_conditions() {
  auto cache = std::make_shared<ProgramCache>();
  return [cache](const ConditionDef& c, const json::object& params) -> Result<bool> {
    GH_TRY(auto program, cache->get(c));
    cel::Activation act;
    std::vector<std::string> missing;
    for (const auto& p : c.params) {
      const auto* v = params.if_contains(p.name);
      if (!v) {
        missing.push_back(p.name);
        continue;
      }
      GH_TRY(auto value, typed(*v, p.type, p.name));
      act.set(p.name, std::move(value));
    }
    // OpenFGA refuses to decide with a parameter missing, even when the expression
    // could short-circuit without it.
    if (!missing.empty()) {
      std::string names;
      for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
      return fga_error(FgaCode::validation_error,
                       "condition '" + c.name + "': missing context parameters: " + names);
    }
    cel::Value out = cel::eval(*program, act);
    if (out.is_bool()) return out.as_bool();
    return fga_error(FgaCode::validation_error, "condition '" + c.name + "': " +
                                                    (out.is_error() ? std::string(out.as_string()) : "result is not a bool"));
  };
}

}  // namespace gatehouse::fga
