// The one HTTP call shape the auth library needs (discovery, JWKS, introspection, token
// endpoints). Injected, so the library has no fixed client and tests can fake the network;
// beast_fetch.hpp provides the real one.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace gatehouse::auth {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

// Transport failures are Errc::unavailable / Errc::timeout; an HTTP error status is a
// successful fetch (the caller decides what a 404 means).
using HttpFetch = std::function<boost::asio::awaitable<Result<HttpResponse>>(HttpRequest)>;

// A GET asking for JSON. (Built outside coroutines: GCC 12 miscompiles braced string
// literal initializers inside a coroutine frame.)
HttpRequest get_json(std::string url);

// application/x-www-form-urlencoded encoding of one value.
std::string form_encode(std::string_view value);
std::string form_body(const std::vector<std::pair<std::string, std::string>>& fields);
// RFC 6749 §2.3.1 client_secret_basic header value.
std::string basic_authorization(std::string_view client_id, std::string_view client_secret);

}  // namespace gatehouse::auth
