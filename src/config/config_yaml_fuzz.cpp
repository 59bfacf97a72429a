// libFuzzer entry: any bytes through the config loader must give a Config or an error,
// never a crash, a hang or an escaped exception.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "config/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A fixed environment keeps runs reproducible: one variable is set, others are not.
  static const gatehouse::config::EnvLookup env = [](std::string_view name) -> std::optional<std::string> {
    if (name == "SET") return std::string("8080");
    return std::nullopt;
  };
  std::string_view yaml(reinterpret_cast<const char*>(data), size);
  auto r = gatehouse::config::load_string(yaml, "fuzz/gw.yaml", env);
  if (!r) {
    // Every rejection carries at least one message.
    if (r.error().message.empty()) __builtin_trap();
  }
  return 0;
}
