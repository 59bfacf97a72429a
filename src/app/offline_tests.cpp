#include <cstdio>
#include <iostream>

#include "app/run.hpp"

namespace gatehouse::app {

int policy_test_command(const Command& cmd) {
  (void)cmd;
  std::fprintf(stderr, "gatehouse policy test: the CEL rules engine is not part of this build yet\n");
  return 2;
}

int fga_test_command(const Command& cmd) {
  (void)cmd;
  std::fprintf(stderr, "gatehouse fga test: the FGA test runner is not part of this build yet\n");
  return 2;
}

}  // namespace gatehouse::app
