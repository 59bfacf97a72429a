#include "sdk/uri_template.hpp"

namespace gatehouse::sdk {

std::optional<std::map<std::string, std::string>> match_uri_template(std::string_view tmpl,
                                                                      std::string_view uri) {
  std::map<std::string, std::string> vars;
  std::size_t t = 0, u = 0;
  while (t < tmpl.size()) {
    if (tmpl[t] != '{') {
      if (tmpl[t] == '}' || u >= uri.size() || uri[u] != tmpl[t]) return std::nullopt;
      ++t;
      ++u;
      continue;
    }
    auto close = tmpl.find('}', t);
    if (close == std::string_view::npos || close == t + 1) return std::nullopt;
    std::string name(tmpl.substr(t + 1, close - t - 1));
    if (name.find('{') != std::string::npos) return std::nullopt;
    t = close + 1;
    // The variable runs to the next literal character of the template (or a delimiter).
    char stop = t < tmpl.size() ? tmpl[t] : '\0';
    if (stop == '{') return std::nullopt;  // adjacent variables are ambiguous
    std::size_t start = u;
    while (u < uri.size() && uri[u] != stop && uri[u] != '/' && uri[u] != '?' && uri[u] != '#') ++u;
    if (u == start) return std::nullopt;
    vars[name] = std::string(uri.substr(start, u - start));
  }
  if (u != uri.size()) return std::nullopt;
  return vars;
}

}  // namespace gatehouse::sdk
