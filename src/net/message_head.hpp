// The start line and fields of an HTTP/1.1 message as one string, byte for byte what
// Beast's serializer writes (same order, same separators), so a whole message can go out as
// one gather write of {head, body}. Written by hand because Beast's serializer and its
// buffer-sequence machinery cost more than the rest of a small exchange's path (callgrind:
// ~22k instructions per response, ~14k per upstream request). Header-only: the gateway
// module writes upstream requests with it without linking the HTTP server.
#pragma once

#include <boost/beast/http/message.hpp>

#include <string>
#include <string_view>

namespace gatehouse::net {

namespace http = boost::beast::http;

namespace detail {

inline std::size_t fields_size(const http::fields& fields) {
  std::size_t size = 2;
  for (const auto& f : fields) size += f.name_string().size() + f.value().size() + 4;
  return size;
}

inline void append_fields(std::string& out, const http::fields& fields) {
  for (const auto& f : fields) {
    out += f.name_string();
    out += ": ";
    out += f.value();
    out += "\r\n";
  }
  out += "\r\n";
}

inline std::string_view version_text(unsigned version) { return version == 10 ? "HTTP/1.0" : "HTTP/1.1"; }

}  // namespace detail

inline std::string message_head(const http::response_header<>& head) {
  std::string_view reason = head.reason();
  if (reason.empty()) reason = http::obsolete_reason(head.result());
  std::string out;
  out.reserve(16 + reason.size() + detail::fields_size(head));
  out += detail::version_text(head.version());
  const unsigned code = head.result_int();
  const char digits[5] = {' ', static_cast<char>('0' + code / 100 % 10), static_cast<char>('0' + code / 10 % 10),
                          static_cast<char>('0' + code % 10), ' '};
  out.append(digits, 5);
  out += reason;
  out += "\r\n";
  detail::append_fields(out, head);
  return out;
}

inline std::string message_head(const http::request_header<>& head) {
  std::string_view method = head.method_string();
  std::string_view target = head.target();
  std::string out;
  out.reserve(16 + method.size() + target.size() + detail::fields_size(head));
  out += method;
  out += ' ';
  out += target;
  out += ' ';
  out += detail::version_text(head.version());
  out += "\r\n";
  detail::append_fields(out, head);
  return out;
}

}  // namespace gatehouse::net
