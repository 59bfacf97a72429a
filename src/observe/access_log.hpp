// The access log: one JSON line per request with the MCP fields a reviewer needs (who
// called which tool on which target, what was decided and by which rule, how long it took,
// the trace to look at). Request headers are logged only if allow-listed, credentials
// never, and every string passes the secret scrubber.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <string>
#include <utility>
#include <vector>

#include "observe/log_sink.hpp"

namespace gatehouse::observe {

struct AccessRecord {
  std::chrono::system_clock::time_point time = std::chrono::system_clock::now();
  std::string route;       // the configured route that served it
  std::string method;      // HTTP method
  std::string mcp_method;  // JSON-RPC method, e.g. tools/call
  std::string target;      // upstream server name
  std::string tool;        // tool, prompt or resource named by the call
  std::string session;     // raw session id: logged as session_tag() only
  std::string principal;   // authenticated subject
  std::string decision;    // allow / deny / limited / error
  std::string rule;        // the rule or policy that decided
  std::string error;       // log reason of a failure, e.g. jwt.expired
  int status = 0;          // HTTP status
  double latency_ms = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::string trace_id;
  std::string remote;      // peer address:port
  std::vector<std::pair<std::string, std::string>> headers;  // request headers, filtered on write
};

// The same fields as views, for a caller that holds them elsewhere (the gateway's request
// record) and need not copy them into an AccessRecord. Valid during format()/write().
struct AccessView {
  std::chrono::system_clock::time_point time = std::chrono::system_clock::now();
  std::string_view route, method, mcp_method, target, tool, session, principal, decision, rule, error;
  int status = 0;
  double latency_ms = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::string_view trace_id, remote;
  std::span<const std::pair<std::string_view, std::string_view>> headers;  // filtered on write
};

struct AccessLogOptions {
  // Lower-case header names worth logging. Credential headers (authorization, cookie,
  // proxy-authorization, x-api-key, mcp-session-id...) are refused even if listed here.
  std::vector<std::string> header_allow_list = {"user-agent", "content-type", "accept",
                                                "mcp-protocol-version", "x-request-id", "origin"};
};

// RFC 3339 UTC with milliseconds: 2026-11-22T21:08:21.123Z
std::string format_time(std::chrono::system_clock::time_point t);

class AccessLog {
 public:
  AccessLog(std::shared_ptr<LogSink> sink, AccessLogOptions options = {});

  // The JSON line (no newline). Empty string fields are left out.
  std::string format(const AccessRecord& record) const;
  std::string format_view(const AccessView& view) const;  // named apart: {...} stays unambiguous
  void write(const AccessRecord& record) { sink_->write_line(format(record)); }
  void write_view(const AccessView& view) { sink_->write_line(format_view(view)); }
  // Whether a request header with this name (any case) can appear in a line: callers may
  // leave the others out of the record instead of copying them.
  bool header_allowed(std::string_view name) const;

 private:
  const std::string* allowed_entry(std::string_view name) const;  // its allow-list entry, or null
  std::shared_ptr<LogSink> sink_;
  AccessLogOptions options_;
};

// Header names that are never logged, whatever the allow list says.
bool is_credential_header(std::string_view lower_name);

// A small ordered JSON object writer for log lines (fields in the order written, values
// escaped, strings scrubbed), shared by the access and audit logs.
class JsonLine {
 public:
  JsonLine() { out_ = "{"; }
  // `reserve`: the expected line length, so the line is not regrown field by field.
  explicit JsonLine(std::size_t reserve) {
    out_.reserve(reserve);
    out_ = "{";
  }
  JsonLine& str(std::string_view key, std::string_view value, bool omit_empty = true);
  JsonLine& raw_str(std::string_view key, std::string_view value);  // not scrubbed: our own tokens
  JsonLine& num(std::string_view key, std::int64_t value);
  JsonLine& num(std::string_view key, double value);
  JsonLine& begin_object(std::string_view key);
  JsonLine& end_object();
  std::string done() { out_ += '}'; return std::move(out_); }

 private:
  void key(std::string_view k);
  std::string out_;
  bool first_ = true;
};

}  // namespace gatehouse::observe
