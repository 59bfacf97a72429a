// message_head must write exactly what Beast's serializer writes for the head.
#include "net/message_head.hpp"

#include <gtest/gtest.h>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <sstream>

namespace gatehouse::net {
namespace {

template <bool IsRequest>
std::string beast_bytes(http::message<IsRequest, http::string_body> m) {
  m.prepare_payload();
  std::ostringstream os;
  os << m;
  return os.str();
}

template <bool IsRequest>
std::string ours(http::message<IsRequest, http::string_body> m) {
  m.prepare_payload();
  return message_head(m.base()) + m.body();
}

TEST(MessageHead, ResponsesMatchBeast) {
  http::response<http::string_body> ok{http::status::ok, 11};
  ok.set(http::field::content_type, "application/json");
  ok.set("Mcp-Session-Id", "abc");
  ok.body() = R"({"jsonrpc":"2.0","id":1,"result":{}})";
  EXPECT_EQ(ours(ok), beast_bytes(ok));

  http::response<http::string_body> custom{http::status::unauthorized, 11};
  custom.reason("Who Are You");
  custom.set(http::field::www_authenticate, R"(Bearer resource_metadata="http://x/y")");
  custom.keep_alive(false);
  EXPECT_EQ(ours(custom), beast_bytes(custom));

  http::response<http::string_body> old{http::status::not_found, 10};
  old.body() = "missing\n";
  EXPECT_EQ(ours(old), beast_bytes(old));

  http::response<http::string_body> empty{http::status::accepted, 11};
  EXPECT_EQ(ours(empty), beast_bytes(empty));

  // A status Beast has no name for keeps its number and an empty reason.
  http::response<http::string_body> odd;
  odd.result(599);
  EXPECT_EQ(ours(odd), beast_bytes(odd));
}

TEST(MessageHead, RequestsMatchBeast) {
  http::request<http::string_body> post{http::verb::post, "/mcp?x=1", 11};
  post.set(http::field::host, "127.0.0.1:9000");
  post.set(http::field::content_type, "application/json");
  post.set(http::field::accept, "application/json, text/event-stream");
  post.set("Mcp-Protocol-Version", "2025-11-25");
  post.body() = R"({"jsonrpc":"2.0","id":7,"method":"tools/call"})";
  EXPECT_EQ(ours(post), beast_bytes(post));

  http::request<http::string_body> get{http::verb::get, "/", 10};
  EXPECT_EQ(ours(get), beast_bytes(get));

  http::request<http::string_body> custom;
  custom.method_string("PURGE");
  custom.target("/cache");
  custom.version(11);
  EXPECT_EQ(ours(custom), beast_bytes(custom));
}

}  // namespace
}  // namespace gatehouse::net
