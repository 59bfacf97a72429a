#include "ratelimit/rule_set.hpp"

#include <charconv>
#include <cmath>

namespace gatehouse::ratelimit {

RuleSet::RuleSet(std::vector<Rule> rules, std::shared_ptr<LocalLimiter> local)
    : rules_(std::move(rules)), local_(std::move(local)) {}

boost::asio::awaitable<Outcome> RuleSet::check(const std::vector<std::optional<std::string>>& keys,
                                               RedisLimiter* redis) const {
  Outcome outcome;
  const std::size_t n = std::min(keys.size(), rules_.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (!keys[i]) continue;
    const Rule& rule = rules_[i];
    // Rule names keep equal descriptors of different rules in different buckets.
    std::string key = rule.name + "\x1f" + *keys[i];
    Decision d;
    if (rule.store == Store::local) {
      d = local_->take(key, rule.spec);
    } else if (redis) {
      d = co_await redis->take(key, rule.spec);
    } else {
      d.allowed = false;
      d.fallback = true;
      d.retry_after = std::chrono::seconds(1);
    }
    if (!d.allowed) {
      outcome.allowed = false;
      outcome.deciding = i;
      outcome.decision = d;
      co_return outcome;
    }
    // Report the rule closest to refusing, so clients can pace themselves.
    if (!outcome.deciding || d.remaining / rule.spec.burst <
                                 outcome.decision.remaining / rules_[*outcome.deciding].spec.burst) {
      outcome.deciding = i;
      outcome.decision = d;
    }
  }
  co_return outcome;
}

namespace {
long long ceil_seconds(std::chrono::milliseconds ms) { return (ms.count() + 999) / 1000; }

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}
}  // namespace

std::vector<std::pair<std::string, std::string>> rate_limit_headers(const Rule& rule, const Outcome& outcome) {
  // Every limited route's answer carries these: built in place, not from temporaries.
  auto number = [](std::string& out, long long v) {
    char buf[24];
    out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  };
  std::vector<std::pair<std::string, std::string>> headers;
  headers.reserve(outcome.allowed ? 2 : 3);
  const auto name = quoted(rule.name);
  // Window: the time a full burst takes to refill.
  const auto window = static_cast<long long>(std::ceil(rule.spec.burst / rule.spec.tokens_per_second));
  std::string policy;
  policy.reserve(name.size() + 48);
  policy.append(name).append(";q=");
  number(policy, static_cast<long long>(rule.spec.burst));
  policy.append(";w=");
  number(policy, window);
  headers.emplace_back("RateLimit-Policy", std::move(policy));
  const auto remaining = static_cast<long long>(std::floor(outcome.decision.remaining));
  std::string limit;
  limit.reserve(name.size() + 48);
  limit.append(name).append(";r=");
  number(limit, remaining);
  limit.append(";t=");
  number(limit, ceil_seconds(outcome.decision.reset));
  headers.emplace_back("RateLimit", std::move(limit));
  if (!outcome.allowed) headers.emplace_back("Retry-After", std::to_string(std::max(1LL, ceil_seconds(outcome.decision.retry_after))));
  return headers;
}

}  // namespace gatehouse::ratelimit
