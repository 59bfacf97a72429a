// Small HTTP helpers the SDK transports share: header access, media-type checks, and
// answers with a JSON-RPC body.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "net/http_server.hpp"

namespace gatehouse::sdk::httpu {

namespace json = boost::json;

std::optional<std::string> header(const net::Request& req, std::string_view name);
// The media type of Content-Type, lower case, without parameters.
std::string media_type(std::string_view content_type);
// Whether an Accept header admits `type` (exact, type/*, or */*).
bool accepts(std::string_view accept, std::string_view type);

net::Response json_response(const net::Request& req, unsigned status, const json::object& body);
// The same with a body serialized already.
net::Response json_text_response(const net::Request& req, unsigned status, std::string body);
net::Response empty_response(const net::Request& req, unsigned status);
// A JSON-RPC error body with id null (or `id`) and the given HTTP status.
net::Response rpc_error(const net::Request& req, unsigned status, std::int64_t code, std::string_view message,
                        const json::value& id = nullptr, const json::value& data = nullptr);
net::ResponseHead sse_head(const net::Request& req);

}  // namespace gatehouse::sdk::httpu
