// The long-running and offline subcommands: `run` (the gateway with hot reload), and the
// two test runners for policies as code (`policy test`, `fga test`).
#pragma once

#include "app/cli.hpp"

namespace gatehouse::app {

// Exit codes: 0 after a clean drain; 1 when start-up failed (a port in use...); 2 when the
// configuration is invalid.
int run_command(const Command& cmd);
int policy_test_command(const Command& cmd);
int fga_test_command(const Command& cmd);

}  // namespace gatehouse::app
