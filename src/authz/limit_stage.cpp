#include "authz/limit_stage.hpp"

#include <boost/json/serialize.hpp>

#include <map>

#include "authz/compiled_policy.hpp"
#include "authz/rule_input.hpp"
#include "core/log.hpp"
#include "ratelimit/rule_set.hpp"

namespace gatehouse::authz {
namespace json = boost::json;
namespace http = boost::beast::http;

namespace {

struct RouteLimits {
  std::string route;  // for messages
  ratelimit::RuleSet rules;
  std::vector<cel::Program> keys;  // keys[i] computes rules[i]'s descriptor
};

// The descriptor of one rule for this call: nullopt = not limited by it. The rule's name
// prefixes the key so two rules with the same key expression keep separate buckets.
Result<std::optional<std::string>> descriptor(const std::string& route, const ratelimit::Rule& rule,
                                              const cel::Program& key, const cel::Activation& act) {
  cel::Value v = cel::eval(key, act);
  std::string text;
  switch (v.kind()) {
    case cel::Kind::null_v: return std::optional<std::string>();
    case cel::Kind::error_v:
      return fail(Errc::internal, "rate limit " + rule.name + ": " + std::string(v.as_string()), "ratelimit.key_error");
    case cel::Kind::string_v: text = std::string(v.as_string()); break;
    case cel::Kind::int_v: text = std::to_string(v.as_int()); break;
    case cel::Kind::uint_v: text = std::to_string(v.as_uint()); break;
    case cel::Kind::bool_v: text = v.as_bool() ? "true" : "false"; break;
    default: text = cel::debug_string(v); break;  // lists of parts, e.g. [identity.subject, mcp.tool]
  }
  if (text.empty()) return std::optional<std::string>();
  return std::optional<std::string>(route + "\x1f" + rule.name + "\x1f" + text);
}

class LimitStage final : public gateway::PolicyStage {
 public:
  explicit LimitStage(std::map<std::string, RouteLimits, std::less<>> routes) : routes_(std::move(routes)) {}

  std::string_view name() const override { return "rate_limit"; }

  boost::asio::awaitable<gateway::Decision> apply(gateway::PolicyRequest& request) override {
    auto it = routes_.find(request.route_path);
    // Only requests (not responses to server->client requests, GET streams or DELETE).
    if (it == routes_.end() || request.method.empty() || request.method.starts_with("notifications/"))
      co_return gateway::Decision::proceed_with();
    const RouteLimits& limits = it->second;
    const json::object doc = rule_document(request, identity_of(request));
    cel::Activation act;
    bind(act, doc);
    std::vector<std::optional<std::string>> keys;
    keys.reserve(limits.keys.size());
    for (std::size_t i = 0; i < limits.keys.size(); ++i) {
      auto d = descriptor(limits.route, limits.rules.rules()[i], limits.keys[i], act);
      if (!d) {
        log::warn("ratelimit.key_error", {{"route", limits.route}, {"error", d.error().message}});
        request.decision = "deny";
        request.decision_rule = limits.rules.rules()[i].name;
        request.decision_reason = "ratelimit.key_error";
        co_return gateway::Decision::respond_now(refusal(request, {}, "Rate limit could not be applied"));
      }
      keys.push_back(std::move(*d));
    }
    auto outcome = co_await limits.rules.check(keys, nullptr);
    std::vector<std::pair<std::string, std::string>> headers;
    if (outcome.deciding) headers = ratelimit::rate_limit_headers(limits.rules.rules()[*outcome.deciding], outcome);
    if (outcome.allowed) co_return gateway::Decision::proceed_with(std::move(headers));
    request.rate_limited = true;
    request.decision = "limited";
    request.decision_rule = outcome.deciding ? limits.rules.rules()[*outcome.deciding].name : "";
    request.decision_reason = outcome.decision.fallback ? "ratelimit.fallback" : "ratelimit.exceeded";
    co_return gateway::Decision::respond_now(refusal(request, headers, "Rate limit exceeded"));
  }

 private:
  static net::Response refusal(const gateway::PolicyRequest& r, const std::vector<std::pair<std::string, std::string>>& headers,
                               std::string_view message) {
    json::object body{{"jsonrpc", "2.0"},
                      {"id", r.id ? *r.id : json::value(nullptr)},
                      {"error", json::object{{"code", kRateLimitedCode}, {"message", message}}}};
    net::Response res{http::status::too_many_requests, r.http.version()};
    res.set(http::field::content_type, "application/json");
    for (const auto& [k, v] : headers) res.set(k, v);
    res.body() = json::serialize(body);
    res.prepare_payload();
    return res;
  }

  std::map<std::string, RouteLimits, std::less<>> routes_;
};

}  // namespace

Result<std::unique_ptr<gateway::PolicyStage>> make_limit_stage(const config::Config& config,
                                                                std::shared_ptr<ratelimit::LocalLimiter> local) {
  std::map<std::string, RouteLimits, std::less<>> routes;
  std::string errors;
  for (std::size_t i = 0; i < config.routes.size(); ++i) {
    const auto& route = config.routes[i];
    if (route.rate_limits.empty()) continue;
    std::vector<ratelimit::Rule> rules;
    std::vector<cel::Program> keys;
    for (std::size_t j = 0; j < route.rate_limits.size(); ++j) {
      const auto& r = route.rate_limits[j];
      const std::string where = "routes[" + std::to_string(i) + "].rate_limits[" + std::to_string(j) + "]";
      if (r.store == config::RateLimitRule::Store::redis) {
        errors += r.key.pos.file + ":" + std::to_string(r.key.pos.line) + ":" + std::to_string(r.key.pos.column) +
                  ": " + where + ".store: redis limits are not wired into the gateway in this build (use local)\n";
        continue;
      }
      auto program = cel::compile(r.key.source, rule_env());
      if (!program) {
        errors += located_error(r.key, where + ".key", program.error().message) + "\n";
        continue;
      }
      const double seconds = std::chrono::duration<double>(r.rate.per).count();
      ratelimit::BucketSpec spec{static_cast<double>(r.rate.tokens) / seconds,
                                 static_cast<double>(r.burst ? r.burst : r.rate.tokens)};
      rules.push_back(ratelimit::Rule{r.name, spec, ratelimit::Store::local});
      keys.push_back(std::move(*program));
    }
    if (!errors.empty()) continue;
    routes.emplace(route.path, RouteLimits{route.name, ratelimit::RuleSet(std::move(rules), local), std::move(keys)});
  }
  if (!errors.empty()) {
    errors.pop_back();
    return fail(Errc::invalid_config, errors, "ratelimit.compile");
  }
  if (routes.empty()) return std::unique_ptr<gateway::PolicyStage>();
  return std::unique_ptr<gateway::PolicyStage>(std::make_unique<LimitStage>(std::move(routes)));
}

}  // namespace gatehouse::authz
