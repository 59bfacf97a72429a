// A remote OpenFGA-compatible server as the fga policy's decision source: Check and
// BatchCheck over its HTTP API (POST /stores/{id}/check, /batch-check) through the auth
// module's async client, so no gateway thread waits on the network. Any failure (timeout,
// refused connection, non-200, malformed answer) is an error the caller turns into a deny.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>
#include <vector>

#include "auth/http_fetch.hpp"
#include "config/types.hpp"
#include "core/result.hpp"
#include "fga/engine.hpp"

namespace gatehouse::authz {

// The HTTP client for a remote: auth::make_beast_fetch with the spec's timeout (https verified
// against the spec's CA file, or the system trust store; plain http to loopback only). Fails
// when the CA file cannot be read.
Result<auth::HttpFetch> make_remote_fetch(const config::FgaRemote& spec);

class RemoteFga {
 public:
  // `fetch` defaults to make_remote_fetch (the spec's CA must then be readable, else every call fails).
  explicit RemoteFga(config::FgaRemote spec, auth::HttpFetch fetch = {});

  // One answer per request, in order. A failed call fails every item it carried.
  boost::asio::awaitable<std::vector<Result<bool>>> check(std::vector<fga::CheckRequest> requests) const;

  // The store's authorization model (model_id, or the latest) in OpenFGA's JSON form: the
  // stage reads from it which contextual tuples the model accepts and which context values its
  // conditions can see.
  boost::asio::awaitable<Result<boost::json::value>> model() const;

  const std::string& url() const { return spec_.url; }

 private:
  boost::asio::awaitable<Result<boost::json::value>> call(std::string method, std::string path,
                                                           std::string body) const;

  config::FgaRemote spec_;
  auth::HttpFetch fetch_;
};

// The JSON bodies, exposed for tests.
boost::json::object check_body(const fga::CheckRequest& request, const std::string& model_id);
// Reads {"allowed": bool}; anything else is an error.
Result<bool> read_check_answer(const boost::json::value& answer);

}  // namespace gatehouse::authz
