#include "policy/edge.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace gatehouse::policy {
namespace {

namespace http = boost::beast::http;
namespace asio = boost::asio;

class FakeExchange final : public net::Exchange {
 public:
  FakeExchange(asio::io_context& ctx, net::Request req) : ctx_(ctx), req_(std::move(req)) {}
  const net::Request& request() const override { return req_; }
  const asio::ip::tcp::endpoint& remote() const override { return remote_; }
  asio::any_io_executor executor() const override { return ctx_.get_executor(); }
  asio::awaitable<bool> respond(net::Response r) override {
    response = std::move(r);
    co_return true;
  }
  asio::awaitable<bool> begin_stream(net::ResponseHead h) override {
    head = std::move(h);
    co_return true;
  }
  asio::awaitable<bool> write_chunk(std::string_view) override { co_return true; }
  asio::awaitable<void> end_stream() override { co_return; }
  asio::awaitable<void> wait_peer_closed() override { co_return; }
  bool peer_closed() const override { return false; }

  std::optional<net::Response> response;
  std::optional<net::ResponseHead> head;

 private:
  asio::io_context& ctx_;
  net::Request req_;
  asio::ip::tcp::endpoint remote_;
};

struct Run {
  std::optional<net::Response> response;
  bool inner_called = false;
};

Run run(const Edge& edge, http::verb verb, std::string target, std::string origin = {}) {
  asio::io_context ctx;
  net::Request req{verb, target, 11};
  if (!origin.empty()) req.set(http::field::origin, origin);
  FakeExchange ex(ctx, std::move(req));
  Run out;
  auto handler = edge.wrap([&](net::Exchange& e) -> asio::awaitable<void> {
    out.inner_called = true;
    net::Response r{http::status::ok, 11};
    r.set("Mcp-Session-Id", "s1");
    co_await e.respond(std::move(r));
  });
  auto fut = asio::co_spawn(ctx, handler(ex), asio::use_future);
  ctx.run();
  fut.get();
  out.response = std::move(ex.response);
  return out;
}

Edge make_edge() {
  return Edge({{"/mcp", {"https://app.example"}, std::chrono::seconds(600)}},
              {{"/.well-known/oauth-protected-resource/mcp", R"({"resource":"http://127.0.0.1:8080/mcp"})"}});
}

std::string get(const net::Response& r, http::field f) {
  auto it = r.find(f);
  return it == r.end() ? std::string{} : std::string(it->value());
}

TEST(Edge, ServesTheMetadataDocument) {
  auto r = run(make_edge(), http::verb::get, "/.well-known/oauth-protected-resource/mcp");
  EXPECT_FALSE(r.inner_called);
  ASSERT_TRUE(r.response);
  EXPECT_EQ(r.response->result_int(), 200);
  EXPECT_EQ(r.response->body(), R"({"resource":"http://127.0.0.1:8080/mcp"})");
  EXPECT_EQ(get(*r.response, http::field::access_control_allow_origin), "*");
  EXPECT_EQ(run(make_edge(), http::verb::post, "/.well-known/oauth-protected-resource/mcp").response->result_int(), 405);
}

TEST(Edge, AnswersPreflightForAnAllowedOrigin) {
  auto r = run(make_edge(), http::verb::options, "/mcp", "https://app.example");
  EXPECT_FALSE(r.inner_called);
  EXPECT_EQ(r.response->result_int(), 204);
  EXPECT_EQ(get(*r.response, http::field::access_control_allow_origin), "https://app.example");
  EXPECT_NE(get(*r.response, http::field::access_control_allow_headers).find("Mcp-Session-Id"), std::string::npos);
  EXPECT_EQ(get(*r.response, http::field::access_control_max_age), "600");
}

TEST(Edge, ExposesMcpHeadersOnAnswers) {
  auto r = run(make_edge(), http::verb::post, "/mcp", "https://app.example");
  EXPECT_TRUE(r.inner_called);
  EXPECT_EQ(get(*r.response, http::field::access_control_allow_origin), "https://app.example");
  EXPECT_NE(get(*r.response, http::field::access_control_expose_headers).find("Mcp-Session-Id"), std::string::npos);
}

TEST(Edge, ForeignOriginsAndOtherRoutesGetNoCorsHeaders) {
  auto foreign = run(make_edge(), http::verb::post, "/mcp", "https://evil.example");
  EXPECT_TRUE(foreign.inner_called);
  EXPECT_EQ(get(*foreign.response, http::field::access_control_allow_origin), "");
  auto other = run(make_edge(), http::verb::post, "/other", "https://app.example");
  EXPECT_EQ(get(*other.response, http::field::access_control_allow_origin), "");
}

}  // namespace
}  // namespace gatehouse::policy
