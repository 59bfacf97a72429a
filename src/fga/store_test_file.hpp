// `gatehouse fga test FILE`: runs an OpenFGA CLI store test file (.fga.yaml) against the
// embedded engine: `model` (inline DSL) or `model_file`, `tuples` and/or `tuple_file` /
// `tuple_files`, and `tests`, each with optional contextual `tuples` and `context`, and
// `check` / `list_objects` / `list_users` assertions. Paths are relative to the file.
// Prints one line per assertion that fails and a summary; exit 0 all pass, 1 a failure,
// 2 the file, model or tuples are invalid.
#pragma once

#include <ostream>
#include <string>

namespace gatehouse::fga {

int run_test_file(const std::string& file, std::ostream& out);

}  // namespace gatehouse::fga
