// CEL rule evaluation as the gateway runs it: compiled once, evaluated per request against
// a JSON activation (identity, request, MCP call).
#include <benchmark/benchmark.h>

#include <boost/json/parse.hpp>

#include "cel/cel.hpp"

namespace {

using namespace gatehouse::cel;

const boost::json::value& input() {
  static const auto v = boost::json::parse(R"({
    "identity": {"subject": "alice", "roles": ["user", "admin"], "groups": ["payments"], "claims": {"tenant": "acme"}},
    "request": {"method": "POST", "path": "/mcp", "source": {"address": "10.1.2.3", "port": 5000}},
    "mcp": {"method": "tools/call", "target": "bank", "tool": "transfer", "args": {"amount": 250, "currency": "EUR"}}})");
  return v;
}

void eval_rule(benchmark::State& state, const char* expr) {
  Env env;
  env.allow_undeclared = true;
  auto program = compile(expr, env);
  if (!program) {
    state.SkipWithError(program.error().message.c_str());
    return;
  }
  for (auto _ : state) {
    Activation act;
    act.set_json_members(input().as_object());
    benchmark::DoNotOptimize(eval_bool(*program, act));
  }
}

void BM_RoleRule(benchmark::State& s) { eval_rule(s, R"("admin" in identity.roles && mcp.tool == "transfer")"); }
void BM_ArgsRule(benchmark::State& s) { eval_rule(s, R"(mcp.tool == "transfer" && mcp.args.amount < 1000 && mcp.args.currency in ["EUR", "USD"])"); }
void BM_MacroRule(benchmark::State& s) { eval_rule(s, R"(identity.roles.exists(r, r.startsWith("ad")) && identity.claims.tenant.matches("^[a-z]+$"))"); }

BENCHMARK(BM_RoleRule);
BENCHMARK(BM_ArgsRule);
BENCHMARK(BM_MacroRule);

}  // namespace

