#include "fga/model.hpp"

namespace gatehouse::fga {

const RelationDef* TypeDef::find(std::string_view relation) const {
  for (const auto& r : relations)
    if (r.name == relation) return &r;
  return nullptr;
}

std::string ParamType::to_string() const {
  if (generics.empty()) return name;
  return name + "<" + generics.front().to_string() + ">";
}

const ConditionParam* ConditionDef::find(std::string_view param) const {
  for (const auto& p : params)
    if (p.name == param) return &p;
  return nullptr;
}

const TypeDef* Model::find_type(std::string_view type) const {
  for (const auto& t : types)
    if (t.name == type) return &t;
  return nullptr;
}

const RelationDef* Model::find_relation(std::string_view type, std::string_view relation) const {
  const TypeDef* t = find_type(type);
  return t ? t->find(relation) : nullptr;
}

const ConditionDef* Model::find_condition(std::string_view name) const {
  for (const auto& c : conditions)
    if (c.name == name) return &c;
  return nullptr;
}

bool has_direct(const Rewrite& r) {
  if (r.kind == RewriteKind::direct) return true;
  for (const auto& c : r.children)
    if (has_direct(c)) return true;
  return false;
}

}  // namespace gatehouse::fga
