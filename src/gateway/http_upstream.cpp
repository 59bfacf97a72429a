#include "gateway/http_upstream.hpp"

namespace gatehouse::gateway {

// Until the HTTP client lands, HTTP targets are unavailable.
std::shared_ptr<Upstream> make_http_upstream(asio::any_io_executor, std::string, const HttpTarget&) {
  return nullptr;
}

}  // namespace gatehouse::gateway
