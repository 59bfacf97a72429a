#include "fga/fixed_store.hpp"

#include <boost/json/serialize.hpp>

#include "fga/model_json.hpp"
#include "fga/stable_id.hpp"

namespace gatehouse::fga {

FixedStore route_store(const std::string& route, const Model& model, std::shared_ptr<TupleStore> tuples) {
  Model copy = model;
  copy.id.clear();  // the id must not feed its own hash
  FixedStore f;
  f.id = stable_ulid("store:" + route);
  f.name = route;
  f.model_id = stable_ulid("model:" + boost::json::serialize(to_json(copy)));
  copy.id = f.model_id;
  f.model = std::make_shared<const Model>(std::move(copy));
  f.tuples = std::move(tuples);
  return f;
}

}  // namespace gatehouse::fga
