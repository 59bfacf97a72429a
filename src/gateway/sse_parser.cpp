#include "gateway/sse_parser.hpp"

namespace gatehouse::gateway {

bool SseParser::feed(std::string_view bytes, std::vector<SseEvent>& out) {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (skip_lf_) {
      skip_lf_ = false;
      if (c == '\n') continue;
    }
    if (c == '\r' || c == '\n') {
      skip_lf_ = c == '\r';
      line(pending_, out);
      pending_.clear();
      continue;
    }
    pending_.push_back(c);
    if (pending_.size() + current_.data.size() > max_) return false;
  }
  return true;
}

void SseParser::line(std::string_view line, std::vector<SseEvent>& out) {
  if (line.empty()) {
    if (has_data_) {
      if (current_.event.empty()) current_.event = "message";
      out.push_back(std::move(current_));
    }
    current_ = SseEvent{};
    has_data_ = false;
    return;
  }
  if (line.front() == ':') return;  // comment (keep-alive)
  auto colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (field == "data") {
    if (has_data_) current_.data.push_back('\n');
    current_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    current_.event = value;
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) {
      current_.id = value;
      last_id_ = value;
    }
  } else if (field == "retry") {
    // Only ASCII digits count (WHATWG); absurd values are ignored rather than passed on.
    std::uint64_t ms = 0;
    bool digits = !value.empty() && value.size() <= 9;
    for (char c : value) digits = digits && c >= '0' && c <= '9';
    if (digits) {
      for (char c : value) ms = ms * 10 + static_cast<std::uint64_t>(c - '0');
      retry_ms_ = ms;
    }
  }
  // unknown fields: ignored
}

}  // namespace gatehouse::gateway
