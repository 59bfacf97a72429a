// Fuzz target: arbitrary bytes as a session id must be rejected without crashing, and the
// plain-state decoder must accept or reject any bytes cleanly. The other gateway parsers of
// client-supplied strings (list cursors, wrapped request ids, event ids) ride along.
#include <cstdint>
#include <string_view>

#include <boost/json/value.hpp>

#include "gateway/merge.hpp"
#include "gateway/naming.hpp"
#include "gateway/session_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gatehouse::gateway;
  static const SessionCodec codec = SessionCodec::create("fuzz secret");
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)codec.unseal(in, 0);
  if (auto s = decode_session_state(in)) {
    // What decodes must re-encode to the same bytes (the format has one encoding).
    if (encode_session_state(*s) != in) __builtin_trap();
  }
  if (auto raw = base64url_decode(in)) {
    if (base64url_encode(*raw) != in) __builtin_trap();
  }
  (void)decode_list_cursor(in);
  (void)unwrap_request_id(boost::json::value(in));
  (void)unwrap_event_id(in);
  return 0;
}
