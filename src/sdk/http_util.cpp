#include "sdk/http_util.hpp"

#include <boost/json/serialize.hpp>

#include <cctype>

#include "jsonrpc/message.hpp"

namespace gatehouse::sdk::httpu {

namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
}  // namespace

std::optional<std::string> header(const net::Request& req, std::string_view name) {
  auto it = req.find(name);
  if (it == req.end()) return std::nullopt;
  return std::string(it->value());
}

std::string media_type(std::string_view content_type) {
  return lower(trim(content_type.substr(0, content_type.find(';'))));
}

bool accepts(std::string_view accept, std::string_view type) {
  std::string want = lower(type);
  std::string family = want.substr(0, want.find('/')) + "/*";
  while (!accept.empty()) {
    auto comma = accept.find(',');
    std::string item = media_type(accept.substr(0, comma));
    if (item == want || item == family || item == "*/*") return true;
    if (comma == std::string_view::npos) break;
    accept.remove_prefix(comma + 1);
  }
  return false;
}

net::Response json_response(const net::Request& req, unsigned status, const json::object& body) {
  return json_text_response(req, status, json::serialize(body));
}

net::Response json_text_response(const net::Request& req, unsigned status, std::string body) {
  net::Response res{static_cast<net::http::status>(status), req.version()};
  res.set(net::http::field::content_type, "application/json");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  return res;
}

net::Response empty_response(const net::Request& req, unsigned status) {
  net::Response res{static_cast<net::http::status>(status), req.version()};
  res.keep_alive(req.keep_alive());
  return res;
}

net::Response rpc_error(const net::Request& req, unsigned status, std::int64_t code, std::string_view message,
                        const json::value& id, const json::value& data) {
  return json_response(req, status, jsonrpc::error_response(id, code, message, data));
}

net::ResponseHead sse_head(const net::Request& req) {
  net::ResponseHead head;
  head.result(net::http::status::ok);
  head.version(req.version());
  head.set(net::http::field::content_type, "text/event-stream");
  head.set(net::http::field::cache_control, "no-cache, no-transform");
  return head;
}

}  // namespace gatehouse::sdk::httpu
