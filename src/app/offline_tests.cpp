// The offline subcommands: policies and relationship models tested as code.
#include <iostream>

#include "app/run.hpp"
#include "authz/policy_test.hpp"
#include "fga/store_test_file.hpp"

namespace gatehouse::app {

int policy_test_command(const Command& cmd) { return authz::run_policy_tests(cmd.file, std::cout, cmd.config); }

int fga_test_command(const Command& cmd) { return fga::run_test_file(cmd.file, std::cout); }

}  // namespace gatehouse::app
