// yaml-cpp helpers shared by the `.fga.yaml` runner and the conformance runner: YAML
// values to JSON (for condition contexts) and tuple lists to Tuples.
#pragma once

#include <boost/json/value.hpp>
#include <vector>
#include <yaml-cpp/yaml.h>

#include "core/result.hpp"
#include "fga/tuple.hpp"

namespace gatehouse::fga {

// Plain scalars become bool/int/double/null where they read as one; quoted ones stay strings.
boost::json::value yaml_to_json(const YAML::Node& node);

// `[{user, relation, object, condition: {name, context}}]`; an absent node is empty.
Result<std::vector<Tuple>> yaml_tuples(const YAML::Node& node);

}  // namespace gatehouse::fga
