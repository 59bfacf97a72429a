// The answers a policy gives instead of the upstream's: an HTTP status with a JSON-RPC error
// body (id of the request when known), so both plain HTTP clients and MCP clients see why.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/http_server.hpp"

namespace gatehouse::policy {

net::Response error_response(unsigned status, int jsonrpc_code, std::string_view message,
                             const std::vector<std::pair<std::string, std::string>>& headers = {},
                             unsigned http_version = 11);

}  // namespace gatehouse::policy
