// ListObjects by reverse expansion (OpenFGA's approach, written here from its description):
// start from the user and walk the model's relations backwards (tuples naming the user or its
// type's wildcard, usersets that hold it, tuple-to-userset parents) to the objects of the
// requested type, reading tuples by user. Only where the forward answer could differ (under an
// intersection or exclusion, or a condition that cannot be evaluated) is a candidate confirmed
// with Check.
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
