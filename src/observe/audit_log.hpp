// The audit log: one JSON line per authorization decision, written to its own sink so it
// can be kept, shipped and protected apart from the (much noisier) access log. Records say
// who asked to do what on which target, the decision, and the policy and rule that made it.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "observe/log_sink.hpp"

namespace gatehouse::observe {

struct AuditRecord {
  std::chrono::system_clock::time_point time = std::chrono::system_clock::now();
  std::string principal;  // subject of the identity
  std::string client;     // OAuth client id, if any
  std::string action;     // MCP method, e.g. tools/call
  std::string target;     // upstream server
  std::string resource;   // tool, prompt or resource uri
  std::string decision;   // allow / deny
  std::string policy;     // which policy kind decided (cel, fga, ratelimit...)
  std::string rule;       // the rule's name or index
  std::string reason;     // machine reason, e.g. fga.no_relation
  std::string session;    // raw session id: logged as session_tag() only
  std::string trace_id;
  std::string remote;
  std::vector<std::pair<std::string, std::string>> details;  // extra context (scrubbed)
};

class AuditLog {
 public:
  explicit AuditLog(std::shared_ptr<LogSink> sink) : sink_(std::move(sink)) {}

  std::string format(const AuditRecord& record) const;
  void write(const AuditRecord& record) { sink_->write_line(format(record)); }
  LogSink& sink() { return *sink_; }

 private:
  std::shared_ptr<LogSink> sink_;
};

}  // namespace gatehouse::observe
