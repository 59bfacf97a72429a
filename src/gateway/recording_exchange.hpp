// An Exchange that forwards to the real one and notes what was answered (status, bytes,
// an issued session id), so the request's record is complete when the handler returns.
#pragma once

#include <atomic>
#include <cstdint>

#include "gateway/request_record.hpp"
#include "net/http_server.hpp"

namespace gatehouse::gateway {

// SSE answers open right now in this process (the streams gauge).
inline std::atomic<std::int64_t>& open_streams() {
  static std::atomic<std::int64_t> n{0};
  return n;
}

class RecordingExchange final : public net::Exchange {
 public:
  RecordingExchange(net::Exchange& inner, RequestRecord& record) : inner_(inner), record_(record) {}
  ~RecordingExchange() override {
    if (record_.streamed) open_streams().fetch_sub(1, std::memory_order_relaxed);
  }
  RecordingExchange(const RecordingExchange&) = delete;
  RecordingExchange& operator=(const RecordingExchange&) = delete;

  const net::Request& request() const override { return inner_.request(); }
  const asio::ip::tcp::endpoint& remote() const override { return inner_.remote(); }
  asio::any_io_executor executor() const override { return inner_.executor(); }

  asio::awaitable<bool> respond(net::Response response) override {
    note_head(response.result_int(), response.base());
    record_.bytes_out += response.body().size();
    return inner_.respond(std::move(response));
  }
  asio::awaitable<bool> begin_stream(net::ResponseHead head) override {
    note_head(head.result_int(), head);
    if (!record_.streamed) open_streams().fetch_add(1, std::memory_order_relaxed);
    record_.streamed = true;
    return inner_.begin_stream(std::move(head));
  }
  asio::awaitable<bool> write_chunk(std::string_view data) override {
    record_.bytes_out += data.size();
    return inner_.write_chunk(data);
  }
  asio::awaitable<void> end_stream() override { return inner_.end_stream(); }
  asio::awaitable<void> finish_stream(std::string_view last) override {
    record_.bytes_out += last.size();
    return inner_.finish_stream(last);
  }
  asio::awaitable<void> wait_peer_closed() override { return inner_.wait_peer_closed(); }
  bool peer_closed() const override { return inner_.peer_closed(); }
  SSL* tls_session() const override { return inner_.tls_session(); }

 private:
  void note_head(int status, const net::ResponseHead& head) {
    record_.status = status;
    if (record_.session.empty())
      if (auto it = head.find("Mcp-Session-Id"); it != head.end()) record_.session = std::string(it->value());
  }

  net::Exchange& inner_;
  RequestRecord& record_;
};

}  // namespace gatehouse::gateway
