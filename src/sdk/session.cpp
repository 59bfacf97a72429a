#include "sdk/session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include <array>

#include "jsonrpc/message.hpp"

namespace gatehouse::sdk {

namespace {
std::string key(const json::value& id) { return json::serialize(id); }
}  // namespace

std::optional<int> log_level_index(std::string_view level) {
  static constexpr std::array<std::string_view, 8> kLevels = {
      "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};
  for (std::size_t i = 0; i < kLevels.size(); ++i) {
    if (kLevels[i] == level) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::shared_ptr<InFlight> Session::begin_request(const json::value& id) {
  auto state = std::make_shared<InFlight>();
  in_flight_[key(id)] = state;
  return state;
}

void Session::end_request(const json::value& id) { in_flight_.erase(key(id)); }

void Session::cancel(const json::value& id) {
  if (auto it = in_flight_.find(key(id)); it != in_flight_.end()) it->second->cancelled = true;
}

asio::awaitable<Result<json::value>> Session::request(Outbound& out, std::string_view method,
                                                      json::object params,
                                                      std::chrono::milliseconds timeout) {
  if (closed_) co_return fail(Errc::unavailable, "session closed");
  json::value id = ++next_id_;
  auto pending = std::make_shared<Pending>(ex_);
  pending_[key(id)] = pending;
  out.send(jsonrpc::request(id, method, std::move(params)));
  pending->timer.expires_after(timeout);
  co_await pending->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  pending_.erase(key(id));
  if (!pending->answer) co_return fail(Errc::timeout, "the client did not answer " + std::string(method));
  co_return std::move(*pending->answer);
}

bool Session::resolve(const json::value& id, Result<json::value> answer) {
  auto it = pending_.find(key(id));
  if (it == pending_.end()) return false;
  it->second->answer = std::move(answer);
  it->second->timer.cancel();
  return true;
}

void Session::close() {
  closed_ = true;
  for (auto& [k, p] : pending_) {
    if (!p->answer) p->answer = Result<json::value>(fail(Errc::unavailable, "session closed"));
    p->timer.cancel();
  }
  for (auto& [k, f] : in_flight_) f->cancelled = true;
}

}  // namespace gatehouse::sdk
