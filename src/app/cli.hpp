// The `gatehouse` command line: subcommands and their options, parsed into one value so
// main() only dispatches. Parsing is pure (tested in cli_test.cpp).
#pragma once

#include <string>
#include <vector>

#include "core/result.hpp"

namespace gatehouse::app {

struct Command {
  enum class Kind { run, validate, policy_test, fga_test, version, help };
  Kind kind = Kind::help;
  std::string config;  // run/validate/policy test: the config file
  std::string file;    // policy test: the cases file; fga test: the .fga.yaml file
  std::string log_level;  // overrides the config's log.level when set
};

Result<Command> parse_command_line(const std::vector<std::string>& args);

// The usage text printed by `gatehouse help` and on a command-line error.
const char* usage();

}  // namespace gatehouse::app
