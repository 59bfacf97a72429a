#include "ratelimit/rule_set.hpp"

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
  std::vector<std::pair<std::string, std::string>> headers;
  const auto name = quoted(rule.name);
  // Window: the time a full burst takes to refill.
  const auto window = static_cast<long long>(std::ceil(rule.spec.burst / rule.spec.tokens_per_second));
  headers.emplace_back("RateLimit-Policy", name + ";q=" + std::to_string(static_cast<long long>(rule.spec.burst)) +
                                               ";w=" + std::to_string(window));
  const auto remaining = static_cast<long long>(std::floor(outcome.decision.remaining));
  headers.emplace_back("RateLimit", name + ";r=" + std::to_string(remaining) +
                                        ";t=" + std::to_string(ceil_seconds(outcome.decision.reset)));
  if (!outcome.allowed) headers.emplace_back("Retry-After", std::to_string(std::max(1LL, ceil_seconds(outcome.decision.retry_after))));
  return headers;
}

}  // namespace gatehouse::ratelimit
