// OpenFGA's HTTP API over the embedded engine, so the official SDKs and tools work against
// Gatehouse unchanged: stores, authorization models (JSON form), write, read, changes, check,
// batch-check, list-objects, list-users, expand and assertions. Stores live in memory here;
// errors use OpenFGA's codes and shapes ({"code": "validation_error", "message": ...}).
#pragma once

#include <memory>

#include "net/http_server.hpp"

namespace gatehouse::fga {

class ApiState;

// One state shared by every thread of the listener (guarded inside).
std::shared_ptr<ApiState> make_api_state();
net::Handler make_api_handler(std::shared_ptr<ApiState> state);

}  // namespace gatehouse::fga
