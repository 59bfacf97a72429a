// The command line every SDK server shares: `--http HOST:PORT` (Streamable HTTP on /mcp,
// both eras), `--sse HOST:PORT` (legacy HTTP+SSE) or `--stdio`. Runs until SIGINT/SIGTERM
// (or end of stdin) and returns the process exit code.
#pragma once

#include "sdk/server.hpp"

namespace gatehouse::sdk {

int run(Server& server, int argc, char** argv);

}  // namespace gatehouse::sdk
