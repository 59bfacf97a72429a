// The authorization model in OpenFGA's JSON form (as WriteAuthorizationModel takes it and
// ReadAuthorizationModel returns it), both ways. from_json() checks shape only; call
// validate_model() for the semantic rules.
#pragma once

#include <boost/json/value.hpp>
#include <string_view>

#include "core/result.hpp"
#include "fga/model.hpp"

namespace gatehouse::fga {

boost::json::value to_json(const Model& model);
Result<Model> model_from_json(const boost::json::value& json);
Result<Model> model_from_json_text(std::string_view text);

}  // namespace gatehouse::fga
