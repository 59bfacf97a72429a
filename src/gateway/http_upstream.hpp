// Streamable HTTP targets (both eras): requests POSTed, answers read as JSON or as an SSE
// stream relayed message by message, the upstream session id kept per downstream session.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <string>

#include "gateway/gateway_config.hpp"
#include "gateway/upstream.hpp"

namespace gatehouse::gateway {

std::shared_ptr<Upstream> make_http_upstream(asio::any_io_executor ex, std::string target,
                                             const HttpTarget& spec);

}  // namespace gatehouse::gateway
