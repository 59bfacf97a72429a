// HttpServer on a TLS listener: handshake, keep-alive, streaming with the peer-close watch
// reading through TLS, the session visible to the handler, and a plaintext client refused.
#include "net/http_server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/ssl.h>

#include <atomic>
#include <thread>

#include "tls/test_certificates.hpp"

namespace gatehouse::net {
namespace {

using namespace std::chrono_literals;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

struct TlsFixture {
  TlsFixture() : ca("net test ca") {
    tls::testing::LeafOptions leaf;
    leaf.common_name = "localhost";
    leaf.dns_names = {"localhost"};
    issued = ca.issue(leaf);
    server_context = std::make_shared<ssl::context>(ssl::context::tls_server);
    server_context->use_certificate_chain(asio::buffer(issued.cert_pem));
    server_context->use_private_key(asio::buffer(issued.key_pem), ssl::context::pem);
  }

  std::unique_ptr<HttpServer> start(Handler handler) {
    HttpServer::Options options;
    options.limits.header_timeout = 2s;
    options.tls = [this] {
      ++contexts_handed_out;
      return server_context;
    };
    auto server = HttpServer::create(options, std::move(handler));
    EXPECT_TRUE(server.ok());
    if (!server.ok()) return nullptr;
    (*server)->start();
    return std::move(*server);
  }

  tls::testing::TestCa ca;
  tls::testing::Issued issued;
  std::shared_ptr<ssl::context> server_context;
  std::atomic<int> contexts_handed_out{0};
};

// A verifying TLS client (the test CA, host name "localhost").
class TlsClient {
 public:
  TlsClient(const TlsFixture& f, unsigned short port) : context_(ssl::context::tls_client), stream_(io_, context_) {
    context_.add_certificate_authority(asio::buffer(f.ca.cert_pem()));
    context_.set_verify_mode(ssl::verify_peer);
    SSL_set_tlsext_host_name(stream_.native_handle(), "localhost");
    stream_.set_verify_callback(ssl::host_name_verification("localhost"));
    stream_.lowest_layer().connect({asio::ip::make_address("127.0.0.1"), port});
    stream_.handshake(ssl::stream_base::client);
  }

  Response get(const std::string& target) {
    Request req{http::verb::get, target, 11};
    req.set(http::field::host, "localhost");
    http::write(stream_, req);
    Response res;
    http::read(stream_, buffer_, res);
    return res;
  }

  void send_get(const std::string& target) {
    Request req{http::verb::get, target, 11};
    req.set(http::field::host, "localhost");
    http::write(stream_, req);
  }
  std::string read_some() {
    char chunk[4096];
    const auto n = stream_.read_some(asio::buffer(chunk));
    return std::string(chunk, n);
  }
  void close() { stream_.lowest_layer().close(); }

 private:
  asio::io_context io_;
  ssl::context context_;
  ssl::stream<tcp::socket> stream_;
  boost::beast::flat_buffer buffer_;
};

TEST(HttpServerTls, ServesKeptAliveRequestsOverTls) {
  TlsFixture f;
  std::atomic<bool> saw_session{false};
  auto server = f.start([&](Exchange& ex) -> asio::awaitable<void> {
    saw_session = ex.tls_session() != nullptr && SSL_get_version(ex.tls_session()) != nullptr;
    Response res{http::status::ok, 11};
    res.body() = "secure " + std::string(ex.request().target());
    co_await ex.respond(std::move(res));
  });
  ASSERT_TRUE(server);
  TlsClient client(f, server->port());
  auto first = client.get("/a");
  auto second = client.get("/b");
  EXPECT_EQ(first.body(), "secure /a");
  EXPECT_EQ(second.body(), "secure /b");
  EXPECT_TRUE(saw_session.load());
  EXPECT_EQ(f.contexts_handed_out.load(), 1);  // one context per connection, not per request
}

TEST(HttpServerTls, PeerCloseIsSeenThroughTls) {
  TlsFixture f;
  std::atomic<bool> fired{false};
  auto server = f.start([&](Exchange& ex) -> asio::awaitable<void> {
    co_await ex.begin_stream(ResponseHead{});
    co_await ex.write_chunk("data: hello\n\n");
    co_await ex.wait_peer_closed();
    fired = ex.peer_closed();
  });
  ASSERT_TRUE(server);
  {
    TlsClient client(f, server->port());
    client.send_get("/sse");
    EXPECT_NE(client.read_some(), "");
    client.close();
  }
  for (int i = 0; i < 200 && !fired; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(fired.load());
}

TEST(HttpServerTls, StreamsOverTlsAndKeepsTheConnection) {
  TlsFixture f;
  auto server = f.start([&](Exchange& ex) -> asio::awaitable<void> {
    if (ex.request().target() == "/plain") {
      Response res{http::status::ok, 11};
      res.body() = "after";
      co_await ex.respond(std::move(res));
      co_return;
    }
    co_await ex.begin_stream(ResponseHead{});
    co_await ex.write_chunk("one");
    co_await ex.write_chunk("two");
    co_await ex.end_stream();
  });
  ASSERT_TRUE(server);
  TlsClient client(f, server->port());
  auto streamed = client.get("/sse");
  EXPECT_EQ(streamed.body(), "onetwo");
  EXPECT_EQ(client.get("/plain").body(), "after");
}

TEST(HttpServerTls, PlaintextClientIsDroppedAndServerLives) {
  TlsFixture f;
  auto server = f.start([&](Exchange& ex) -> asio::awaitable<void> {
    co_await ex.respond(Response{http::status::ok, 11});
  });
  ASSERT_TRUE(server);
  {
    asio::io_context io;
    tcp::socket s(io);
    s.connect({asio::ip::make_address("127.0.0.1"), server->port()});
    asio::write(s, asio::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
    char chunk[1024];
    boost::system::error_code ec;
    std::size_t total = 0;
    for (;;) {  // maybe a TLS alert, then the close
      total += s.read_some(asio::buffer(chunk), ec);
      if (ec) break;
    }
    EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
    EXPECT_LT(total, 64u);  // no HTTP response in clear
  }
  TlsClient client(f, server->port());
  EXPECT_EQ(client.get("/").result(), http::status::ok);
}

}  // namespace
}  // namespace gatehouse::net
