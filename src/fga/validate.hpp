// OpenFGA model validation (schema 1.1): names defined once, every referenced type,
// relation and condition exists, tupleset relations are direct-only object types, and
// every relation can be reached from a direct assignment (no unresolvable cycles).
#pragma once

#include "core/result.hpp"
#include "fga/model.hpp"

namespace gatehouse::fga {

Status validate_model(const Model& model);

}  // namespace gatehouse::fga
