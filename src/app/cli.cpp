#include "app/cli.hpp"

namespace gatehouse::app {

const char* usage() {
  return R"(usage:
  gatehouse run --config FILE [--log-level LEVEL]   serve, reloading FILE when it changes
  gatehouse validate FILE                           check a config file, print every error
  gatehouse policy test CASES [--config FILE]       check policy cases (identity, request, expected)
  gatehouse fga test FILE                           run an OpenFGA store test file (.fga.yaml)
  gatehouse version
)";
}

namespace {

Unexpected usage_error(const std::string& message) { return fail(Errc::invalid_config, message, "cli.usage"); }

// Options shared by the subcommands: --config FILE / --config=FILE, --log-level LEVEL.
Result<Command> parse_options(Command cmd, const std::vector<std::string>& args, std::size_t from,
                              std::vector<std::string>& positional) {
  for (std::size_t i = from; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value_of = [&](const std::string& flag) -> Result<std::string> {
      if (a.size() > flag.size() && a.compare(0, flag.size() + 1, flag + "=") == 0) return a.substr(flag.size() + 1);
      if (i + 1 >= args.size()) return usage_error(flag + " needs a value");
      return args[++i];
    };
    if (a == "--config" || a.rfind("--config=", 0) == 0) {
      GH_TRY(auto v, value_of("--config"));
      cmd.config = v;
    } else if (a == "--log-level" || a.rfind("--log-level=", 0) == 0) {
      GH_TRY(auto v, value_of("--log-level"));
      cmd.log_level = v;
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error("unknown option " + a);
    } else {
      positional.push_back(a);
    }
  }
  return cmd;
}

}  // namespace

Result<Command> parse_command_line(const std::vector<std::string>& args) {
  if (args.empty()) return usage_error("missing command");
  const std::string& verb = args[0];
  Command cmd;
  std::vector<std::string> positional;
  if (verb == "help" || verb == "--help" || verb == "-h") {
    cmd.kind = Command::Kind::help;
    return cmd;
  }
  if (verb == "version" || verb == "--version") {
    cmd.kind = Command::Kind::version;
    return cmd;
  }
  if (verb == "run") {
    cmd.kind = Command::Kind::run;
    GH_TRY(auto parsed, parse_options(cmd, args, 1, positional));
    if (!positional.empty()) return usage_error("run takes no arguments besides --config");
    if (parsed.config.empty()) return usage_error("run needs --config FILE");
    return parsed;
  }
  if (verb == "validate") {
    cmd.kind = Command::Kind::validate;
    GH_TRY(auto parsed, parse_options(cmd, args, 1, positional));
    if (parsed.config.empty() && positional.size() == 1) parsed.config = positional[0];
    else if (!positional.empty()) return usage_error("validate takes one file");
    if (parsed.config.empty()) return usage_error("validate needs a config file");
    return parsed;
  }
  if ((verb == "policy" || verb == "fga") && (args.size() < 2 || args[1] != "test"))
    return usage_error(verb + " has one subcommand: test");
  if (verb == "policy") {
    cmd.kind = Command::Kind::policy_test;
    GH_TRY(auto parsed, parse_options(cmd, args, 2, positional));
    if (positional.size() != 1) return usage_error("policy test needs one cases file (--config FILE optional)");
    parsed.file = positional[0];
    return parsed;
  }
  if (verb == "fga") {
    cmd.kind = Command::Kind::fga_test;
    GH_TRY(auto parsed, parse_options(cmd, args, 2, positional));
    if (positional.size() != 1) return usage_error("fga test needs one .fga.yaml file");
    parsed.file = positional[0];
    return parsed;
  }
  return usage_error("unknown command " + verb);
}

}  // namespace gatehouse::app
