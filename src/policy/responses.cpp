#include "policy/responses.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace gatehouse::policy {

net::Response error_response(unsigned status, int jsonrpc_code, std::string_view message,
                             const std::vector<std::pair<std::string, std::string>>& headers, unsigned http_version) {
  net::Response r{static_cast<boost::beast::http::status>(status), http_version};
  r.set(boost::beast::http::field::content_type, "application/json");
  for (const auto& [k, v] : headers) r.set(k, v);
  boost::json::object body{{"jsonrpc", "2.0"}, {"id", nullptr}};
  body["error"] = boost::json::object{{"code", jsonrpc_code}, {"message", message}};
  r.body() = boost::json::serialize(body);
  r.prepare_payload();
  return r;
}

}  // namespace gatehouse::policy
