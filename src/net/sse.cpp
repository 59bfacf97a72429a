// SSE formatting and the incremental event-stream parser.
#include "net/sse.hpp"

#include <algorithm>
#include <limits>

namespace gatehouse::net {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// CR and LF would end the line; NUL makes a parser ignore an id (not other fields).
void append_clean(std::string& out, std::string_view text, bool drop_nul) {
  for (char c : text)
    if (c != '\r' && c != '\n' && !(drop_nul && c == '\0')) out.push_back(c);
}

// Digits only, no sign, no spaces; values beyond 64 bits are ignored like any invalid one.
std::optional<std::uint64_t> parse_retry(std::string_view value) {
  if (value.empty()) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (n > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return std::nullopt;
    n = n * 10 + digit;
  }
  return n;
}

}  // namespace

std::string format_sse(const SseEvent& event) {
  std::string out;
  out.reserve(event.data.size() + event.event.size() + 32);
  if (event.id) {
    out += "id: ";
    append_clean(out, *event.id, true);
    out += '\n';
  }
  if (!event.event.empty()) {
    out += "event: ";
    append_clean(out, event.event, false);
    out += '\n';
  }
  if (event.retry) out += "retry: " + std::to_string(*event.retry) + "\n";
  std::string_view rest = event.data;
  for (;;) {
    const auto end = rest.find_first_of("\r\n");
    out += "data: ";
    out += rest.substr(0, end);
    out += '\n';
    if (end == std::string_view::npos) break;
    const bool crlf = rest[end] == '\r' && end + 1 < rest.size() && rest[end + 1] == '\n';
    rest.remove_prefix(end + (crlf ? 2 : 1));
  }
  out += '\n';
  return out;
}

std::string format_sse_comment(std::string_view text) {
  std::string out = ": ";
  append_clean(out, text, false);
  out += "\n\n";
  return out;
}

Status SseParser::feed(std::string_view bytes, std::vector<SseEvent>& out) {
  if (failed_) return fail(Errc::internal, "SSE parser used after an error", "sse.failed");
  if (!started_) {
    // The BOM may arrive split over feeds: hold the first bytes until it is decided.
    line_.append(bytes);
    if (line_.size() < kBom.size() && kBom.starts_with(line_)) return {};
    started_ = true;
    std::string head = std::move(line_);
    line_.clear();
    std::string_view view = head;
    if (view.starts_with(kBom)) view.remove_prefix(kBom.size());
    return feed(view, out);
  }

  while (!bytes.empty()) {
    if (after_cr_) {
      after_cr_ = false;
      if (bytes.front() == '\n') {
        bytes.remove_prefix(1);
        continue;
      }
    }
    const auto end = bytes.find_first_of("\r\n");
    if (end == std::string_view::npos) {
      line_.append(bytes);
      break;
    }
    after_cr_ = bytes[end] == '\r';
    if (line_.empty()) {
      process_line(bytes.substr(0, end), out);
    } else {
      line_.append(bytes.substr(0, end));
      std::string line = std::move(line_);
      line_.clear();
      process_line(line, out);
    }
    bytes.remove_prefix(end + 1);
    if (pending_bytes() > max_event_bytes_) break;
  }
  if (pending_bytes() > max_event_bytes_) {
    failed_ = true;
    return fail(Errc::payload_too_large, "SSE event exceeds " + std::to_string(max_event_bytes_) + " bytes",
                "sse.event_too_large");
  }
  return {};
}

void SseParser::process_line(std::string_view line, std::vector<SseEvent>& out) {
  if (line.empty()) {
    dispatch(out);
    return;
  }
  if (line.front() == ':') return;  // comment
  std::string_view field = line;
  std::string_view value;
  if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    data_.append(value);
    data_.push_back('\n');
  } else if (field == "event") {
    event_.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) {
      last_event_id_.assign(value);
      id_ = last_event_id_;
    }
  } else if (field == "retry") {
    if (auto ms = parse_retry(value)) {
      retry_ = ms;
      event_retry_ = ms;
    }
  }
  // Any other field is ignored, as the spec says.
}

void SseParser::dispatch(std::vector<SseEvent>& out) {
  if (!data_.empty()) {
    data_.pop_back();  // the '\n' after the last data line
    out.push_back(SseEvent{std::move(event_), std::move(data_), std::move(id_), event_retry_});
  }
  data_.clear();
  event_.clear();
  id_.reset();
  event_retry_.reset();
}

}  // namespace gatehouse::net
