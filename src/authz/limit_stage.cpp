#include "authz/limit_stage.hpp"

#include <boost/json/serialize.hpp>

#include <map>

#include "authz/compiled_policy.hpp"
#include "authz/rule_input.hpp"
#include "core/log.hpp"
#include "ratelimit/redis_limiter.hpp"
#include "ratelimit/rule_set.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/url/parse.hpp>

#include <mutex>
#include <unordered_map>

namespace gatehouse::authz {
namespace json = boost::json;
namespace http = boost::beast::http;

namespace {

struct RouteLimits {
  std::string route;  // for messages
  ratelimit::RuleSet rules;
  std::vector<cel::Program> keys;  // keys[i] computes rules[i]'s descriptor
  unsigned reads = 0;              // the rule input's parts (RuleParts) the keys can read
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

// The global limiters, one per gateway thread (each owns that thread's pipelined Redis
// connection, so a request never crosses threads to reach Redis). They are not closed from
// here when the stage goes: the stage may outlive the threads' loops at shutdown, and a
// dropped limiter's connection ends with its loop. (A reload therefore leaves the previous
// stage's idle connections open until Redis or shutdown closes them: known, small.)
class RedisLimiters;
std::mutex g_registry_mu;
std::vector<std::weak_ptr<RedisLimiters>> g_registry;  // every live set, for close_global_limiters()

class RedisLimiters {
 public:
  // Closes every connection on its own loop (at shutdown, while the loops still run, so
  // they can run out of work and the drain ends without waiting for its grace).
  void close_all() {
    std::lock_guard lock(mu_);
    for (auto& [ctx, entry] : limiters_) boost::asio::post(entry.executor, [l = entry.limiter] { l->close(); });
  }

  RedisLimiters(ratelimit::RedisEndpoint endpoint, ratelimit::FailureMode mode) : endpoint_(std::move(endpoint)), mode_(mode) {}
  ratelimit::RedisLimiter* for_executor(const boost::asio::any_io_executor& ex) {
    auto* ctx = &boost::asio::query(ex, boost::asio::execution::context);
    std::lock_guard lock(mu_);
    auto it = limiters_.find(ctx);
    if (it == limiters_.end())
      it = limiters_.emplace(ctx, Entry{ex, std::make_shared<ratelimit::RedisLimiter>(ex, endpoint_, mode_)}).first;
    return it->second.limiter.get();
  }

 private:
  struct Entry {
    boost::asio::any_io_executor executor;
    std::shared_ptr<ratelimit::RedisLimiter> limiter;
  };
  ratelimit::RedisEndpoint endpoint_;
  ratelimit::FailureMode mode_;
  std::mutex mu_;
  std::unordered_map<boost::asio::execution_context*, Entry> limiters_;
};

class LimitStage final : public gateway::PolicyStage {
 public:
  LimitStage(std::map<std::string, RouteLimits, std::less<>> routes, std::shared_ptr<RedisLimiters> redis)
      : routes_(std::move(routes)), redis_(std::move(redis)) {}

  std::string_view name() const override { return "rate_limit"; }

  boost::asio::awaitable<gateway::Decision> apply(gateway::PolicyRequest& request) override {
    auto it = routes_.find(request.route_path);
    // Only requests (not responses to server->client requests, GET streams or DELETE).
    if (it == routes_.end() || request.method.empty() || request.method.starts_with("notifications/"))
      co_return gateway::Decision::proceed_with();
    const RouteLimits& limits = it->second;
    const json::object& doc = request_document(request, limits.reads);
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
    ratelimit::RedisLimiter* redis = nullptr;
    if (redis_) redis = redis_->for_executor(co_await boost::asio::this_coro::executor);
    auto outcome = co_await limits.rules.check(keys, redis);
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
  std::shared_ptr<RedisLimiters> redis_;
};

// redis://host:port (a password or TLS are not supported by the connection yet).
Result<ratelimit::RedisEndpoint> redis_endpoint(const std::string& url) {
  auto u = boost::urls::parse_uri(url);
  if (!u || u->scheme() != "redis") return fail(Errc::invalid_config, "redis.url: only redis://host:port is supported");
  if (u->has_userinfo()) return fail(Errc::invalid_config, "redis.url: passwords are not supported yet");
  ratelimit::RedisEndpoint e;
  e.host = u->host_address();
  if (u->has_port()) e.port = static_cast<unsigned short>(u->port_number());
  return e;
}

}  // namespace

void close_global_limiters() {
  std::lock_guard lock(g_registry_mu);
  for (auto& w : g_registry)
    if (auto r = w.lock()) r->close_all();
}

Result<std::unique_ptr<gateway::PolicyStage>> make_limit_stage(const config::Config& config,
                                                                std::shared_ptr<ratelimit::LocalLimiter> local) {
  std::map<std::string, RouteLimits, std::less<>> routes;
  std::string errors;
  bool uses_redis = false;
  for (std::size_t i = 0; i < config.routes.size(); ++i) {
    const auto& route = config.routes[i];
    if (route.rate_limits.empty()) continue;
    std::vector<ratelimit::Rule> rules;
    std::vector<cel::Program> keys;
    for (std::size_t j = 0; j < route.rate_limits.size(); ++j) {
      const auto& r = route.rate_limits[j];
      const std::string where = "routes[" + std::to_string(i) + "].rate_limits[" + std::to_string(j) + "]";
      auto program = cel::compile(r.key.source, rule_env());
      if (!program) {
        errors += located_error(r.key, where + ".key", program.error().message) + "\n";
        continue;
      }
      const double seconds = std::chrono::duration<double>(r.rate.per).count();
      ratelimit::BucketSpec spec{static_cast<double>(r.rate.tokens) / seconds,
                                 static_cast<double>(r.burst ? r.burst : r.rate.tokens)};
      const bool global = r.store == config::RateLimitRule::Store::redis;
      uses_redis = uses_redis || global;
      rules.push_back(ratelimit::Rule{r.name, spec, global ? ratelimit::Store::redis : ratelimit::Store::local});
      keys.push_back(std::move(*program));
    }
    if (!errors.empty()) continue;
    unsigned reads = 0;
    for (const auto& k : keys) reads |= parts_read_by(k);
    routes.emplace(route.path,
                   RouteLimits{route.name, ratelimit::RuleSet(std::move(rules), local), std::move(keys), reads});
  }
  if (!errors.empty()) {
    errors.pop_back();
    return fail(Errc::invalid_config, errors, "ratelimit.compile");
  }
  if (routes.empty()) return std::unique_ptr<gateway::PolicyStage>();
  std::shared_ptr<RedisLimiters> redis;
  if (uses_redis) {
    // The loader checks that redis rules have a redis section.
    if (!config.redis) return fail(Errc::invalid_config, "rate limits with store: redis need the redis section");
    GH_TRY(auto endpoint, redis_endpoint(config.redis->url));
    redis = std::make_shared<RedisLimiters>(
        std::move(endpoint), config.redis->failure == config::FailureMode::closed ? ratelimit::FailureMode::closed
                                                                                  : ratelimit::FailureMode::open);
  }
  if (redis) {
    std::lock_guard lock(g_registry_mu);
    std::erase_if(g_registry, [](const auto& w) { return w.expired(); });
    g_registry.push_back(redis);
  }
  return std::unique_ptr<gateway::PolicyStage>(std::make_unique<LimitStage>(std::move(routes), std::move(redis)));
}

}  // namespace gatehouse::authz
