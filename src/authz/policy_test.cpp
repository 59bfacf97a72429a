#include "authz/policy_test.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/asio/ip/address.hpp>
#include <boost/json/array.hpp>

#include <charconv>
#include <filesystem>

#include "authz/compiled_policy.hpp"
#include "authz/rule_input.hpp"
#include "config/loader.hpp"

namespace gatehouse::authz {
namespace json = boost::json;

namespace {

// YAML scalars become JSON numbers, booleans or strings as YAML 1.2's core schema reads them;
// a quoted scalar stays a string.
json::value to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Sequence: {
      json::array a;
      for (const auto& e : n) a.push_back(to_json(e));
      return a;
    }
    case YAML::NodeType::Map: {
      json::object o;
      for (const auto& kv : n) o[kv.first.Scalar()] = to_json(kv.second);
      return o;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return json::value(s);  // quoted
      if (s == "true") return true;
      if (s == "false") return false;
      if (s == "null" || s == "~") return nullptr;
      std::int64_t i;
      if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i); ec == std::errc() && p == s.data() + s.size())
        return i;
      double d;
      if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d); ec == std::errc() && p == s.data() + s.size())
        return d;
      return json::value(s);
    }
    default: return nullptr;
  }
}

std::vector<std::string> strings(const YAML::Node& n) {
  std::vector<std::string> out;
  if (n && n.IsSequence())
    for (const auto& e : n) out.push_back(e.Scalar());
  return out;
}

std::string scalar(const YAML::Node& n, const char* key) {
  auto v = n[key];
  return v && v.IsScalar() ? v.Scalar() : std::string();
}

struct CaseOutcome {
  bool passed = false;
  std::string detail;
};

CaseOutcome run_case(const CompiledPolicy& policy, const std::string& route_path, const YAML::Node& c) {
  const YAML::Node id = c["identity"];
  const YAML::Node req = c["request"];
  std::string expect = scalar(c, "expect");
  if (expect != "allow" && expect != "deny") return {false, "expect must be allow or deny"};

  std::optional<auth::Identity> identity;
  if (id && id.IsMap()) {
    auth::Identity i;
    i.method = "test";
    i.subject = scalar(id, "subject");
    i.issuer = scalar(id, "issuer");
    i.client_id = scalar(id, "client_id");
    i.scopes = strings(id["scopes"]);
    i.roles = strings(id["roles"]);
    i.groups = strings(id["groups"]);
    if (auto claims = id["claims"]; claims && claims.IsMap()) i.claims = to_json(claims).as_object();
    identity = std::move(i);
  }

  net::Request http{boost::beast::http::verb::post, route_path, 11};
  boost::asio::ip::tcp::endpoint source{boost::asio::ip::make_address_v4("127.0.0.1"), 40000};
  if (req) {
    if (auto s = scalar(req, "source"); !s.empty()) {
      boost::system::error_code ec;
      auto a = boost::asio::ip::make_address(s, ec);
      if (ec) return {false, "request.source is not an IP address"};
      source = {a, 40000};
    }
    if (auto headers = req["headers"]; headers && headers.IsMap())
      for (const auto& kv : headers) http.set(kv.first.Scalar(), kv.second.Scalar());
  }
  const std::string method = req ? scalar(req, "method") : "tools/call";
  const std::string tool = req ? scalar(req, "tool") : "";
  const std::string prompt = req ? scalar(req, "prompt") : "";
  const std::string resource = req ? scalar(req, "resource") : "";
  const std::string name = !tool.empty() ? tool : !prompt.empty() ? prompt : resource;
  json::object args;
  if (req)
    if (auto a = req["args"]; a && a.IsMap()) args = to_json(a).as_object();

  gateway::PolicyRequest pr{http, source, route_path, gateway::Era::legacy, method, name};
  pr.arguments = &args;
  pr.target = req ? scalar(req, "target") : "";
  pr.tool = tool;
  pr.prompt = prompt;
  pr.resource_uri = resource;
  if (identity) pr.principal = identity->principal_key();

  const json::object doc = rule_document(pr, identity ? &*identity : nullptr);
  cel::Activation act;
  bind(act, doc);
  const Verdict v = decide(policy, act);
  const std::string got = v.allowed ? "allow" : "deny";
  const std::string decided = v.rule.empty() ? "no rule" : "rule " + v.rule;
  if (got != expect) return {false, "expected " + expect + ", got " + got + " (" + decided + (v.reason.empty() ? "" : ", " + v.reason) + ")"};
  if (auto want_rule = scalar(c, "rule"); !want_rule.empty() && want_rule != v.rule)
    return {false, got + " as expected, but by " + decided + ", not rule " + want_rule};
  return {true, got + " (" + decided + ")"};
}

}  // namespace

int run_policy_tests(const std::string& file, std::ostream& out, const std::string& config_override) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::Exception& e) {
    out << file << ":" << e.mark.line + 1 << ":" << e.mark.column + 1 << ": " << e.msg << "\n";
    return 2;
  }
  const std::string config_name = scalar(root, "config");
  if (config_name.empty() && config_override.empty()) {
    out << file << ": `config:` (the gateway config whose policy is tested) is required\n";
    return 2;
  }
  const auto config_path = !config_override.empty()
                               ? config_override
                               : (std::filesystem::path(file).parent_path() / config_name).lexically_normal().string();
  auto config = config::load_file(config_path);
  if (!config) {
    out << config.error().message << "\n";
    return 2;
  }
  const std::string route_name = scalar(root, "route");
  const config::Route* route = nullptr;
  std::size_t index = 0;
  for (std::size_t i = 0; i < config->routes.size(); ++i) {
    const auto& r = config->routes[i];
    if ((route_name.empty() && r.policy) || (!route_name.empty() && r.name == route_name)) {
      route = &r;
      index = i;
      break;
    }
  }
  if (!route || !route->policy) {
    out << file << ": " << (route_name.empty() ? "no route has a policy" : "route " + route_name + " has no policy")
        << " in " << config_path << "\n";
    return 2;
  }
  auto policy = compile_policy(*route->policy, "routes[" + std::to_string(index) + "]");
  if (!policy) {
    out << policy.error().message << "\n";
    return 2;
  }
  const YAML::Node cases = root["cases"];
  if (!cases || !cases.IsSequence() || cases.size() == 0) {
    out << file << ": `cases:` must list at least one case\n";
    return 2;
  }
  int passed = 0, failed = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    std::string name = scalar(c, "name");
    if (name.empty()) name = "case " + std::to_string(i + 1);
    CaseOutcome o;
    try {
      o = run_case(*policy, route->path, c);
    } catch (const std::exception& e) {
      o = {false, std::string("malformed case: ") + e.what()};
    }
    out << (o.passed ? "ok    " : "FAIL  ") << name << ": " << o.detail << "\n";
    (o.passed ? passed : failed)++;
  }
  out << passed << " passed, " << failed << " failed (" << route->name << " in " << config_path << ")\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace gatehouse::authz
