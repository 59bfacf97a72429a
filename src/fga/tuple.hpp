// Relationship tuples: `user relation object` with an optional condition and its context,
// plus the OpenFGA string forms (`type:id`, `type:id#relation`, `type:*`) and the check of a
// tuple against a model (the rules Write and contextual tuples share).
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "fga/model.hpp"

namespace gatehouse::fga {

// OpenFGA error codes the engine reports (the numbers the API and test matrix use).
enum class FgaCode : int {
  validation_error = 2000,
  resolution_too_complex = 2002,
  type_not_found = 2021,
  relation_not_found = 2022,
  invalid_tuple = 2027,
};

// The Error for an OpenFGA error code; reason is "fga.<code>" so callers can map it back.
Unexpected fga_error(FgaCode code, std::string message);
// The OpenFGA code of an Error made by fga_error(), or 0.
int fga_code(const Error& e);

struct TupleKey {
  std::string object;
  std::string relation;
  std::string user;
  bool operator==(const TupleKey&) const = default;
};

struct Tuple {
  TupleKey key;
  std::string condition;          // empty: unconditional
  boost::json::object context;    // the condition's stored parameters
};

// A user string split: "type:id", "type:id#relation" or "type:*".
struct UserRef {
  std::string_view type;
  std::string_view id;        // "*" for a wildcard
  std::string_view relation;  // set for a userset
  bool wildcard() const { return id == "*"; }
};

// Splits `type:id[#relation]`; nullopt when malformed (no type, no id, stray characters).
std::optional<UserRef> split_user(std::string_view user);
// Splits an object `type:id` (no relation, no wildcard).
std::optional<UserRef> split_object(std::string_view object);
inline std::string_view object_type(std::string_view object) {
  return object.substr(0, object.find(':'));
}

// Validates a tuple to be written (or used contextually) against the model: types and
// relations exist and the user's type is one the relation allows directly.
Status validate_tuple(const Model& model, const Tuple& tuple);

}  // namespace gatehouse::fga
