// --delay-ms for the echo example: tools/list answered after a fixed delay, as a remote
// server's round trip would be, so a gateway's fan-out over many such targets can be timed
// fairly (bench/compare `fanout*`: the delay dominates, not the shared cores).
#pragma once

#include <chrono>
#include <string_view>

#include "net/http_server.hpp"
#include "sdk/server.hpp"

namespace gatehouse::echo {

// True when `body` is one JSON-RPC request (not a batch) whose method is tools/list.
bool is_tools_list(std::string_view body);

// Wraps `inner`: a POST carrying tools/list waits `delay` on an asio timer of the
// connection's executor (the loop serves other requests meanwhile), then goes to `inner`.
net::Handler delay_tools_list(net::Handler inner, std::chrono::milliseconds delay);

// Serves `server` over Streamable HTTP with tools/list delayed. Arguments (after the program
// name): --http HOST:PORT [--max-sessions N]. Runs until SIGINT/SIGTERM; the exit code.
int run_delayed(sdk::Server& server, std::chrono::milliseconds delay, int argc, char** argv);

}  // namespace gatehouse::echo
