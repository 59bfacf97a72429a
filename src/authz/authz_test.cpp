#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "authz/compiled_policy.hpp"
#include "authz/limit_stage.hpp"
#include "authz/policy_test.hpp"
#include "authz/rule_input.hpp"
#include "authz/rules_stage.hpp"
#include "config/loader.hpp"

namespace gatehouse::authz {
namespace {
namespace json = boost::json;

std::string config_yaml(const std::string& policy) {
  return R"(listeners: [ { name: main, address: 127.0.0.1, port: 0 } ]
routes:
  - name: tools
    listener: main
    path: /mcp
    backend: tools
    policy:
)" + policy + R"(
backends:
  - name: tools
    targets: [ { name: bank, http: { url: "http://127.0.0.1:9/mcp" } } ]
)";
}

constexpr const char* kBankPolicy = R"(      deny:    [ { name: blocked, when: '"blocked" in identity.groups' } ]
      require: [ { name: signed-in, when: 'identity.subject != ""' } ]
      allow:
        - { name: admins, when: '"admin" in identity.roles' }
        - { name: small-transfers, when: 'mcp.tool == "transfer" && mcp.args.amount < 1000' })";

config::Config load(const std::string& policy) {
  auto c = config::load_string(config_yaml(policy), "gw.yaml");
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
  return c.ok() ? std::move(*c) : config::Config{};
}

struct Call {
  net::Request http{boost::beast::http::verb::post, "/mcp", 11};
  json::object args;
  json::value id = 7;
  auth::Identity identity;
  std::string method = "tools/call";
  std::string tool = "transfer";
  gateway::PolicyRequest request() {
    gateway::PolicyRequest r{http, {boost::asio::ip::make_address_v4("10.0.0.5"), 5000}, "/mcp",
                             gateway::Era::legacy, method, tool};
    r.arguments = &args;
    r.id = &id;
    r.target = "bank";
    r.tool = tool;
    r.identity = std::shared_ptr<const void>(&identity, [](const void*) {});
    r.principal = "p";
    return r;
  }
};

Verdict decide_for(const config::Config& c, Call& call) {
  auto policy = compile_policy(*c.routes[0].policy, "routes[0]");
  EXPECT_TRUE(policy.ok());
  auto r = call.request();
  auto doc = rule_document(r, &call.identity);
  cel::Activation act;
  bind(act, doc);
  return decide(*policy, act);
}

template <typename T>
T run(boost::asio::awaitable<T> aw) {
  boost::asio::io_context io;
  auto f = boost::asio::co_spawn(io, std::move(aw), boost::asio::use_future);
  io.run();
  return f.get();
}

TEST(Policy, DenyWinsRequireMustHoldThenAnyAllow) {
  auto c = load(kBankPolicy);
  Call call;
  call.identity.subject = "alice";
  call.args = json::parse(R"({"amount": 250})").as_object();
  auto v = decide_for(c, call);
  EXPECT_TRUE(v.allowed);
  EXPECT_EQ(v.rule, "small-transfers");

  call.args = json::parse(R"({"amount": 5000})").as_object();
  v = decide_for(c, call);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reason, "policy.no_allow");

  call.identity.roles = {"admin"};
  EXPECT_TRUE(decide_for(c, call).allowed);

  call.identity.groups = {"blocked"};  // deny wins over the admin allow
  v = decide_for(c, call);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.rule, "blocked");
  EXPECT_EQ(v.reason, "policy.deny_rule");

  Call anon;  // no subject: the require rule fails
  anon.identity.roles = {"admin"};
  v = decide_for(c, anon);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.rule, "signed-in");
}

TEST(Policy, ARuleThatCannotDecideDenies) {
  auto c = load(R"(      deny: [ { name: big, when: 'mcp.args.amount > 100' } ])");
  Call call;
  call.identity.subject = "alice";
  // No "amount" argument: the deny rule errors, and an error denies.
  auto v = decide_for(c, call);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reason, "policy.error");
  call.args = json::parse(R"({"amount": 5})").as_object();
  EXPECT_TRUE(decide_for(c, call).allowed);  // no allow rules: passing deny and require admits
}

TEST(Policy, CompileErrorsNameFileLineAndColumn) {
  auto c = load(R"(      allow: [ { name: typo, when: 'identiy.subject == "a"' } ])");
  auto stage = make_rules_stage(c, nullptr);
  ASSERT_FALSE(stage.ok());
  EXPECT_EQ(stage.error().message,
            "gw.yaml:8:37: routes[0].policy.allow[0].when: undeclared reference to 'identiy'");
}

TEST(Policy, UnknownFieldsOfKnownVariablesFailAtLoad) {
  auto c = load(R"(      allow: [ { name: typo, when: '"admin" in identity.rolez' } ])");
  auto stage = make_rules_stage(c, nullptr);
  ASSERT_FALSE(stage.ok());
  EXPECT_NE(stage.error().message.find("no field 'rolez' in identity (fields: subject, issuer"), std::string::npos)
      << stage.error().message;
  // Claims, headers and tool arguments are open maps.
  EXPECT_TRUE(make_rules_stage(load(R"(      allow: [ { name: ok, when: 'identity.claims.tenant == "a" && mcp.args.x == 1' } ])"), nullptr).ok());
}

TEST(Policy, CredentialsNeverReachRules) {
  Call call;
  call.http.set("Authorization", "Bearer secret");
  call.http.set("X-Api-Key", "k");
  call.http.set("User-Agent", "agent/1");
  auto r = call.request();
  auto doc = rule_document(r, &call.identity);
  const auto& headers = doc["request"].as_object().at("headers").as_object();
  EXPECT_FALSE(headers.contains("authorization"));
  EXPECT_FALSE(headers.contains("x-api-key"));
  EXPECT_EQ(headers.at("user-agent").as_string(), "agent/1");
  EXPECT_EQ(doc["request"].as_object().at("source").as_object().at("address").as_string(), "10.0.0.5");
}

TEST(RuleInput, PartsReadAreFoundInTheProgram) {
  auto parts = [](const char* expr) {
    auto p = cel::compile(expr, rule_env());
    EXPECT_TRUE(p.ok()) << expr;
    return p.ok() ? parts_read_by(*p) : ~0u;
  };
  EXPECT_EQ(parts(R"("bench" in identity.roles && mcp.tool == "echo")"), 0u);
  EXPECT_EQ(parts("identity.subject"), 0u);
  EXPECT_EQ(parts("identity.claims.tenant == 'a'"), unsigned{kClaimsPart});
  EXPECT_EQ(parts("has(identity.claims.tenant)"), unsigned{kClaimsPart});
  EXPECT_EQ(parts("identity.claims.exists(k, k == 'x')"), unsigned{kClaimsPart});
  EXPECT_EQ(parts("size(identity) > 0"), unsigned{kClaimsPart});
  EXPECT_EQ(parts("request.headers['x-team'] == 'a' && mcp.args.amount < 5"), unsigned{kHeadersPart | kArgsPart});
  EXPECT_EQ(parts("request.source.address"), unsigned{kSourcePart});
  EXPECT_EQ(parts("request.method == 'POST'"), 0u);
  EXPECT_EQ(parts("string(request)"), unsigned{kHeadersPart | kSourcePart});
  EXPECT_EQ(parts("[identity, mcp].size() == 2"), unsigned{kClaimsPart | kArgsPart});
  EXPECT_EQ(parts("mcp.tool in ['a'] ? mcp.args : {}"), unsigned{kArgsPart});
}

TEST(RuleInput, RequestDocumentHasThePartsAskedForAndAddsMissingOnes) {
  Call call;
  call.identity.subject = "alice";
  call.identity.claims = json::parse(R"({"tenant": "t1"})").as_object();
  call.args = json::parse(R"({"amount": 250})").as_object();
  call.http.set("X-Team", "blue");
  auto r = call.request();
  const auto& lean = request_document(r, 0);
  EXPECT_FALSE(lean.at("identity").as_object().contains("claims"));
  EXPECT_FALSE(lean.at("request").as_object().contains("headers"));
  EXPECT_FALSE(lean.at("request").as_object().contains("source"));
  EXPECT_FALSE(lean.at("mcp").as_object().contains("args"));
  EXPECT_EQ(lean.at("identity").at("subject"), "alice");
  EXPECT_EQ(lean.at("mcp").at("tool"), "transfer");

  const auto& more = request_document(r, kArgsPart | kHeadersPart);
  EXPECT_EQ(more.at("mcp").at("args").at("amount"), 250);
  EXPECT_EQ(more.at("request").at("headers").at("x-team"), "blue");
  EXPECT_FALSE(more.at("identity").as_object().contains("claims"));

  const auto& all = request_document(r);
  EXPECT_EQ(all, rule_document(r, &call.identity)) << "every part, members in the usual order";
  EXPECT_EQ(all.at("identity").at("claims").at("tenant"), "t1");
  EXPECT_EQ(all.at("request").at("source").at("address"), "10.0.0.5");
  EXPECT_EQ(json::serialize(all), json::serialize(rule_document(r, &call.identity)));
}

// A route whose rules read only some parts decides exactly as with the whole document.
TEST(RuleInput, StagesDecideTheSameWithTheLeanDocument) {
  auto c = load(kBankPolicy);
  auto policy = compile_policy(*c.routes[0].policy, "routes[0]");
  ASSERT_TRUE(policy.ok());
  EXPECT_EQ(policy->reads, unsigned{kArgsPart});
  for (int amount : {250, 5000}) {
    Call call;
    call.identity.subject = "alice";
    call.args = json::object{{"amount", amount}};
    auto r = call.request();
    cel::Activation lean_act;
    bind(lean_act, request_document(r, policy->reads));
    EXPECT_EQ(decide(*policy, lean_act).allowed, decide_for(c, call).allowed);
    EXPECT_EQ(decide(*policy, lean_act).rule, decide_for(c, call).rule);
  }
}

TEST(RulesStage, HiddenToolLooksUnknownOrIsDeniedExplicitly) {
  for (bool explicit_deny : {false, true}) {
    std::string policy = std::string(explicit_deny ? "      hidden: deny\n" : "") +
                         R"(      allow: [ { name: admins, when: '"admin" in identity.roles' } ])";
    auto c = load(policy);
    auto stage = make_rules_stage(c, nullptr);
    ASSERT_TRUE(stage.ok());
    ASSERT_TRUE(*stage);
    Call call;
    call.tool = "bank_transfer";
    auto r = call.request();
    auto d = run((*stage)->apply(r));
    ASSERT_EQ(d.kind, gateway::Decision::Kind::respond);
    auto body = json::parse(d.response->body()).as_object();
    EXPECT_EQ(body["id"], 7);
    const auto& err = body["error"].as_object();
    if (explicit_deny) {
      EXPECT_EQ(err.at("code"), -32003);
      EXPECT_EQ(err.at("message").as_string(), "Access denied: bank_transfer");
    } else {
      EXPECT_EQ(err.at("code"), -32602);
      EXPECT_EQ(err.at("message").as_string(), "Unknown tool: bank_transfer");
    }
    EXPECT_EQ(r.decision, "deny");
  }
}

TEST(RulesStage, ListsAreFilteredByTheSameRules) {
  auto c = load(R"(      allow: [ { name: time-only, when: 'mcp.tool == "get_time"' } ])");
  auto stage = make_rules_stage(c, nullptr);
  ASSERT_TRUE(stage.ok());
  Call call;
  call.method = "tools/list";
  call.tool = "";
  auto r = call.request();
  json::object a{{"name", "bank_transfer"}}, b{{"name", "bank_get_time"}};
  std::vector<gateway::ListedItem> items{{"bank", "transfer", &a}, {"bank", "get_time", &b}};
  run((*stage)->filter_list(r, gateway::ListKind::tools, items));
  EXPECT_FALSE(items[0].keep);
  EXPECT_TRUE(items[1].keep);
  // Methods that name nothing pass.
  auto d = run((*stage)->apply(r));
  EXPECT_EQ(d.kind, gateway::Decision::Kind::proceed);
}

TEST(PolicyTests, RunsCasesAgainstTheConfigsPolicy) {
  auto dir = std::filesystem::temp_directory_path() / ("authz-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "gw.yaml") << config_yaml(kBankPolicy);
  std::ofstream(dir / "cases.yaml") << R"(config: gw.yaml
cases:
  - name: small transfer
    identity: { subject: alice }
    request: { method: tools/call, target: bank, tool: transfer, args: { amount: 999 } }
    expect: allow
    rule: small-transfers
  - name: big transfer
    identity: { subject: alice }
    request: { method: tools/call, target: bank, tool: transfer, args: { amount: 1000 } }
    expect: deny
  - name: wrong expectation
    identity: { subject: bob, groups: [blocked] }
    request: { method: tools/call, target: bank, tool: transfer, args: { amount: 1 } }
    expect: allow
)";
  std::ostringstream out;
  EXPECT_EQ(run_policy_tests((dir / "cases.yaml").string(), out), 1);
  const std::string text = out.str();
  EXPECT_NE(text.find("ok    small transfer: allow (rule small-transfers)"), std::string::npos) << text;
  EXPECT_NE(text.find("ok    big transfer: deny"), std::string::npos) << text;
  EXPECT_NE(text.find("FAIL  wrong expectation: expected allow, got deny (rule blocked, policy.deny_rule)"),
            std::string::npos) << text;
  EXPECT_NE(text.find("2 passed, 1 failed"), std::string::npos) << text;

  std::ofstream(dir / "broken.yaml") << "config: missing.yaml\ncases: []\n";
  std::ostringstream out2;
  EXPECT_EQ(run_policy_tests((dir / "broken.yaml").string(), out2), 2);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gatehouse::authz

namespace gatehouse::authz {
namespace {

TEST(LimitStage, KeysFromCelBucketsPerKeyAnd429WithHeaders) {
  auto c = config::load_string(R"(listeners: [ { name: main, address: 127.0.0.1, port: 0 } ]
routes:
  - name: tools
    listener: main
    path: /mcp
    backend: tools
    rate_limits:
      - { name: per-subject, key: 'identity.subject', rate: 1/m, burst: 2 }
      - { name: anonymous-free, key: 'identity.subject == "" ? null : "x"', rate: 100/s }
backends:
  - name: tools
    targets: [ { name: bank, http: { url: "http://127.0.0.1:9/mcp" } } ]
)", "gw.yaml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  auto stage = make_limit_stage(*c, std::make_shared<ratelimit::LocalLimiter>());
  ASSERT_TRUE(stage.ok()) << stage.error().message;
  ASSERT_TRUE(*stage);
  Call alice, bob;
  alice.identity.subject = "alice";
  bob.identity.subject = "bob";
  for (int i = 0; i < 2; ++i) {
    auto r = alice.request();
    auto d = run((*stage)->apply(r));
    EXPECT_EQ(d.kind, gateway::Decision::Kind::proceed) << i;
  }
  auto r = alice.request();
  auto d = run((*stage)->apply(r));
  ASSERT_EQ(d.kind, gateway::Decision::Kind::respond);
  EXPECT_EQ(d.response->result_int(), 429);
  EXPECT_FALSE(d.response->at("Retry-After").empty());
  EXPECT_NE(d.response->find("RateLimit-Policy"), d.response->end());
  EXPECT_EQ(json::parse(d.response->body()).at("error").at("code"), kRateLimitedCode);
  EXPECT_TRUE(r.rate_limited);
  EXPECT_EQ(r.decision_rule, "per-subject");
  auto rb = bob.request();  // another subject, another bucket
  EXPECT_EQ(run((*stage)->apply(rb)).kind, gateway::Decision::Kind::proceed);
}

TEST(LimitStage, BadKeysAreConfigErrorsWithPositions) {
  auto c = config::load_string(R"(listeners: [ { name: main, address: 127.0.0.1, port: 0 } ]
routes:
  - name: tools
    listener: main
    path: /mcp
    backend: tools
    rate_limits:
      - { name: typo, key: 'identity.subjekt', rate: 1/s }
backends:
  - name: tools
    targets: [ { name: bank, http: { url: "http://127.0.0.1:9/mcp" } } ]
)", "gw.yaml");
  ASSERT_TRUE(c.ok());
  auto stage = make_limit_stage(*c, std::make_shared<ratelimit::LocalLimiter>());
  ASSERT_FALSE(stage.ok());
  EXPECT_NE(stage.error().message.find("gw.yaml:8:"), std::string::npos) << stage.error().message;
  EXPECT_NE(stage.error().message.find("routes[0].rate_limits[0].key: no field 'subjekt'"), std::string::npos)
      << stage.error().message;
}

}  // namespace
}  // namespace gatehouse::authz
