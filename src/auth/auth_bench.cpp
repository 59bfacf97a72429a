// Costs on the authn path: a verified-token cache hit, and full (uncached) verification of
// RS256 / ES256 / EdDSA / PS256 access tokens (parse + signature + claims -> Identity).
#include <benchmark/benchmark.h>

#include "auth/jwt_authenticator.hpp"
#include "auth/test_keys.hpp"

namespace {

using namespace gatehouse::auth;

constexpr std::int64_t kNow = 1'800'000'000;

boost::json::object claims() {
  return {{"iss", "https://as.example"}, {"aud", "https://gw.example/mcp"}, {"sub", "alice"},
          {"exp", kNow + 3600}, {"iat", kNow}, {"scope", "tools:read tools:call"},
          {"client_id", "cli"}, {"roles", {"admin", "dev"}}};
}

Validator make_validator() {
  ValidatorConfig c;
  c.issuer = "https://as.example";
  c.audiences = {"https://gw.example/mcp"};
  return *Validator::create(c);
}

void uncached(benchmark::State& state, Alg alg) {
  auto key = testing::generate_key(alg, "k");
  auto keys = *parse_jwks(testing::jwks_json({&key}));
  auto token = testing::sign_jwt(key, claims(), "at+jwt");
  auto v = make_validator();
  for (auto _ : state) {
    auto id = v.validate(token, keys, kNow);
    if (!id) state.SkipWithError("rejected");
    benchmark::DoNotOptimize(id);
  }
}

void BM_UncachedRS256(benchmark::State& s) { uncached(s, Alg::rs256); }
void BM_UncachedPS256(benchmark::State& s) { uncached(s, Alg::ps256); }
void BM_UncachedES256(benchmark::State& s) { uncached(s, Alg::es256); }
void BM_UncachedEdDSA(benchmark::State& s) { uncached(s, Alg::eddsa); }

void BM_CachedVerify(benchmark::State& state) {
  auto key = testing::generate_key(Alg::rs256, "k");
  auto keys = JwksCache::fixed(*parse_jwks(testing::jwks_json({&key})));
  std::vector<JwtProvider> providers;
  providers.push_back(JwtProvider{make_validator(), keys});
  JwtAuthenticator auth(std::move(providers), std::make_shared<TokenCache>(10000));
  auto token = testing::sign_jwt(key, claims(), "at+jwt");
  if (!auth.authenticate_cached_keys(token, kNow)) state.SkipWithError("rejected");
  for (auto _ : state) {
    auto id = auth.authenticate_cached_keys(token, kNow);
    benchmark::DoNotOptimize(id);
  }
}

void BM_ParseOnly(benchmark::State& state) {
  auto key = testing::generate_key(Alg::es256, "k");
  auto token = testing::sign_jwt(key, claims(), "at+jwt");
  for (auto _ : state) benchmark::DoNotOptimize(parse_jws(token));
}

}  // namespace

BENCHMARK(BM_CachedVerify);
BENCHMARK(BM_ParseOnly);
BENCHMARK(BM_UncachedRS256);
BENCHMARK(BM_UncachedPS256);
BENCHMARK(BM_UncachedES256);
BENCHMARK(BM_UncachedEdDSA);
