#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "cel/cel.hpp"

namespace gatehouse::cel {
namespace {

Env open_env() {
  Env e;
  e.allow_undeclared = true;
  return e;
}

Value run(std::string_view expr, const Activation& act = {}) {
  auto p = compile(expr, open_env());
  EXPECT_TRUE(p.ok()) << expr << ": " << (p.ok() ? "" : p.error().message);
  if (!p.ok()) return Value::error("compile");
  return eval(*p, act).detach();
}

bool is_true(std::string_view expr, const Activation& act = {}) {
  Value v = run(expr, act);
  EXPECT_TRUE(v.is_bool()) << expr << " gave " << debug_string(v);
  return v.is_bool() && v.as_bool();
}

bool is_error(std::string_view expr) { return run(expr).is_error(); }

TEST(Cel, ArithmeticAndOverflow) {
  EXPECT_TRUE(is_true("1 + 2 * 3 == 7"));
  EXPECT_TRUE(is_true("7 / 2 == 3 && 7 % 2 == 1 && -7 / 2 == -3"));
  EXPECT_TRUE(is_true("2u + 3u == 5u && 1.5 * 2.0 == 3.0"));
  EXPECT_TRUE(is_error("9223372036854775807 + 1"));
  EXPECT_TRUE(is_error("-9223372036854775808 - 1"));
  EXPECT_TRUE(is_error("0u - 1u"));
  EXPECT_TRUE(is_error("1 / 0"));
  EXPECT_TRUE(is_error("1 % 0"));
  EXPECT_TRUE(is_error("1 + 1u"));  // no mixed arithmetic
  EXPECT_TRUE(is_true("1.0 / 0.0 > 1e308"));
}

TEST(Cel, HeterogeneousEqualityAndOrdering) {
  EXPECT_TRUE(is_true("1 == 1.0 && 1u == 1 && 2.5 > 2 && 3u < 4.0"));
  EXPECT_TRUE(is_true("[1, 2] == [1.0, 2u] && {'a': 1} == {'a': 1.0}"));
  EXPECT_TRUE(is_true("'a' < 'b' && b'a' < b'b' && false < true"));
  EXPECT_TRUE(is_error("'a' < 1"));
  EXPECT_TRUE(is_true("1 != 'a'"));
}

TEST(Cel, LogicAbsorbsErrorsBothWays) {
  EXPECT_TRUE(is_true("!(false && (1 / 0 == 1))"));
  EXPECT_FALSE(is_true("(1 / 0 == 1) && false"));
  EXPECT_TRUE(is_true("(1 / 0 == 1) || true"));
  EXPECT_TRUE(is_error("(1 / 0 == 1) || false"));
  EXPECT_TRUE(is_error("true && 'x'"));
  EXPECT_TRUE(is_true("true ? 1 == 1 : 1 / 0 == 1"));
  EXPECT_TRUE(is_error("'x' ? 1 : 2"));
}

TEST(Cel, StringsListsMapsAndIn) {
  EXPECT_TRUE(is_true("'hello'.contains('ell') && 'hello'.startsWith('he') && 'hello'.endsWith('lo')"));
  EXPECT_TRUE(is_true("size('héllo') == 5 && size(b'ab') == 2 && [1, 2].size() == 2"));
  EXPECT_TRUE(is_true("'abc123'.matches('^[a-z]+[0-9]+$') && matches('x', 'x')"));
  EXPECT_FALSE(compile("'a'.matches('(')", open_env()).ok());  // literal pattern checked at compile time
  EXPECT_TRUE(is_true("2 in [1, 2, 3] && 'k' in {'k': 1} && !(4 in [1])"));
  EXPECT_TRUE(is_error("[1, 2][2]"));
  EXPECT_TRUE(is_error("{'a': 1}['b']"));
  EXPECT_TRUE(is_error("{1: 1, 1: 2}"));
  EXPECT_TRUE(is_true("[1] + [2] == [1, 2] && 'a' + 'b' == 'ab'"));
}

TEST(Cel, Macros) {
  EXPECT_TRUE(is_true("[1, 2, 3].all(x, x > 0) && [1, 2, 3].exists(x, x == 2)"));
  EXPECT_TRUE(is_true("[1, 2, 3].exists_one(x, x > 2) && ![1, 2, 3].exists_one(x, x > 1)"));
  EXPECT_TRUE(is_true("[1, 2, 3].map(x, x * 2) == [2, 4, 6]"));
  EXPECT_TRUE(is_true("[1, 2, 3].filter(x, x % 2 == 1) == [1, 3]"));
  EXPECT_TRUE(is_true("[1, 2, 3].map(x, x > 1, x * 10) == [20, 30]"));
  EXPECT_TRUE(is_true("{'a': 1, 'b': 2}.all(k, k in ['a', 'b'])"));
  EXPECT_FALSE(is_true("[0, -1].all(x, 1 / x > 0)"));  // false absorbs the division error
  EXPECT_TRUE(is_error("[1, 0].all(x, 1 / x > 0)"));
}

TEST(Cel, ConversionsTimestampsDurations) {
  EXPECT_TRUE(is_true("int('42') == 42 && uint(42) == 42u && double('1.5') == 1.5 && string(12) == '12'"));
  EXPECT_TRUE(is_true("bool('true') && string(b'abc') == 'abc' && bytes('a') == b'a'"));
  EXPECT_TRUE(is_error("int(1e20)"));
  EXPECT_TRUE(is_error("uint(-1)"));
  EXPECT_TRUE(is_true("type(1) == int && type('a') == string && type([]) == list"));
  EXPECT_TRUE(is_true("timestamp('2024-02-29T12:00:00Z').getFullYear() == 2024"));
  EXPECT_TRUE(is_true("timestamp('2024-02-29T12:00:00Z').getMonth() == 1"));
  EXPECT_TRUE(is_true("timestamp('2024-02-29T12:00:00Z').getHours('+05:30') == 17"));
  EXPECT_TRUE(is_true("duration('1h30m') == duration('90m') && duration('1.5s').getMilliseconds() == 500"));
  EXPECT_TRUE(is_true("timestamp('2024-01-01T00:00:00Z') + duration('24h') == timestamp('2024-01-02T00:00:00Z')"));
  EXPECT_TRUE(is_true("string(duration('1h')) == '3600s' && string(timestamp(0)) == '1970-01-01T00:00:00Z'"));
  EXPECT_TRUE(is_true("timestamp('2024-07-01T12:00:00Z').getHours('Europe/Paris') == 14"));  // summer time
  EXPECT_TRUE(is_true("timestamp('2024-01-01T12:00:00Z').getHours('Europe/Paris') == 13"));
  EXPECT_TRUE(is_error("timestamp(0).getHours('../../etc/passwd')"));
  EXPECT_TRUE(is_error("timestamp('2023-02-29T00:00:00Z')"));
  EXPECT_TRUE(is_error("timestamp('9999-12-31T23:59:59Z') + duration('1s')"));
}

TEST(Cel, ActivationFromJsonAndHas) {
  auto vars = boost::json::parse(
      R"({"identity":{"subject":"alice","roles":["admin","dev"]},"mcp":{"tool":"transfer","args":{"amount":250}}})");
  Activation act;
  act.set_json_members(vars.as_object());
  EXPECT_TRUE(is_true("'admin' in identity.roles && mcp.tool == 'transfer'", act));
  EXPECT_TRUE(is_true("mcp.args.amount < 1000", act));
  EXPECT_TRUE(is_true("has(mcp.args.amount) && !has(mcp.args.currency)", act));
  EXPECT_TRUE(run("mcp.args.currency == 'EUR'", act).is_error());
  EXPECT_TRUE(is_true("identity.roles.exists(r, r.startsWith('ad'))", act));
}

TEST(Cel, CheckerRejectsUnknownNamesAndFunctions) {
  Env env;
  env.variables = {"identity", "mcp", "request.source"};
  EXPECT_TRUE(compile("identity.subject == 'a' && request.source.address == '1'", env).ok());
  auto undeclared = compile("idenity.subject == 'a'", env);
  ASSERT_FALSE(undeclared.ok());
  EXPECT_EQ(undeclared.error().message, "1:1: undeclared reference to 'idenity'");
  auto fn = compile("\n  nosuch(1)", env);
  ASSERT_FALSE(fn.ok());
  EXPECT_EQ(fn.error().message.substr(0, 4), "2:3:");
  EXPECT_FALSE(compile("'a'.contains()", env).ok());
  EXPECT_TRUE(compile("[1].all(x, x > 0)", env).ok());  // macro variable in scope
}

TEST(Cel, ParseErrorsHavePositions) {
  auto p = compile("1 + ", open_env());
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message.substr(0, 4), "1:5:");
  EXPECT_FALSE(compile("'unterminated", open_env()).ok());
  EXPECT_FALSE(compile(std::string(1000, '('), open_env()).ok());
  EXPECT_FALSE(compile("a.b{c: 1}", open_env()).ok());  // messages: not supported, said so
}

TEST(Cel, EvalBoolFailsClosed) {
  auto p = compile("1 + 1", open_env());
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(eval_bool(*p, Activation{}).ok());
  auto q = compile("1 / 0 == 0", open_env());
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(eval_bool(*q, Activation{}).ok());
}

TEST(Cel, IpAddressesForFgaConditions) {
  EXPECT_TRUE(is_true("ipaddress('10.1.2.3').in_cidr('10.0.0.0/8')"));
  EXPECT_FALSE(is_true("ipaddress('11.1.2.3').in_cidr('10.0.0.0/8')"));
  EXPECT_TRUE(is_true("ipaddress('2001:db8::1').in_cidr('2001:db8::/32')"));
  EXPECT_TRUE(is_error("ipaddress('not-an-ip')"));
  EXPECT_TRUE(is_error("ipaddress('10.0.0.1').in_cidr('bad')"));
}

}  // namespace
}  // namespace gatehouse::cel
