// OpenFGA's HTTP API over the embedded engine, so the official SDKs and tools work against
// Gatehouse unchanged: stores, authorization models (JSON form), write, read, changes, check,
// batch-check, list-objects, list-users, expand and assertions. Errors use OpenFGA's codes
// and shapes ({"code": "validation_error", "message": ...}).
// Two kinds of store: the API's own (created through it, in memory: gatehouse-fga-api) and
// fixed ones registered by the gateway, one per fga route, over the route's own tuple store
// (memory, SQLite, PostgreSQL) and the model of its config, which the API cannot replace.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fga/fixed_store.hpp"
#include "net/http_server.hpp"

namespace gatehouse::fga {

class ApiState;

struct ApiOptions {
  // Creating and deleting stores and writing models (gatehouse-fga-api). The gateway turns
  // it off: its stores are its routes'.
  bool store_admin = true;
  // Served under this path ("/fga" on the gateway's admin listener), "" at the root.
  std::string path_prefix;
};

// One state shared by every thread of the listener (guarded inside).
std::shared_ptr<ApiState> make_api_state(ApiOptions options = {});

// Replaces every fixed store at once (a config reload). A store whose id stays keeps its
// change log and creation time, and its assertions while its model id stays too.
void set_fixed_stores(ApiState& state, std::vector<FixedStore> stores);

// A bearer token every request must present ("" for none). Compared in constant time.
void set_api_token(ApiState& state, std::string token);

// One request without I/O: method, target (path and query), the Authorization header and
// the body. The handler below is this over an exchange.
struct ApiReply {
  unsigned status = 200;
  std::string body;  // JSON, empty for 204
};
ApiReply handle_api(ApiState& state, boost::beast::http::verb method, std::string_view target,
                    std::string_view authorization, std::string_view body);

net::Handler make_api_handler(std::shared_ptr<ApiState> state);

}  // namespace gatehouse::fga
