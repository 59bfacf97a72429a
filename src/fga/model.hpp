// The OpenFGA authorization model (schema 1.1) as plain data: types, relation rewrites,
// directly related user types and conditions. Built by the DSL parser or the JSON reader,
// checked once by validate_model(), then shared read-only by every query.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::fga {

// One entry of `[user, group#member, user:*, user with cond]`.
struct RelationRef {
  std::string type;
  std::string relation;  // empty unless a userset `type#relation`
  bool wildcard = false;
  std::string condition;  // empty unless `with cond`
  bool operator==(const RelationRef&) const = default;
};

enum class RewriteKind { direct, computed, tuple_to_userset, union_of, intersection, difference };

// A relation rewrite tree. difference: children[0] is the base, children[1] the subtract.
struct Rewrite {
  RewriteKind kind = RewriteKind::direct;
  std::string relation;  // computed, and the computed relation of tuple_to_userset
  std::string tupleset;  // tuple_to_userset only
  std::vector<Rewrite> children;
  bool operator==(const Rewrite&) const = default;
};

struct RelationDef {
  std::string name;
  Rewrite rewrite;
  std::vector<RelationRef> directly_related;
  int line = 0;  // source position when parsed from the DSL, for validation errors
  int column = 0;
};

struct TypeDef {
  std::string name;
  std::vector<RelationDef> relations;
  int line = 0;
  const RelationDef* find(std::string_view relation) const;
};

// OpenFGA condition parameter types: int, uint, double, bool, string, bytes, duration,
// timestamp, any, ipaddress, list<T>, map<T>.
struct ParamType {
  std::string name;                 // "int", "list", "map"...
  std::vector<ParamType> generics;  // one entry for list/map
  std::string to_string() const;
  bool operator==(const ParamType&) const = default;
};

struct ConditionParam {
  std::string name;
  ParamType type;
};

struct ConditionDef {
  std::string name;
  std::string expression;
  std::vector<ConditionParam> params;
  int line = 0;
  const ConditionParam* find(std::string_view param) const;
};

struct Model {
  std::string id;
  std::string schema_version = "1.1";
  std::vector<TypeDef> types;
  std::vector<ConditionDef> conditions;

  const TypeDef* find_type(std::string_view type) const;
  const RelationDef* find_relation(std::string_view type, std::string_view relation) const;
  const ConditionDef* find_condition(std::string_view name) const;
};

using ModelPtr = std::shared_ptr<const Model>;

// True when `rewrite` is exactly `[...]` (direct assignment only).
inline bool is_direct_only(const Rewrite& r) { return r.kind == RewriteKind::direct; }

// True when the rewrite tree contains a direct-assignment leaf.
bool has_direct(const Rewrite& r);

}  // namespace gatehouse::fga
