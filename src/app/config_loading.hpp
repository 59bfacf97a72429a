// Loading a config file for a subcommand: every problem printed as file:line:col on stderr.
#pragma once

#include <optional>
#include <string>

#include "config/types.hpp"

namespace gatehouse::app {

std::optional<config::Config> load_config_or_report(const std::string& path);

}  // namespace gatehouse::app
