// One route's CEL policy, compiled once per config snapshot, and its decision procedure:
//   1. any deny rule that holds denies (deny wins);
//   2. every require rule must hold;
//   3. then any allow rule admits; with no allow rules, passing 1 and 2 admits;
//   otherwise deny. A rule that errors (a missing argument, a type mismatch) denies: when
//   the policy cannot decide, the answer is no.
#pragma once

#include <string>
#include <vector>

#include "cel/cel.hpp"
#include "config/types.hpp"
#include "core/result.hpp"

namespace gatehouse::authz {

struct CompiledRule {
  std::string name;
  cel::Program program;
};

struct CompiledPolicy {
  config::PolicySpec::Hidden hidden = config::PolicySpec::Hidden::unknown;
  std::vector<CompiledRule> deny, require, allow;
  unsigned reads = 0;  // the rule input's parts (RuleParts) any rule can read
};

struct Verdict {
  bool allowed = false;
  std::string rule;    // the rule that decided ("" when no rule matched)
  std::string reason;  // machine reason: policy.deny_rule, policy.require_failed, policy.no_allow, policy.error
};

// A CEL compile error as the config loader words its errors:
// "file:line:col: <field path>: message", the position inside the expression mapped to the file.
std::string located_error(const config::Expr& expr, const std::string& field_path, const std::string& cel_message);

// Errors name the rule's place in the file: "file:line:col: routes[N].policy.deny[M]: msg".
Result<CompiledPolicy> compile_policy(const config::PolicySpec& spec, const std::string& where);

// `listing`: deciding whether a list shows an item, before any arguments exist. A rule
// that cannot be evaluated then does not hide the item (the call itself is decided with
// its arguments, failing closed); only a definite denial hides it.
Verdict decide(const CompiledPolicy& policy, const cel::Activation& activation, bool listing = false);

}  // namespace gatehouse::authz
