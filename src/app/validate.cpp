#include "app/validate.hpp"

#include <boost/asio/io_context.hpp>

#include <cstdio>

#include "app/config_loading.hpp"
#include "app/runtime.hpp"

namespace gatehouse::app {

int validate_command(const std::string& config_path) {
  auto config = load_config_or_report(config_path);
  if (!config) return 2;
  // Build everything `run` would build, on a loop that never runs: nothing is fetched or
  // bound, but every rule, template, key file and model is compiled and checked.
  boost::asio::io_context idle;
  auto runtime = build_runtime(*config, 1, RuntimeDeps{idle.get_executor(), nullptr});
  if (!runtime) {
    std::fprintf(stderr, "%s\n", runtime.error().message.c_str());
    return 2;
  }
  std::printf("%s: ok (%zu listeners, %zu routes, %zu backends)\n", config_path.c_str(), config->listeners.size(),
              config->routes.size(), config->backends.size());
  return 0;
}

}  // namespace gatehouse::app
