// ListObjects by reverse expansion (OpenFGA's approach, written here from its description):
// start from the user and walk the model's relations backwards (tuples naming the user or its
// type's wildcard, usersets that hold it, tuple-to-userset parents) to the objects of the
// requested type, reading tuples by user. Only where the forward answer could differ (under an
// intersection or exclusion, or a condition that cannot be evaluated) is a candidate confirmed
// with Check.
//
// Which path answers which shape: direct assignment (`[user]`, `[user:*]`, `[user with c]`),
// usersets (`[group#member]`, nested, cyclic), computed relations (`viewer: editor`), unions
// and tuple-to-userset (`viewer from parent`, any depth) are expanded without a Check;
// intersection (`a and b`: candidates from `a`) and exclusion (`a but not b`: candidates
// from `a`) are expanded from their first operand and each candidate is Checked; a tuple
// whose condition fails to evaluate makes its candidates uncertain, and those are Checked at
// the end (so the request fails exactly when Check fails). Only a walk past the depth limit
// uses the forward scan (Engine::list_objects_scan).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "fga/model.hpp"

namespace gatehouse::fga {

class Resolver;

// The objects of `type` on which `user` has `relation`, sorted. nullopt when the expansion
// went past the depth limit: the caller then falls back to checking every object of the type,
// whose checks report the limit exactly as Check does. `r` must be prepared.
Result<std::optional<std::vector<std::string>>> reverse_list_objects(const Model& model, Resolver& r,
                                                                     std::string_view type,
                                                                     std::string_view relation,
                                                                     std::string_view user);

}  // namespace gatehouse::fga
