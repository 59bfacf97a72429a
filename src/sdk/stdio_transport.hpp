// The stdio transport: newline-delimited JSON-RPC on stdin/stdout (stdout carries nothing
// else; logs go to stderr). Serves one session until stdin closes.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "sdk/server.hpp"

namespace gatehouse::sdk {

// Reads fd `in`, writes fd `out` (0 and 1 normally); returns at end of input.
asio::awaitable<void> serve_stdio(Server& server, int in = 0, int out = 1);

}  // namespace gatehouse::sdk
