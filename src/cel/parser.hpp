// Recursive-descent CEL parser (cel-spec langdef.md grammar) producing an AST with source
// positions; macros (has, all, exists, exists_one, map, filter) become macro nodes.
// Errors are invalid_config with "line:col: message"; depth and size are bounded.
#pragma once

#include <string_view>

#include "cel/ast.hpp"
#include "core/result.hpp"

namespace gatehouse::cel {

inline constexpr std::size_t kMaxExprBytes = 100 * 1024;
inline constexpr int kMaxNesting = 600;

Result<ExprPtr> parse(std::string_view src);

}  // namespace gatehouse::cel
