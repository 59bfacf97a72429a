// `gatehouse validate FILE`: loads the file exactly as `run` would (config, then every CEL
// rule, FGA model and TLS file the runtime builds), prints each problem as
// file:line:col: path: message, and exits non-zero when there is one.
#pragma once

#include <string>

namespace gatehouse::app {

int validate_command(const std::string& config_path);

}  // namespace gatehouse::app
