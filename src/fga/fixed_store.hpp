// A tuple store the gateway config defines (one per route with an embedded fga policy), as
// the OpenFGA API serves it: stable ids, the route's model, the route's own TupleStore.
#pragma once

#include <memory>
#include <string>

#include "fga/model.hpp"
#include "fga/store.hpp"

namespace gatehouse::fga {

struct FixedStore {
  std::string id;  // ULID-shaped and stable (stable_ulid)
  std::string name;
  std::string model_id;  // likewise
  ModelPtr model;
  std::shared_ptr<TupleStore> tuples;
};

// The fixed store of a gateway route: id from the route name, model id from the model's
// JSON form, so both survive restarts and reloads of an unchanged config.
FixedStore route_store(const std::string& route, const Model& model, std::shared_ptr<TupleStore> tuples);

}  // namespace gatehouse::fga
