#include "fga/yaml_tuples.hpp"

#include <boost/json.hpp>
#include <charconv>

namespace gatehouse::fga {

boost::json::value yaml_to_json(const YAML::Node& n) {
  namespace json = boost::json;
  switch (n.Type()) {
    case YAML::NodeType::Sequence: {
      json::array a;
      for (const auto& x : n) a.push_back(yaml_to_json(x));
      return a;
    }
    case YAML::NodeType::Map: {
      json::object o;
      for (const auto& kv : n) o[kv.first.as<std::string>()] = yaml_to_json(kv.second);
      return o;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return json::value(s);  // quoted
      if (s == "true" || s == "True") return true;
      if (s == "false" || s == "False") return false;
      if (s == "null" || s == "~") return nullptr;
      std::int64_t i = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
      if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return i;
      std::uint64_t u = 0;
      auto [pu, ecu] = std::from_chars(s.data(), s.data() + s.size(), u);
      if (ecu == std::errc() && pu == s.data() + s.size() && !s.empty()) return u;
      char* end = nullptr;
      double d = std::strtod(s.c_str(), &end);
      if (!s.empty() && end == s.c_str() + s.size() && s.find_first_of("0123456789") != std::string::npos)
        return d;
      return json::value(s);
    }
    default:
      return nullptr;
  }
}

Result<std::vector<Tuple>> yaml_tuples(const YAML::Node& node) {
  std::vector<Tuple> out;
  if (!node || node.IsNull()) return out;
  if (!node.IsSequence()) return fail(Errc::bad_request, "tuples must be a list");
  try {
    for (const auto& t : node) {
      Tuple tuple;
      tuple.key.user = t["user"].as<std::string>("");
      tuple.key.relation = t["relation"].as<std::string>("");
      tuple.key.object = t["object"].as<std::string>("");
      if (const auto c = t["condition"]; c && c.IsMap()) {
        tuple.condition = c["name"].as<std::string>("");
        if (const auto ctx = c["context"]; ctx && ctx.IsMap())
          tuple.context = yaml_to_json(ctx).as_object();
      }
      out.push_back(std::move(tuple));
    }
  } catch (const YAML::Exception& e) {
    return fail(Errc::bad_request, std::string("invalid tuple: ") + e.what());
  }
  return out;
}

}  // namespace gatehouse::fga
