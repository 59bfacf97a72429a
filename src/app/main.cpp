// The `gatehouse` binary: parses the command line and hands over to one subcommand.
#include <cstdio>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "app/run.hpp"
#include "app/validate.hpp"
#include "app/version.hpp"

#ifdef GATEHOUSE_WITH_MIMALLOC
#include <mimalloc.h>
#endif

namespace {

// Which malloc the binary runs on (see src/app/CMakeLists.txt).
void print_allocator() {
#ifdef GATEHOUSE_WITH_MIMALLOC
  const int v = mi_version();
  std::printf("allocator: mimalloc %d.%d.%d\n", v / 100, v / 10 % 10, v % 10);
#else
  std::printf("allocator: glibc malloc\n");
#endif
}

}  // namespace

int main(int argc, char** argv) {
  using gatehouse::app::Command;
  std::vector<std::string> args(argv + 1, argv + argc);
  auto cmd = gatehouse::app::parse_command_line(args);
  if (!cmd) {
    std::fprintf(stderr, "gatehouse: %s\n\n%s", cmd.error().message.c_str(), gatehouse::app::usage());
    return 2;
  }
  switch (cmd->kind) {
    case Command::Kind::help:
      std::fputs(gatehouse::app::usage(), stdout);
      return 0;
    case Command::Kind::version:
      std::printf("gatehouse %s\n", gatehouse::app::kVersion);
      print_allocator();
      return 0;
    case Command::Kind::validate:
      return gatehouse::app::validate_command(cmd->config);
    case Command::Kind::run:
      return gatehouse::app::run_command(*cmd);
    case Command::Kind::policy_test:
      return gatehouse::app::policy_test_command(*cmd);
    case Command::Kind::fga_test:
      return gatehouse::app::fga_test_command(*cmd);
  }
  return 2;
}
