// The real HttpFetch: HTTP/1.1 with Boost.Beast, https through OpenSSL (peer and host name
// verified against the system trust store), a deadline per call and a body limit. Plain
// http only to loopback unless allowed, so a misconfigured JWKS URL cannot go out in clear.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <memory>

#include "auth/http_fetch.hpp"

namespace gatehouse::auth {

struct BeastFetchOptions {
  std::chrono::milliseconds timeout{5000};
  std::size_t max_body = 1 << 20;
  bool allow_plain_http = false;  // to hosts other than 127.0.0.1, ::1, localhost
  std::shared_ptr<boost::asio::ssl::context> tls;  // default: TLS 1.2+, system CAs, verify peer
};

HttpFetch make_beast_fetch(BeastFetchOptions options = {});

}  // namespace gatehouse::auth
