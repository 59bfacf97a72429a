// OpenFGA DSL (schema 1.1) to Model: types, relations with `or` / `and` / `but not` /
// `from` / `[direct types]`, and condition blocks with typed parameters. Errors carry
// "line L, column C" (1-based), as the OpenFGA language tools report them.
#pragma once

#include <string_view>

#include "core/result.hpp"
#include "fga/model.hpp"

namespace gatehouse::fga {

// Parses the DSL only (syntax); call validate_model() for the semantic rules.
Result<Model> parse_dsl(std::string_view text);

// parse_dsl() followed by validate_model().
Result<Model> load_dsl(std::string_view text);

}  // namespace gatehouse::fga
