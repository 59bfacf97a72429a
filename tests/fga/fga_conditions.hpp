// The condition evaluator the FGA tests use: CEL once src/cel lands, nothing until then
// (conditioned tuples then resolve to a validation error and are listed as expected failures).
#pragma once

#include "fga/engine.hpp"

namespace gatehouse_test {

inline gatehouse::fga::ConditionEvaluator condition_evaluator() { return {}; }

}  // namespace gatehouse_test
