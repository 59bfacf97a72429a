// The condition evaluator the FGA tests use: the gateway's own (CEL, fga/cel_conditions).
#pragma once

#include "fga/cel_conditions.hpp"

namespace gatehouse_test {

inline gatehouse::fga::ConditionEvaluator condition_evaluator() { return gatehouse::fga::cel_conditions(); }

}  // namespace gatehouse_test
