// Loads the gateway configuration from YAML into a validated Config. Every problem found is
// reported, each as "file:line:col: field.path: message", one per line in the Error message
// (Errc::invalid_config), so one run of `gatehouse validate` shows them all.
#pragma once

#include <string>
#include <string_view>

#include "config/types.hpp"
#include "config/values.hpp"
#include "core/result.hpp"

namespace gatehouse::config {

// Relative paths in the file are resolved against the file's directory.
Result<Config> load_file(const std::string& path);

// `name` is used in messages and, when it has a directory part, as the base for relative
// paths (else the current directory). `env` defaults to the process environment.
Result<Config> load_string(std::string_view yaml, std::string_view name);
Result<Config> load_string(std::string_view yaml, std::string_view name, const EnvLookup& env);

}  // namespace gatehouse::config
