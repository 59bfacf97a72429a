// Serves OpenFGA's HTTP API on the admin listener under /fga/ over the current snapshot's
// fga route stores (admin.fga_api). The admin handler is built once; a reload swaps the
// stores, the token and whether the API is on, as EdgeHolder swaps the edge.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "config/types.hpp"
#include "fga/api_handler.hpp"
#include "net/http_server.hpp"

namespace gatehouse::app {

class FgaApiHolder : public std::enable_shared_from_this<FgaApiHolder> {
 public:
  FgaApiHolder();

  // The snapshot's settings and stores (at start and on every applied reload).
  void update(const config::Config& config, std::vector<fga::FixedStore> stores);

  // `/fga` and `/fga/...` go to the API while it is enabled; everything else to `admin`.
  net::Handler wrap(net::Handler admin);

  static constexpr std::string_view kPrefix = "/fga";

 private:
  std::shared_ptr<fga::ApiState> state_;
  net::Handler api_;
  std::atomic<bool> enabled_{false};
};

}  // namespace gatehouse::app
