// RFC 6570 level-1 templates ("test://template/{id}/data"): match a URI and extract the
// variables. Hand-written: no Debian package offers URI templates for C++, and level 1 is
// a literal/variable alternation.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::sdk {

// Variables of `uri` under `tmpl`, or nullopt when it does not match (or the template is
// malformed). A variable matches one or more characters other than '/', '?' and '#'.
std::optional<std::map<std::string, std::string>> match_uri_template(std::string_view tmpl,
                                                                      std::string_view uri);

}  // namespace gatehouse::sdk
