// Incremental parser for text/event-stream bodies from upstream targets (the WHATWG
// EventSource rules that matter here: data/id/event fields, comments, any line ending,
// events split across reads). Bounded: an event larger than the limit is an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::gateway {

struct SseEvent {
  std::string event;  // "message" when absent
  std::string data;   // data lines joined with '\n'
  std::string id;
};

class SseParser {
 public:
  explicit SseParser(std::size_t max_event_bytes = 16 * 1024 * 1024) : max_(max_event_bytes) {}

  // Feeds bytes; complete events are appended to `out`. false: an event exceeded the limit
  // (the stream must be dropped).
  bool feed(std::string_view bytes, std::vector<SseEvent>& out);
  // The last id seen (the stream's Last-Event-ID).
  const std::string& last_id() const { return last_id_; }
  // The last valid retry field (milliseconds; 0 = none seen), to pass on to the client.
  std::uint64_t retry_ms() const { return retry_ms_; }

 private:
  void line(std::string_view line, std::vector<SseEvent>& out);

  std::size_t max_;
  std::string pending_;  // an incomplete line
  bool skip_lf_ = false; // the previous chunk ended with '\r'
  SseEvent current_;
  bool has_data_ = false;
  std::string last_id_;
  std::uint64_t retry_ms_ = 0;
};

}  // namespace gatehouse::gateway
