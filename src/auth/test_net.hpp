// Test support: a fake network for HttpFetch and a helper that runs one coroutine to the end.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "auth/http_fetch.hpp"

namespace gatehouse::auth::testing {

namespace asio = boost::asio;

template <typename T>
asio::awaitable<void> store(asio::awaitable<T> a, std::optional<T>& out) {
  out.emplace(co_await std::move(a));
}

template <typename T>
T run(asio::awaitable<T> a) {
  asio::io_context io;
  std::optional<T> out;
  asio::co_spawn(io, store(std::move(a), out), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  io.run();
  return std::move(*out);
}

struct FakeNet {
  std::map<std::string, HttpResponse> routes;
  std::vector<HttpRequest> seen;
  bool down = false;
  HttpFetch fetch() {
    return [this](HttpRequest req) -> asio::awaitable<Result<HttpResponse>> {
      seen.push_back(req);
      if (down) co_return fail(Errc::unavailable, "connection refused", "http.unavailable");
      auto it = routes.find(req.url);
      if (it == routes.end()) co_return HttpResponse{404, "text/plain", "nope"};
      co_return it->second;
    };
  }
  std::size_t count(std::string_view url) const {
    std::size_t n = 0;
    for (const auto& r : seen) n += r.url == url;
    return n;
  }
};

}  // namespace gatehouse::auth::testing
