// Fuzz target for the OpenFGA DSL parser and the model rules (load_dsl). A model that loads
// must survive its JSON form: to_json, model_from_json, validate_model, and the same JSON.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fga/dsl_parser.hpp"
#include "fga/model_json.hpp"
#include "fga/validate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gatehouse::fga;
  auto model = load_dsl(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!model) return 0;
  auto json = to_json(*model);
  auto back = model_from_json(json);
  if (!back || !validate_model(*back) || to_json(*back) != json) std::abort();
  return 0;
}
