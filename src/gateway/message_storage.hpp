// Memory for the JSON of one relayed message. A JSON-RPC message lives as long as the request
// that carries it, and Boost.JSON allocates each object key and each longer string on its own:
// ~30 malloc/free pairs for a small tools/call and its answer. A bump allocator per message
// makes that one or two; the values hold the storage alive (counted), so a message moved on
// to a relay or a queue stays valid, and all of it is freed when the last value goes.
#pragma once

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/storage_ptr.hpp>

namespace gatehouse::gateway {

inline boost::json::storage_ptr message_storage() {
  return boost::json::make_shared_resource<boost::json::monotonic_resource>();
}

}  // namespace gatehouse::gateway
