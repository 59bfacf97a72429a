// Queries over one model and one tuple store with OpenFGA's semantics: Check (direct,
// usersets, wildcards, computed, tuple-to-userset, union/intersection/exclusion,
// conditions, contextual tuples, depth limit 25, cycles), BatchCheck, ListObjects,
// ListUsers and Expand. An Engine is cheap; build one per (model, store) and share it.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "fga/model.hpp"
#include "fga/store.hpp"

namespace gatehouse::fga {

class Resolver;

// Evaluates a condition's expression over its typed parameters (CEL). `params` holds the
// request context overlaid with the tuple's own context; the evaluator converts values to
// the declared parameter types and reports missing ones as errors.
using ConditionEvaluator =
    std::function<Result<bool>(const ConditionDef& condition, const boost::json::object& params)>;

inline constexpr int kResolveDepthLimit = 25;

struct QueryContext {
  std::vector<Tuple> contextual_tuples;
  boost::json::object context;
};

struct CheckRequest {
  TupleKey key;
  QueryContext query;
};

struct UserFilter {
  std::string type;
  std::string relation;  // empty: objects (and wildcards) of `type`
};

class Engine {
 public:
  Engine(ModelPtr model, const TupleStore& store, ConditionEvaluator conditions = {});

  Result<bool> check(const CheckRequest& request) const;

  // One result per request, in order; a failing item does not fail the others.
  std::vector<Result<bool>> batch_check(std::span<const CheckRequest> requests) const;

  // Objects of `type` on which `user` has `relation`, sorted. Walks the model backwards from
  // the user (list_objects.hpp); falls back to list_objects_scan past the depth limit.
  Result<std::vector<std::string>> list_objects(const std::string& type, const std::string& relation,
                                                const std::string& user,
                                                const QueryContext& query = {}) const;
  // The same answer by checking every object of `type` that appears in a tuple: linear in
  // the objects of the type. The fallback, and the reference the tests compare against.
  Result<std::vector<std::string>> list_objects_scan(const std::string& type, const std::string& relation,
                                                     const std::string& user,
                                                     const QueryContext& query = {}) const;

  // Users matching the filters (`type:id`, `type:*` or `type:id#rel`) that have
  // object#relation, sorted.
  Result<std::vector<std::string>> list_users(const std::string& object, const std::string& relation,
                                              std::span<const UserFilter> filters,
                                              const QueryContext& query = {}) const;

  // The OpenFGA Expand tree of object#relation, one level deep (API JSON shape).
  Result<boost::json::value> expand(const std::string& object, const std::string& relation,
                                    const QueryContext& query = {}) const;

  const Model& model() const { return *model_; }

 private:
  friend class Resolver;
  Status validate_list_objects(const std::string& type, const std::string& relation,
                               const std::string& user) const;
  Result<std::vector<std::string>> scan(Resolver& r, const std::string& type, const std::string& relation,
                                        const std::string& user) const;
  ModelPtr model_;
  const TupleStore& store_;
  ConditionEvaluator conditions_;
};

}  // namespace gatehouse::fga
