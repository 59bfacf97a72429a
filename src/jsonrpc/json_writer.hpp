// The JSON text of a Boost.JSON value, appended to a string: the same bytes as
// boost::json::serialize (its escapes, its number formats, members in order, no spaces).
//
// Written here because Boost 1.81's serializer is slow on exactly what a gateway relays:
// long strings. After the first character that needs an escape it copies the rest of the
// string one character at a time through its resumable state machine, and serialize()
// grows its output by zero-filling resizes. A relayed tools/call with a 32 KB argument
// spent ~940k instructions per request there (two serializations: the request upstream,
// the answer to the client), over half of the gateway's whole cost. Here clean runs are
// found 16 bytes at a time and appended at once, and the output is reserved up front.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace gatehouse::jsonrpc {

void append_json(std::string& out, const boost::json::object& o);
// A JSON string literal: quotes and escapes added.
void append_json_string(std::string& out, std::string_view s);

std::string to_json(const boost::json::value& v);
std::string to_json(const boost::json::object& o);

}  // namespace gatehouse::jsonrpc
