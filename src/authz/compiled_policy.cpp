#include "authz/compiled_policy.hpp"

#include <cstdlib>

#include "authz/rule_input.hpp"

namespace gatehouse::authz {

namespace {

// CEL reports "line:col: message" within the expression; the file position is the
// expression's own start (a quoted scalar starts one column later).
std::string file_position(const config::Expr& e, const std::string& cel_message) {
  int line = 1, col = 1;
  std::string rest = cel_message;
  if (auto colon = cel_message.find(':'); colon != std::string::npos) {
    auto second = cel_message.find(':', colon + 1);
    if (second != std::string::npos) {
      line = std::atoi(cel_message.substr(0, colon).c_str());
      col = std::atoi(cel_message.substr(colon + 1, second - colon - 1).c_str());
      rest = cel_message.substr(second + 1);
      if (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
    }
  }
  const int file_line = e.pos.line + line - 1;
  const int file_col = line == 1 ? e.pos.column + col - 1 + (e.quoted ? 1 : 0) : col;
  return e.pos.file + ":" + std::to_string(file_line) + ":" + std::to_string(file_col) + ": " + rest;
}

void compile_list(const std::vector<config::PolicyRule>& rules, const std::string& where, const char* list,
                    std::vector<CompiledRule>& out, std::string& errors) {
  for (std::size_t i = 0; i < rules.size(); ++i) {
    auto program = cel::compile(rules[i].when.source, rule_env());
    if (!program) {
      errors += located_error(rules[i].when, where + ".policy." + list + "[" + std::to_string(i) + "].when",
                              program.error().message) + "\n";
      continue;
    }
    std::string name = rules[i].name.empty() ? std::string(list) + "[" + std::to_string(i) + "]" : rules[i].name;
    out.push_back(CompiledRule{std::move(name), std::move(*program)});
  }
}

}  // namespace

std::string located_error(const config::Expr& expr, const std::string& field_path, const std::string& cel_message) {
  const std::string pos = file_position(expr, cel_message);
  const auto split = pos.find(": ");
  return pos.substr(0, split) + ": " + field_path + ": " + pos.substr(split + 2);
}

Result<CompiledPolicy> compile_policy(const config::PolicySpec& spec, const std::string& where) {
  CompiledPolicy p;
  p.hidden = spec.hidden;
  std::string errors;
  compile_list(spec.deny, where, "deny", p.deny, errors);
  compile_list(spec.require, where, "require", p.require, errors);
  compile_list(spec.allow, where, "allow", p.allow, errors);
  if (!errors.empty()) {
    errors.pop_back();
    return fail(Errc::invalid_config, errors, "policy.compile");
  }
  for (const auto* list : {&p.deny, &p.require, &p.allow})
    for (const auto& rule : *list) p.reads |= parts_read_by(rule.program);
  return p;
}

Verdict decide(const CompiledPolicy& policy, const cel::Activation& activation, bool listing) {
  for (const auto& r : policy.deny) {
    auto v = cel::eval_bool(r.program, activation);
    if (!v) {
      if (listing) continue;
      return {false, r.name, "policy.error"};
    }
    if (*v) return {false, r.name, "policy.deny_rule"};
  }
  for (const auto& r : policy.require) {
    auto v = cel::eval_bool(r.program, activation);
    if (!v) {
      if (listing) continue;
      return {false, r.name, "policy.error"};
    }
    if (!*v) return {false, r.name, "policy.require_failed"};
  }
  if (policy.allow.empty()) return {true, "", ""};
  for (const auto& r : policy.allow) {
    auto v = cel::eval_bool(r.program, activation);
    if (v && *v) return {true, r.name, ""};  // an allow rule that errors simply does not admit...
    if (!v && listing) return {true, r.name, ""};  // ...except in a list, where it may once args exist
  }
  return {false, "", "policy.no_allow"};
}

}  // namespace gatehouse::authz
