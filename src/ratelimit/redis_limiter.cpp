#include "ratelimit/redis_limiter.hpp"

#include <openssl/sha.h>

#include <cstdio>

#include "core/log.hpp"

namespace gatehouse::ratelimit {

namespace {

// KEYS[1]: bucket; ARGV: tokens per second, burst, cost. Returns
// {allowed, tokens left x1000, retry after ms, reset ms}. Mirrors token_bucket.cpp.
constexpr const char* kScript = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1])
local ts = tonumber(b[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) / 1000 * rate)
  ts = now
end
local allowed = 0
local retry = 0
if tokens + 1e-9 >= cost then
  tokens = math.max(0, tokens - cost)
  allowed = 1
else
  retry = math.ceil((cost - tokens) / rate * 1000)
end
local reset = math.ceil((burst - tokens) / rate * 1000)
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
redis.call('PEXPIRE', KEYS[1], reset + 1000)
return {allowed, math.floor(tokens * 1000), retry, reset}
)lua";

std::string sha1_hex(const std::string& text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  std::string hex;
  char buf[3];
  for (unsigned char c : digest) {
    std::snprintf(buf, sizeof buf, "%02x", c);
    hex += buf;
  }
  return hex;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

const std::string& RedisLimiter::script() {
  static const std::string kText = kScript;
  return kText;
}

RedisLimiter::RedisLimiter(asio::any_io_executor ex, RedisEndpoint endpoint, FailureMode mode, std::string key_prefix)
    : connection_(RedisConnection::create(std::move(ex), std::move(endpoint))),
      mode_(mode),
      prefix_(std::move(key_prefix)),
      script_sha_(sha1_hex(script())) {}

Decision RedisLimiter::fallback_decision() {
  fallbacks_.fetch_add(1, std::memory_order_relaxed);
  Decision d;
  d.fallback = true;
  d.allowed = mode_ == FailureMode::open;
  if (!d.allowed) d.retry_after = std::chrono::milliseconds(1000);
  return d;
}

Result<Decision> RedisLimiter::parse_reply(const RedisReply& reply) {
  if (reply.kind != RedisReply::Kind::array || reply.elements.size() != 4)
    return fail(Errc::internal, "unexpected rate-limit script reply", "redis.bad_reply");
  for (const auto& e : reply.elements)
    if (e.kind != RedisReply::Kind::integer) return fail(Errc::internal, "unexpected rate-limit script reply", "redis.bad_reply");
  Decision d;
  d.allowed = reply.elements[0].integer == 1;
  d.remaining = static_cast<double>(reply.elements[1].integer) / 1000.0;
  d.retry_after = std::chrono::milliseconds(reply.elements[2].integer);
  d.reset = std::chrono::milliseconds(reply.elements[3].integer);
  return d;
}

asio::awaitable<Decision> RedisLimiter::take(std::string_view key, const BucketSpec& spec, double cost) {
  std::string full_key = prefix_ + std::string(key);
  auto args = [&](std::string verb, const std::string& script_or_sha) {
    return std::vector<std::string>{std::move(verb), script_or_sha, "1", full_key,
                                    number(spec.tokens_per_second), number(spec.burst), number(cost)};
  };
  auto reply = co_await connection_->command(args("EVALSHA", script_sha_));
  // First use on this Redis (or after a SCRIPT FLUSH): send the script itself once.
  if (reply && reply->kind == RedisReply::Kind::error && reply->text.rfind("NOSCRIPT", 0) == 0) {
    reply = co_await connection_->command(args("EVAL", script()));
  }
  if (!reply) {
    log::debug("ratelimit.redis_fallback", {{"reason", log_reason(reply.error())}});
    co_return fallback_decision();
  }
  if (reply->kind == RedisReply::Kind::error) {
    log::warn("ratelimit.redis_error", {{"error", reply->text}});
    co_return fallback_decision();
  }
  auto decision = parse_reply(*reply);
  if (!decision) co_return fallback_decision();
  co_return *decision;
}

}  // namespace gatehouse::ratelimit
