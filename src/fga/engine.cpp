#include "fga/engine.hpp"

#include <algorithm>
#include <set>

#include "fga/list_objects.hpp"
#include "fga/resolver.hpp"

namespace gatehouse::fga {
namespace {

// Check's request rules: every malformed or unknown part is a validation error (2000).
Status validate_check(const Model& m, const TupleKey& k) {
  auto obj = split_object(k.object);
  if (!obj) return fga_error(FgaCode::validation_error, "invalid object '" + k.object + "'");
  if (!m.find_type(obj->type))
    return fga_error(FgaCode::validation_error, "type '" + std::string(obj->type) + "' not found");
  if (!m.find_relation(obj->type, k.relation))
    return fga_error(FgaCode::validation_error, "relation '" + std::string(obj->type) + "#" +
                                                    k.relation + "' not found");
  auto user = split_user(k.user);
  if (!user) return fga_error(FgaCode::validation_error, "invalid user '" + k.user + "'");
  if (!m.find_type(user->type))
    return fga_error(FgaCode::validation_error, "type '" + std::string(user->type) + "' not found");
  if (!user->relation.empty() && !m.find_relation(user->type, user->relation))
    return fga_error(FgaCode::validation_error, "relation '" + std::string(user->type) + "#" +
                                                    std::string(user->relation) + "' not found");
  return {};
}

}  // namespace

Engine::Engine(ModelPtr model, const TupleStore& store, ConditionEvaluator conditions)
    : model_(std::move(model)), store_(store), conditions_(std::move(conditions)) {}

Result<bool> Engine::check(const CheckRequest& request) const {
  GH_CHECK(validate_check(*model_, request.key));
  Resolver r(*this, request.query);
  GH_CHECK(r.prepare());
  return r.check(request.key.object, request.key.relation, request.key.user);
}

std::vector<Result<bool>> Engine::batch_check(std::span<const CheckRequest> requests) const {
  std::vector<Result<bool>> out;
  out.reserve(requests.size());
  for (const auto& r : requests) out.push_back(check(r));
  return out;
}

Status Engine::validate_list_objects(const std::string& type, const std::string& relation,
                                     const std::string& user) const {
  if (!model_->find_type(type))
    return fga_error(FgaCode::type_not_found, "type '" + type + "' not found");
  if (!model_->find_relation(type, relation))
    return fga_error(FgaCode::relation_not_found, "relation '" + type + "#" + relation + "' not found");
  auto u = split_user(user);
  if (!u) return fga_error(FgaCode::validation_error, "invalid user '" + user + "'");
  if (!model_->find_type(u->type))
    return fga_error(FgaCode::validation_error, "type '" + std::string(u->type) + "' not found");
  if (!u->relation.empty() && !model_->find_relation(u->type, u->relation))
    return fga_error(FgaCode::validation_error, "relation '" + std::string(u->type) + "#" +
                                                    std::string(u->relation) + "' not found");
  return {};
}

Result<std::vector<std::string>> Engine::list_objects(const std::string& type,
                                                      const std::string& relation,
                                                      const std::string& user,
                                                      const QueryContext& query) const {
  GH_CHECK(validate_list_objects(type, relation, user));
  Resolver r(*this, query);
  GH_CHECK(r.prepare());
  GH_TRY(auto found, reverse_list_objects(*model_, r, type, relation, user));
  if (found) return std::move(*found);
  return scan(r, type, relation, user);
}

Result<std::vector<std::string>> Engine::list_objects_scan(const std::string& type,
                                                           const std::string& relation,
                                                           const std::string& user,
                                                           const QueryContext& query) const {
  GH_CHECK(validate_list_objects(type, relation, user));
  Resolver r(*this, query);
  GH_CHECK(r.prepare());
  return scan(r, type, relation, user);
}

Result<std::vector<std::string>> Engine::scan(Resolver& r, const std::string& type, const std::string& relation,
                                              const std::string& user) const {
  // Any object with the relation appears in some tuple as an object (every rewrite bottoms
  // out at the object's own tuples), so the candidates are those objects.
  GH_TRY(std::vector<std::string> candidates, store_.objects_of_type(type));
  for (const auto& t : r.contextual())
    if (object_type(t.key.object) == type) candidates.push_back(t.key.object);
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  std::vector<std::string> out;
  for (const auto& obj : candidates) {
    GH_TRY(bool ok, r.check(obj, relation, user));
    if (ok) out.push_back(obj);
  }
  return out;
}

Result<std::vector<std::string>> Engine::list_users(const std::string& object,
                                                    const std::string& relation,
                                                    std::span<const UserFilter> filters,
                                                    const QueryContext& query) const {
  auto obj = split_object(object);
  if (!obj) return fga_error(FgaCode::validation_error, "invalid object '" + object + "'");
  if (!model_->find_type(obj->type))
    return fga_error(FgaCode::type_not_found, "type '" + std::string(obj->type) + "' not found");
  if (!model_->find_relation(obj->type, relation))
    return fga_error(FgaCode::relation_not_found, "relation '" + relation + "' not found");
  if (filters.empty()) return fga_error(FgaCode::validation_error, "user_filters is required");
  for (const auto& f : filters) {
    if (!model_->find_type(f.type))
      return fga_error(FgaCode::type_not_found, "type '" + f.type + "' not found");
    if (!f.relation.empty() && !model_->find_relation(f.type, f.relation))
      return fga_error(FgaCode::relation_not_found, "relation '" + f.type + "#" + f.relation + "' not found");
  }
  Resolver r(*this, query);
  GH_CHECK(r.prepare());
  GH_TRY(std::vector<Tuple> all, store_.read(TupleKey{}));
  for (const auto& t : query.contextual_tuples) all.push_back(t);
  std::set<std::string> candidates;
  for (const auto& f : filters) {
    auto add_object = [&](std::string_view o) {
      if (object_type(o) != f.type) return;
      if (f.relation.empty())
        candidates.insert(std::string(o));
      else
        candidates.insert(std::string(o) + "#" + f.relation);
    };
    if (f.relation.empty()) candidates.insert(f.type + ":*");
    add_object(object);
    for (const auto& t : all) {
      auto u = split_user(t.key.user);
      if (!u) continue;
      if (u->type == f.type) {
        if (f.relation.empty() && u->relation.empty())
          candidates.insert(t.key.user);
        else if (!f.relation.empty() && u->relation == f.relation)
          candidates.insert(t.key.user);
        else if (!u->wildcard())
          add_object(std::string(u->type) + ":" + std::string(u->id));
      }
      add_object(t.key.object);
    }
  }
  std::vector<std::string> out;
  for (const auto& c : candidates) {
    // A concrete user counts only when a tuple names it; `type:*` is its own result.
    GH_TRY(Outcome o, r.resolve(object, relation, c, 0));
    if (o.match == Outcome::named) out.push_back(c);
  }
  return out;
}

}  // namespace gatehouse::fga
