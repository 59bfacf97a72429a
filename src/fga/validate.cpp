#include "fga/validate.hpp"

#include <map>
#include <set>
#include <string>

namespace gatehouse::fga {
namespace {

Unexpected invalid(const std::string& where, const std::string& msg, int line = 0) {
  std::string m = line > 0 ? "line " + std::to_string(line) + ": " : std::string();
  return fail(Errc::bad_request, m + where + ": " + msg, "fga.invalid_model");
}

bool valid_name(const std::string& s) {
  if (s.empty() || s.size() > 50) return false;
  for (char c : s)
    if (c == ':' || c == '#' || c == '@' || c == '*' || c == ' ' || c == '\t' || c == ',')
      return false;
  return true;
}

Status check_rewrite(const Model& m, const TypeDef& t, const RelationDef& r, const Rewrite& w) {
  const std::string where = t.name + "#" + r.name;
  switch (w.kind) {
    case RewriteKind::direct:
      if (r.directly_related.empty())
        return invalid(where, "direct assignment without any allowed type", r.line);
      return {};
    case RewriteKind::computed:
      if (!t.find(w.relation))
        return invalid(where, "relation '" + w.relation + "' is not defined on type '" + t.name + "'", r.line);
      return {};
    case RewriteKind::tuple_to_userset: {
      const RelationDef* ts = t.find(w.tupleset);
      if (!ts)
        return invalid(where, "tupleset relation '" + w.tupleset + "' is not defined on type '" + t.name + "'", r.line);
      if (!is_direct_only(ts->rewrite))
        return invalid(where, "tupleset relation '" + w.tupleset + "' must be directly assignable only", r.line);
      bool found = false;
      for (const auto& ref : ts->directly_related) {
        if (!ref.relation.empty() || ref.wildcard)
          return invalid(where, "tupleset relation '" + w.tupleset + "' may not allow usersets or wildcards", r.line);
        if (m.find_relation(ref.type, w.relation)) found = true;
      }
      if (!found)
        return invalid(where, "relation '" + w.relation + "' is not defined on any type of '" + w.tupleset + "'", r.line);
      return {};
    }
    case RewriteKind::union_of:
    case RewriteKind::intersection:
    case RewriteKind::difference:
      if (w.children.size() < 2) return invalid(where, "operator needs two operands", r.line);
      if (w.kind == RewriteKind::difference && w.children.size() != 2)
        return invalid(where, "'but not' takes exactly one subtrahend", r.line);
      for (const auto& c : w.children) GH_CHECK(check_rewrite(m, t, r, c));
      return {};
  }
  return {};
}

using Key = std::pair<std::string, std::string>;

bool entry(const Model& m, const TypeDef& t, const RelationDef& r, const Rewrite& w,
           const std::set<Key>& ok) {
  switch (w.kind) {
    case RewriteKind::direct:
      for (const auto& ref : r.directly_related) {
        if (ref.relation.empty()) return true;
        if (ok.count({ref.type, ref.relation})) return true;
      }
      return false;
    case RewriteKind::computed:
      return ok.count({t.name, w.relation}) > 0;
    case RewriteKind::tuple_to_userset: {
      const RelationDef* ts = t.find(w.tupleset);
      if (!ts) return false;
      for (const auto& ref : ts->directly_related)
        if (ok.count({ref.type, w.relation})) return true;
      return false;
    }
    case RewriteKind::union_of:
      for (const auto& c : w.children)
        if (entry(m, t, r, c, ok)) return true;
      return false;
    case RewriteKind::intersection:
      for (const auto& c : w.children)
        if (!entry(m, t, r, c, ok)) return false;
      return true;
    case RewriteKind::difference:
      return entry(m, t, r, w.children[0], ok);
  }
  return false;
}

}  // namespace

Status validate_model(const Model& m) {
  if (m.schema_version != "1.1")
    return invalid("model", "schema version '" + m.schema_version + "' is not supported (use 1.1)");
  std::set<std::string> type_names, cond_names;
  for (const auto& c : m.conditions) {
    if (!valid_name(c.name)) return invalid("condition '" + c.name + "'", "invalid name", c.line);
    if (!cond_names.insert(c.name).second)
      return invalid("condition '" + c.name + "'", "defined twice", c.line);
    if (c.expression.empty()) return invalid("condition '" + c.name + "'", "empty expression", c.line);
  }
  for (const auto& t : m.types) {
    if (!valid_name(t.name)) return invalid("type '" + t.name + "'", "invalid name", t.line);
    if (!type_names.insert(t.name).second) return invalid("type '" + t.name + "'", "defined twice", t.line);
    std::set<std::string> rel_names;
    for (const auto& r : t.relations) {
      const std::string where = t.name + "#" + r.name;
      if (!valid_name(r.name) || r.name == "self" || r.name == "this")
        return invalid(where, "invalid relation name", r.line);
      if (!rel_names.insert(r.name).second) return invalid(where, "relation defined twice", r.line);
    }
  }
  std::set<std::string> used_conditions;
  for (const auto& t : m.types) {
    for (const auto& r : t.relations) {
      const std::string where = t.name + "#" + r.name;
      if (!r.directly_related.empty() && !has_direct(r.rewrite))
        return invalid(where, "allowed types given but the relation has no direct assignment", r.line);
      for (size_t i = 0; i < r.directly_related.size(); ++i) {
        const auto& ref = r.directly_related[i];
        const TypeDef* target = m.find_type(ref.type);
        if (!target) return invalid(where, "type '" + ref.type + "' is not defined", r.line);
        if (!ref.relation.empty() && !target->find(ref.relation))
          return invalid(where, "relation '" + ref.type + "#" + ref.relation + "' is not defined", r.line);
        if (ref.wildcard && !ref.relation.empty())
          return invalid(where, "a wildcard cannot name a relation", r.line);
        if (!ref.condition.empty()) {
          if (!m.find_condition(ref.condition))
            return invalid(where, "condition '" + ref.condition + "' is not defined", r.line);
          used_conditions.insert(ref.condition);
        }
        for (size_t j = 0; j < i; ++j)
          if (r.directly_related[j] == ref) return invalid(where, "allowed type listed twice", r.line);
      }
      GH_CHECK(check_rewrite(m, t, r, r.rewrite));
    }
  }
  for (const auto& c : m.conditions)
    if (!used_conditions.count(c.name))
      return invalid("condition '" + c.name + "'", "defined but never used", c.line);

  // Entrypoints: a fixpoint from direct assignments; what is never reached is a cycle
  // (or an intersection/exclusion) that can never resolve.
  std::set<Key> ok;
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& t : m.types)
      for (const auto& r : t.relations)
        if (!ok.count({t.name, r.name}) && entry(m, t, r, r.rewrite, ok)) {
          ok.insert({t.name, r.name});
          changed = true;
        }
  }
  for (const auto& t : m.types)
    for (const auto& r : t.relations)
      if (!ok.count({t.name, r.name}))
        return invalid(t.name + "#" + r.name, "no entrypoint: the relation can never be satisfied (cycle)", r.line);
  return {};
}

}  // namespace gatehouse::fga
