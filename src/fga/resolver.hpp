// The recursive Check resolver behind Engine: one instance per query, holding the
// contextual tuples, the request context and the current resolution path (for cycles).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "fga/engine.hpp"

namespace gatehouse::fga {

// How a user was found: not at all, only through a `type:*` tuple, or through a tuple that
// names it (ListUsers returns a concrete user only in the last case). `cycle` marks a "no"
// that came from a resolution cycle: an exclusion whose subtract cycles is "no" too.
struct Outcome {
  enum Match : unsigned char { no, wildcard, named };
  Match match = no;
  bool cycle = false;
  bool allowed() const { return match != no; }
};

class Resolver {
 public:
  Resolver(const Engine& engine, const QueryContext& query);

  // Validates the contextual tuples against the model (2027 on failure).
  Status prepare();

  Result<Outcome> resolve(std::string_view object, std::string_view relation,
                          std::string_view user, int depth);
  Result<bool> check(std::string_view object, std::string_view relation, std::string_view user) {
    GH_TRY(Outcome o, resolve(object, relation, user, 0));
    return o.allowed();
  }

  // Visits contextual then stored tuples of object#relation.
  Status for_each(std::string_view object, std::string_view relation, TupleStore::Users which,
                  const std::function<bool(const Tuple&)>& fn) const;

  // Visits contextual then stored tuples `<object_type>:*#relation@user` (a stored tuple that
  // a contextual one with the same key overrides is skipped, as find() does).
  Status for_each_by_user(std::string_view object_type, std::string_view relation,
                          std::string_view user, const std::function<bool(const Tuple&)>& fn) const;

  // True when the tuple's condition (if any) holds; an error when it cannot be evaluated.
  Result<bool> condition_holds(const Tuple& t) const;
  // True when the model still allows the tuple's user type on `rel` (with its condition).
  bool allowed(const RelationDef& rel, const Tuple& t) const;

  const std::vector<Tuple>& contextual() const { return query_.contextual_tuples; }

 private:
  Result<Outcome> rewrite(const TypeDef& type, const RelationDef& rel, const Rewrite& w,
                       std::string_view object, std::string_view user, int depth);
  Result<Outcome> direct(const RelationDef& rel, std::string_view object, std::string_view user,
                      int depth);
  Result<Outcome> tuple_to_userset(const Rewrite& w, const TypeDef& type, std::string_view object,
                                std::string_view user, int depth);
  Result<std::optional<Tuple>> find(std::string_view object, std::string_view relation,
                                    std::string_view user) const;

  const Engine& engine_;
  const Model& model_;
  const QueryContext& query_;
  std::map<std::string, std::vector<const Tuple*>, std::less<>> contextual_;  // object#relation
  std::unordered_set<std::string> path_;
};

}  // namespace gatehouse::fga
