#include "bench/loadgen/mcp_request.hpp"

namespace gatehouse::bench {

namespace http = boost::beast::http;

std::string request_body(const LoadOptions& o, std::uint64_t id) {
  std::string params;
  if (o.method == "tools/call") {
    params = R"("name":")" + o.tool + R"(","arguments":{"text":")" + std::string(o.payload_bytes, 'x') + "\"}";
  }
  std::string meta;
  if (o.progress) meta = R"("progressToken":)" + std::to_string(id);
  if (o.era == Era::modern) {
    meta += std::string(meta.empty() ? "" : ",") + R"("io.modelcontextprotocol/protocolVersion":")" + kModernVersion +
            R"(","io.modelcontextprotocol/clientInfo":{"name":"gatehouse-loadgen","version":"1"},)"
            R"("io.modelcontextprotocol/clientCapabilities":{})";
  }
  if (!meta.empty()) params += (params.empty() ? "" : ",") + std::string(R"("_meta":{)") + meta + "}";
  return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":")" + o.method + R"(","params":{)" +
         params + "}}";
}

Request make_request(const LoadOptions& o, std::string body, const std::string& session, std::string_view method) {
  Request req{http::verb::post, o.path, 11};
  req.set(http::field::host, o.host + ":" + std::to_string(o.port));
  req.set(http::field::content_type, "application/json");
  req.set(http::field::accept, "application/json, text/event-stream");
  if (o.new_connection) req.set(http::field::connection, "close");
  if (!o.bearer.empty()) req.set(http::field::authorization, "Bearer " + o.bearer);
  if (o.era == Era::modern) {
    req.set("MCP-Protocol-Version", kModernVersion);
    req.set("Mcp-Method", method);
    if (method == "tools/call") req.set("Mcp-Name", o.tool);
  } else {
    req.set("MCP-Protocol-Version", kLegacyVersion);
    if (!session.empty()) req.set("Mcp-Session-Id", session);
  }
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

Request make_delete(const LoadOptions& o, const std::string& session) {
  Request req{http::verb::delete_, o.path, 11};
  req.set(http::field::host, o.host + ":" + std::to_string(o.port));
  if (o.new_connection) req.set(http::field::connection, "close");
  if (!o.bearer.empty()) req.set(http::field::authorization, "Bearer " + o.bearer);
  req.set("MCP-Protocol-Version", kLegacyVersion);
  req.set("Mcp-Session-Id", session);
  req.prepare_payload();
  return req;
}

bool is_deleted(const Response& res) { return res.result_int() >= 200 && res.result_int() < 300; }

bool is_success(const Response& res) {
  if (res.result() != http::status::ok && res.result() != http::status::accepted) return false;
  const auto& b = res.body();
  return b.find("\"result\"") != std::string::npos && b.find("\"error\"") == std::string::npos;
}

}  // namespace gatehouse::bench
