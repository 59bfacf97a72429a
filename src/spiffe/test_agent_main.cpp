// spiffe_test_agent: a SPIFFE Workload API test server (built from the public definition,
// see test_agent.hpp) for the integration tests. It serves the SVID and bundles read from PEM
// files and pushes new ones on every open stream on SIGHUP or when the files change.
//
//   spiffe_test_agent --socket /tmp/agent.sock --spiffe-id spiffe://example.org/gw
//       --cert svid.pem --key svid.key --bundle bundle.pem
//       [--federated other.org=other.pem]... [--jwks example.org=jwks.json]...
//
// Prints "ready" on stdout once listening; stops on SIGTERM/SIGINT.
#include <sys/stat.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "spiffe/test_agent.hpp"

using gatehouse::spiffe::testing::AgentMaterial;
using gatehouse::spiffe::testing::TestAgent;

namespace {

std::atomic<bool> hup{false};
std::atomic<bool> quit{false};

struct Args {
  std::string socket, spiffe_id, cert, key, bundle;
  std::map<std::string, std::string> federated, jwks;  // trust domain -> file
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return path + ":missing;";
  return path + ":" + std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + ";";
}

std::string fingerprint(const Args& a) {
  std::string out = identity(a.cert) + identity(a.key) + identity(a.bundle);
  for (const auto& [d, f] : a.federated) out += identity(f);
  for (const auto& [d, f] : a.jwks) out += identity(f);
  return out;
}

AgentMaterial load(const Args& a) {
  AgentMaterial m{a.spiffe_id, read_file(a.cert), read_file(a.key), read_file(a.bundle), {}, {}};
  for (const auto& [d, f] : a.federated) m.federated_pem[d] = read_file(f);
  for (const auto& [d, f] : a.jwks) m.jwks[d] = read_file(f);
  return m;
}

bool parse(int argc, char** argv, Args& a) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    auto pair = [&](std::map<std::string, std::string>& into) {
      auto eq = v.find('=');
      if (eq == std::string::npos) return false;
      into[v.substr(0, eq)] = v.substr(eq + 1);
      return true;
    };
    if (k == "--socket") a.socket = v;
    else if (k == "--spiffe-id") a.spiffe_id = v;
    else if (k == "--cert") a.cert = v;
    else if (k == "--key") a.key = v;
    else if (k == "--bundle") a.bundle = v;
    else if (k == "--federated") { if (!pair(a.federated)) return false; }
    else if (k == "--jwks") { if (!pair(a.jwks)) return false; }
    else return false;
  }
  return (argc % 2) == 1 && !a.socket.empty() && !a.spiffe_id.empty() && !a.cert.empty() && !a.key.empty() &&
         !a.bundle.empty();
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parse(argc, argv, args)) {
    std::cerr << "usage: spiffe_test_agent --socket PATH --spiffe-id ID --cert PEM --key PEM --bundle PEM "
                 "[--federated TD=PEM]... [--jwks TD=JSON]...\n";
    return 2;
  }
  std::signal(SIGHUP, [](int) { hup = true; });
  std::signal(SIGTERM, [](int) { quit = true; });
  std::signal(SIGINT, [](int) { quit = true; });
  std::string seen = fingerprint(args);
  auto agent = TestAgent::start(args.socket, load(args));
  if (!agent) {
    std::cerr << "spiffe_test_agent: " << agent.error().message << "\n";
    return 1;
  }
  std::cout << "ready" << std::endl;
  while (!quit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::string now = fingerprint(args);
    if (!hup.exchange(false) && now == seen) continue;
    seen = now;
    if (auto s = (*agent)->update(load(args)); !s)
      std::cerr << "spiffe_test_agent: update refused: " << s.error().message << std::endl;
    else
      std::cout << "updated" << std::endl;
  }
  (*agent)->stop();
  return 0;
}
