// Relationship conditions in CEL, with OpenFGA's typed parameters: the request context
// overlaid with the tuple's context is converted to each declared type (int, uint, double,
// bool, string, bytes, duration, timestamp, ipaddress, any, list<T>, map<T>), then the
// condition's expression, compiled once per distinct condition, decides.
#pragma once

#include "fga/engine.hpp"

namespace gatehouse::fga {

ConditionEvaluator cel_conditions();

}  // namespace gatehouse::fga
