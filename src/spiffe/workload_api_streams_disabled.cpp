// WorkloadApiClient built without gRPC (libgrpc++-dev absent at configure time): the
// configuration still loads, and a listener that needs the Workload API fails with this error.
#include "spiffe/workload_api_client.hpp"

namespace gatehouse::spiffe {

struct WorkloadApiClient::Streams {};

WorkloadApiClient::~WorkloadApiClient() = default;

Status WorkloadApiClient::start() {
  return fail(Errc::invalid_config,
              "this gatehouse was built without gRPC: the SPIFFE Workload API is not available "
              "(install libgrpc++-dev protobuf-compiler-grpc and rebuild)",
              "spiffe.unavailable");
}

void WorkloadApiClient::stop() {}

}  // namespace gatehouse::spiffe
