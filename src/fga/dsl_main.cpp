// gatehouse-fga-dsl: the DSL parser on its own, for the oracle test against OpenFGA's
// @openfga/syntax-transformer. Reads a JSON array of DSL texts on stdin and writes a JSON
// array of {"ok":true,"model":<JSON form>} or {"ok":false,"error":"line L, column C: ..."}.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>

#include "fga/dsl_parser.hpp"
#include "fga/model_json.hpp"

int main() {
  namespace json = boost::json;
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  boost::system::error_code ec;
  json::value texts = json::parse(input, ec);
  if (ec || !texts.is_array()) {
    std::fprintf(stderr, "stdin: expected a JSON array of DSL strings\n");
    return 2;
  }
  json::array out;
  for (const auto& t : texts.as_array()) {
    if (!t.is_string()) return std::fprintf(stderr, "stdin: not a string\n"), 2;
    auto m = gatehouse::fga::parse_dsl(t.as_string());
    if (m.ok())
      out.push_back(json::object{{"ok", true}, {"model", gatehouse::fga::to_json(*m)}});
    else
      out.push_back(json::object{{"ok", false}, {"error", m.error().message}});
  }
  std::cout << json::serialize(out) << "\n";
  return 0;
}
