// Several rate-limit rules on one route or backend, each with its own bucket spec and store
// (local or Redis). The caller computes each rule's descriptor key (a CEL expression over
// the identity and the call) and asks once per request; the answer names the deciding rule
// and carries the headers a limited or passing call gets.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ratelimit/local_limiter.hpp"
#include "ratelimit/redis_limiter.hpp"

namespace gatehouse::ratelimit {

enum class Store { local, redis };

struct Rule {
  std::string name;
  BucketSpec spec;
  Store store = Store::local;
};

struct Outcome {
  bool allowed = true;
  std::optional<std::size_t> deciding;  // index of the rule that refused, or the tightest one
  Decision decision;                    // that rule's decision
};

class RuleSet {
 public:
  RuleSet(std::vector<Rule> rules, std::shared_ptr<LocalLimiter> local);

  const std::vector<Rule>& rules() const { return rules_; }

  // keys[i] is rules[i]'s descriptor; an empty optional means the rule does not apply to this
  // call (its key expression chose not to limit it). Rules are taken in order and the first
  // refusal stops the walk, so a refused call does not spend the budgets of later rules.
  // `redis` is the calling thread's global limiter (needed only by Store::redis rules; null
  // means refuse those calls, as if Redis were down and failing closed).
  boost::asio::awaitable<Outcome> check(const std::vector<std::optional<std::string>>& keys,
                                        RedisLimiter* redis) const;

 private:
  std::vector<Rule> rules_;
  std::shared_ptr<LocalLimiter> local_;
};

// Response headers (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy` and `RateLimit`
// for the deciding rule, plus `Retry-After` (whole seconds, rounded up) when refused.
std::vector<std::pair<std::string, std::string>> rate_limit_headers(const Rule& rule, const Outcome& outcome);

}  // namespace gatehouse::ratelimit
