// The offline subcommands: policies and relationship models tested as code.
#include <cstdio>
#include <iostream>

#include "app/run.hpp"
#include "authz/policy_test.hpp"

namespace gatehouse::app {

int policy_test_command(const Command& cmd) { return authz::run_policy_tests(cmd.file, std::cout, cmd.config); }

int fga_test_command(const Command& cmd) {
  (void)cmd;
  std::fprintf(stderr, "gatehouse fga test: the FGA test runner is not part of this build yet\n");
  return 2;
}

}  // namespace gatehouse::app
