#include "jsonrpc/message.hpp"

#include <boost/json/parse.hpp>

#include "jsonrpc/json_writer.hpp"

namespace gatehouse::jsonrpc {

namespace {

bool valid_id(const json::value& id) { return id.is_string() || id.is_int64() || id.is_uint64(); }

Unexpected invalid(std::string msg) {
  return fail(Errc::invalid_request, std::move(msg), "jsonrpc.invalid_request");
}

}  // namespace

const json::object& Message::params_object() const {
  static const json::object kEmpty;
  return params.is_object() ? params.get_object() : kEmpty;
}

Result<Message> parse(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return fail(Errc::parse_error, "Parse error: " + ec.message(), "jsonrpc.parse_error");
  return from_value(v);
}

Result<Message> from_value(const json::value& v) {
  if (v.is_array()) return invalid("Invalid Request: batches are not supported");
  if (!v.is_object()) return invalid("Invalid Request: not a JSON object");
  const auto& o = v.get_object();
  const auto* version = o.if_contains("jsonrpc");
  if (!version || !version->is_string() || version->get_string() != "2.0") {
    return invalid("Invalid Request: jsonrpc must be \"2.0\"");
  }
  Message m;
  const auto* id = o.if_contains("id");
  const auto* method = o.if_contains("method");
  if (id && !valid_id(*id) && !(id->is_null() && !method)) {
    return invalid("Invalid Request: id must be a string or an integer");
  }
  if (method) {
    if (!method->is_string() || method->get_string().empty()) {
      return invalid("Invalid Request: method must be a non-empty string");
    }
    if (o.contains("result") || o.contains("error")) {
      return invalid("Invalid Request: a request cannot carry result or error");
    }
    m.method = std::string(method->get_string());
    if (const auto* p = o.if_contains("params")) {
      if (!p->is_object() && !p->is_array()) return invalid("Invalid Request: params must be structured");
      m.params = *p;
    }
    if (id) {
      m.kind = Kind::request;
      m.id = *id;
    } else {
      m.kind = Kind::notification;
    }
    return m;
  }
  const auto* result = o.if_contains("result");
  const auto* error = o.if_contains("error");
  if (!id) return invalid("Invalid Request: no method and no id");
  if ((result != nullptr) == (error != nullptr)) {
    return invalid("Invalid Request: a response carries exactly one of result and error");
  }
  m.id = *id;
  if (result) {
    if (id->is_null()) return invalid("Invalid Request: a result needs an id");
    m.kind = Kind::response;
    m.result = *result;
    return m;
  }
  if (!error->is_object()) return invalid("Invalid Request: error must be an object");
  const auto& e = error->get_object();
  const auto* code = e.if_contains("code");
  const auto* message = e.if_contains("message");
  if (!code || !(code->is_int64() || code->is_uint64()) || !message || !message->is_string()) {
    return invalid("Invalid Request: error needs an integer code and a string message");
  }
  m.kind = Kind::error;
  m.error = e;
  return m;
}

json::object to_object(const Message& m) {
  switch (m.kind) {
    case Kind::request: return request(m.id, m.method, m.params);
    case Kind::notification: return notification(m.method, m.params);
    case Kind::response: return response(m.id, m.result);
    case Kind::error: {
      json::object o;
      o["jsonrpc"] = "2.0";
      o["id"] = m.id;
      o["error"] = m.error;
      return o;
    }
  }
  return {};
}

std::string serialize(const Message& m) { return to_json(to_object(m)); }

json::object request(const json::value& id, std::string_view method, json::value params) {
  json::object o;
  o["jsonrpc"] = "2.0";
  o["id"] = id;
  o["method"] = method;
  if (!params.is_null()) o["params"] = std::move(params);
  return o;
}

json::object notification(std::string_view method, json::value params) {
  json::object o;
  o["jsonrpc"] = "2.0";
  o["method"] = method;
  if (!params.is_null()) o["params"] = std::move(params);
  return o;
}

json::object response(const json::value& id, json::value result) {
  json::object o;
  o["jsonrpc"] = "2.0";
  o["id"] = id;
  o["result"] = std::move(result);
  return o;
}

json::object error_response(const json::value& id, std::int64_t code, std::string_view message,
                            json::value data) {
  json::object e;
  e["code"] = code;
  e["message"] = message;
  if (!data.is_null()) e["data"] = std::move(data);
  json::object o;
  o["jsonrpc"] = "2.0";
  o["id"] = id;
  o["error"] = std::move(e);
  return o;
}

json::object error_response(const json::value& id, const Error& e) {
  return error_response(id, jsonrpc_code(e.code), e.message);
}

json::value id_of(const json::value& v) {
  if (!v.is_object()) return nullptr;
  const auto* id = v.get_object().if_contains("id");
  if (id && valid_id(*id)) return *id;
  return nullptr;
}

}  // namespace gatehouse::jsonrpc
