// Fuzz target: any text compiled as a CEL rule and, if it compiles, evaluated against a small
// activation. Neither may crash, hang or read out of bounds (config files are semi-trusted,
// and FGA condition expressions arrive through the OpenFGA API).
#include <boost/json/parse.hpp>

#include <cstdint>
#include <string_view>

#include "cel/cel.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gatehouse::cel;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static const boost::json::value kVars =
      boost::json::parse(R"({"identity":{"subject":"alice","roles":["admin"]},"mcp":{"tool":"echo","args":{"n":3}}})");
  Env env;
  env.allow_undeclared = true;
  auto program = compile(text, env);
  if (!program) return 0;
  Activation act;
  act.set_json_members(kVars.as_object());
  (void)eval(*program, act);
  return 0;
}
