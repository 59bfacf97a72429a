// Server-Sent Events (text/event-stream): a formatter for the events the gateway sends and
// an incremental parser, per the WHATWG HTML "event stream interpretation", for the events
// upstream servers send. Bytes arrive in arbitrary pieces; events come out whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace gatehouse::net {

struct SseEvent {
  std::string event;                  // the "event" field; empty means "message"
  std::string data;                   // data lines joined with '\n'
  std::optional<std::string> id;      // set when this event carried an id field
  std::optional<std::uint64_t> retry; // set when this event carried a valid retry field

  bool operator==(const SseEvent&) const = default;
};

// The wire form of one event: id, event, retry, then one "data:" line per line of data
// (CR, LF and CRLF all split), then the blank line. CR/LF in id and event, and NUL in id,
// cannot be represented and are dropped.
std::string format_sse(const SseEvent& event);
// A comment line (ignored by parsers): keeps idle streams alive through intermediaries.
std::string format_sse_comment(std::string_view text);

class SseParser {
 public:
  static constexpr std::size_t kDefaultMaxEventBytes = 4 * 1024 * 1024;

  explicit SseParser(std::size_t max_event_bytes = kDefaultMaxEventBytes) : max_event_bytes_(max_event_bytes) {}

  // Consumes `bytes` and appends every event they complete to `out`. An event (or a line)
  // larger than the limit is an error (payload_too_large); the parser is unusable after one.
  Status feed(std::string_view bytes, std::vector<SseEvent>& out);

  // The last id seen (persists across events, per the spec; for Last-Event-ID on reconnect).
  const std::string& last_event_id() const { return last_event_id_; }
  // The last valid reconnection time in milliseconds, if any.
  std::optional<std::uint64_t> retry() const { return retry_; }

 private:
  void process_line(std::string_view line, std::vector<SseEvent>& out);
  void dispatch(std::vector<SseEvent>& out);
  std::size_t pending_bytes() const { return line_.size() + data_.size() + event_.size(); }

  std::size_t max_event_bytes_;
  bool started_ = false;      // the optional BOM has been dealt with
  bool after_cr_ = false;     // the last byte was CR: a following LF belongs to it
  bool failed_ = false;
  std::string line_;          // partial line carried across feeds
  std::string data_;          // data buffer (each line followed by '\n')
  std::string event_;
  std::optional<std::string> id_;
  std::optional<std::uint64_t> event_retry_;
  std::string last_event_id_;
  std::optional<std::uint64_t> retry_;
};

}  // namespace gatehouse::net
