#include "fga/resolver.hpp"

namespace gatehouse::fga {
namespace {

std::string rel_key(std::string_view object, std::string_view relation) {
  std::string k(object);
  k.push_back('#');
  k.append(relation);
  return k;
}

constexpr Outcome kNo{};
constexpr Outcome kCycle{Outcome::no, true};
constexpr Outcome kNamed{Outcome::named, false};
constexpr Outcome kWildcard{Outcome::wildcard, false};

}  // namespace

Resolver::Resolver(const Engine& engine, const QueryContext& query)
    : engine_(engine), model_(*engine.model_), query_(query) {}

Status Resolver::prepare() {
  for (const auto& t : query_.contextual_tuples) {
    GH_CHECK(validate_tuple(model_, t));
    contextual_[rel_key(t.key.object, t.key.relation)].push_back(&t);
  }
  return {};
}

Status Resolver::for_each(std::string_view object, std::string_view relation,
                          TupleStore::Users which, const std::function<bool(const Tuple&)>& fn) const {
  bool stop = false;
  if (!contextual_.empty()) {
    auto it = contextual_.find(rel_key(object, relation));
    if (it != contextual_.end()) {
      for (const Tuple* t : it->second) {
        if (which == TupleStore::Users::usersets && t->key.user.find('#') == std::string::npos)
          continue;
        if (!fn(*t)) {
          stop = true;
          break;
        }
      }
    }
  }
  if (stop) return {};
  return engine_.store_.for_each(object, relation, which, fn);
}

Status Resolver::for_each_by_user(std::string_view object_type, std::string_view relation,
                                  std::string_view user,
                                  const std::function<bool(const Tuple&)>& fn) const {
  for (const auto& t : query_.contextual_tuples)
    if (t.key.user == user && t.key.relation == relation && gatehouse::fga::object_type(t.key.object) == object_type)
      if (!fn(t)) return {};
  auto shadowed = [&](const Tuple& t) {
    auto it = contextual_.find(rel_key(t.key.object, t.key.relation));
    if (it == contextual_.end()) return false;
    for (const Tuple* c : it->second)
      if (c->key.user == t.key.user) return true;
    return false;
  };
  return engine_.store_.for_each_by_user(object_type, relation, user, [&](const Tuple& t) {
    if (!contextual_.empty() && shadowed(t)) return true;
    return fn(t);
  });
}

Result<std::optional<Tuple>> Resolver::find(std::string_view object, std::string_view relation,
                                            std::string_view user) const {
  if (!contextual_.empty()) {
    auto it = contextual_.find(rel_key(object, relation));
    if (it != contextual_.end())
      for (const Tuple* t : it->second)
        if (t->key.user == user) return std::optional<Tuple>(*t);
  }
  return engine_.store_.find(TupleKey{std::string(object), std::string(relation), std::string(user)});
}

bool Resolver::allowed(const RelationDef& rel, const Tuple& t) const {
  auto u = split_user(t.key.user);
  if (!u) return false;
  for (const auto& ref : rel.directly_related)
    if (ref.type == u->type && ref.wildcard == u->wildcard() && ref.relation == u->relation &&
        ref.condition == t.condition)
      return true;
  return false;
}

Result<bool> Resolver::condition_holds(const Tuple& t) const {
  if (t.condition.empty()) return true;
  const ConditionDef* c = model_.find_condition(t.condition);
  if (!c) return false;  // written under an older model: ignored like any invalid tuple
  if (!engine_.conditions_)
    return fga_error(FgaCode::validation_error,
                     "condition '" + t.condition + "' cannot be evaluated: no CEL evaluator");
  boost::json::object params;
  for (const auto& p : c->params) {
    if (const auto* v = t.context.if_contains(p.name))
      params[p.name] = *v;
    else if (const auto* rv = query_.context.if_contains(p.name))
      params[p.name] = *rv;
  }
  return engine_.conditions_(*c, params);
}

Result<Outcome> Resolver::resolve(std::string_view object, std::string_view relation,
                                  std::string_view user, int depth) {
  if (depth >= kResolveDepthLimit)
    return fga_error(FgaCode::resolution_too_complex,
                     "resolution too complex: depth limit " + std::to_string(kResolveDepthLimit));
  // A userset is always a member of itself: Check(doc:1#viewer, viewer, doc:1) holds.
  if (user.size() == object.size() + 1 + relation.size() && user.substr(0, object.size()) == object &&
      user[object.size()] == '#' && user.substr(object.size() + 1) == relation)
    return kNamed;
  const TypeDef* type = model_.find_type(object_type(object));
  if (!type) return kNo;
  const RelationDef* rel = type->find(relation);
  if (!rel) return kNo;
  std::string key;
  key.reserve(object.size() + relation.size() + user.size() + 2);
  key.append(object).append("#").append(relation).append("@").append(user);
  if (!path_.insert(key).second) return kCycle;
  auto result = rewrite(*type, *rel, rel->rewrite, object, user, depth);
  path_.erase(key);
  return result;
}

Result<Outcome> Resolver::rewrite(const TypeDef& type, const RelationDef& rel, const Rewrite& w,
                               std::string_view object, std::string_view user, int depth) {
  switch (w.kind) {
    case RewriteKind::direct:
      return direct(rel, object, user, depth);
    case RewriteKind::computed:
      return resolve(object, w.relation, user, depth + 1);
    case RewriteKind::tuple_to_userset:
      return tuple_to_userset(w, type, object, user, depth);
    case RewriteKind::union_of: {
      // A decisive branch wins over an erroring one (OpenFGA's rule).
      std::optional<Error> err;
      Outcome best;
      for (const auto& c : w.children) {
        auto r = rewrite(type, rel, c, object, user, depth);
        if (!r.ok()) {
          if (!err) err = r.error();
          continue;
        }
        if (r->match > best.match) best.match = r->match;
        best.cycle = best.cycle || r->cycle;
        if (best.match == Outcome::named) return kNamed;
      }
      if (best.allowed()) return Outcome{best.match, false};
      if (err) return fail(*err);
      return best;
    }
    case RewriteKind::intersection: {
      std::optional<Error> err;
      Outcome all{Outcome::wildcard, false};
      for (const auto& c : w.children) {
        auto r = rewrite(type, rel, c, object, user, depth);
        if (!r.ok()) {
          if (!err) err = r.error();
          continue;
        }
        if (!r->allowed()) return *r;
        if (r->match == Outcome::named) all.match = Outcome::named;
      }
      if (err) return fail(*err);
      return all;
    }
    case RewriteKind::difference: {
      auto base = rewrite(type, rel, w.children[0], object, user, depth);
      if (base.ok() && !base->allowed()) return *base;
      auto sub = rewrite(type, rel, w.children[1], object, user, depth);
      if (sub.ok() && (sub->allowed() || sub->cycle)) return Outcome{Outcome::no, sub->cycle};
      if (!base.ok()) return base;
      if (!sub.ok()) return sub.propagate();
      return base;
    }
  }
  return kNo;
}

Result<Outcome> Resolver::direct(const RelationDef& rel, std::string_view object,
                              std::string_view user, int depth) {
  auto u = split_user(user);
  if (!u) return kNo;
  std::optional<Error> err;
  auto try_tuple = [&](const std::optional<Tuple>& t) -> bool {
    if (!t || !allowed(rel, *t)) return false;
    auto ok = condition_holds(*t);
    if (!ok.ok()) {
      if (!err) err = ok.error();
      return false;
    }
    return *ok;
  };
  GH_TRY(auto exact, find(object, rel.name, user));
  if (try_tuple(exact)) return kNamed;
  Outcome best;
  if (u->relation.empty() && !u->wildcard()) {
    std::string wildcard(u->type);
    wildcard.append(":*");
    GH_TRY(auto wild, find(object, rel.name, wildcard));
    if (try_tuple(wild)) best = kWildcard;
  }
  // Usersets: expand each `type:id#rel` tuple that the model still allows.
  std::vector<Tuple> usersets;
  GH_CHECK(for_each(object, rel.name, TupleStore::Users::usersets, [&](const Tuple& t) {
    if (t.key.user != user && allowed(rel, t)) usersets.push_back(t);
    return true;
  }));
  for (const auto& t : usersets) {
    auto cond = condition_holds(t);
    if (!cond.ok()) {
      if (!err) err = cond.error();
      continue;
    }
    if (!*cond) continue;
    auto us = split_user(t.key.user);
    std::string target(us->type);
    target.push_back(':');
    target.append(us->id);
    auto r = resolve(target, us->relation, user, depth + 1);
    if (!r.ok()) {
      if (!err) err = r.error();
      continue;
    }
    if (r->match > best.match) best.match = r->match;
    best.cycle = best.cycle || r->cycle;
    if (best.match == Outcome::named) return kNamed;
  }
  if (best.allowed()) return Outcome{best.match, false};
  if (err) return fail(*err);
  return best;
}

Result<Outcome> Resolver::tuple_to_userset(const Rewrite& w, const TypeDef& type,
                                        std::string_view object, std::string_view user, int depth) {
  const RelationDef* tupleset = type.find(w.tupleset);
  if (!tupleset) return kNo;
  std::vector<Tuple> parents;
  GH_CHECK(for_each(object, w.tupleset, TupleStore::Users::all, [&](const Tuple& t) {
    if (t.key.user.find('#') == std::string::npos && allowed(*tupleset, t)) parents.push_back(t);
    return true;
  }));
  std::optional<Error> err;
  Outcome best;
  for (const auto& t : parents) {
    auto pu = split_user(t.key.user);
    if (!pu || pu->wildcard()) continue;
    if (!model_.find_relation(pu->type, w.relation)) continue;
    auto cond = condition_holds(t);
    if (!cond.ok()) {
      if (!err) err = cond.error();
      continue;
    }
    if (!*cond) continue;
    auto r = resolve(t.key.user, w.relation, user, depth + 1);
    if (!r.ok()) {
      if (!err) err = r.error();
      continue;
    }
    if (r->match > best.match) best.match = r->match;
    best.cycle = best.cycle || r->cycle;
    if (best.match == Outcome::named) return kNamed;
  }
  if (best.allowed()) return Outcome{best.match, false};
  if (err) return fail(*err);
  return best;
}

}  // namespace gatehouse::fga
