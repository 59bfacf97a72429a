#include "spiffe/test_agent.hpp"

#include <grpcpp/grpcpp.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "workload.grpc.pb.h"

namespace gatehouse::spiffe::testing {

namespace {

Unexpected bad(const std::string& what) { return fail(Errc::invalid_config, what, "spiffe.test_agent"); }

Result<std::string> pem_certificates_to_der(const std::string& pem, const char* what) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  std::string out;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    unsigned char* der = nullptr;
    int n = i2d_X509(cert, &der);
    if (n > 0) out.append(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
    OPENSSL_free(der);
    X509_free(cert);
  }
  BIO_free(bio);
  if (out.empty()) return bad(std::string("no certificate in ") + what);
  return out;
}

Result<std::string> pem_key_to_pkcs8(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!key) return bad("no private key in the key PEM");
  PKCS8_PRIV_KEY_INFO* info = EVP_PKEY2PKCS8(key);
  EVP_PKEY_free(key);
  unsigned char* der = nullptr;
  int n = info ? i2d_PKCS8_PRIV_KEY_INFO(info, &der) : -1;
  PKCS8_PRIV_KEY_INFO_free(info);
  if (n <= 0) return bad("cannot encode the key as PKCS#8");
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  return out;
}

std::string trust_domain_of(const std::string& spiffe_id) {
  auto rest = spiffe_id.substr(9);
  return rest.substr(0, rest.find('/'));
}

// The wire messages, built once per update.
struct Messages {
  X509SVIDResponse svid;
  X509BundlesResponse bundles;
  JWTBundlesResponse jwt;
};

Result<Messages> build(const AgentMaterial& m) {
  if (!m.spiffe_id.starts_with("spiffe://")) return bad("spiffe_id must start with spiffe://");
  Messages out;
  GH_TRY(auto chain, pem_certificates_to_der(m.chain_pem, "the SVID chain"));
  GH_TRY(auto key, pem_key_to_pkcs8(m.key_pem));
  GH_TRY(auto bundle, pem_certificates_to_der(m.bundle_pem, "the bundle"));
  auto* svid = out.svid.add_svids();
  svid->set_spiffe_id(m.spiffe_id);
  svid->set_x509_svid(chain);
  svid->set_x509_svid_key(key);
  svid->set_bundle(bundle);
  (*out.bundles.mutable_bundles())["spiffe://" + trust_domain_of(m.spiffe_id)] = bundle;
  for (const auto& [domain, pem] : m.federated_pem) {
    GH_TRY(auto der, pem_certificates_to_der(pem, "a federated bundle"));
    (*out.svid.mutable_federated_bundles())["spiffe://" + domain] = der;
    (*out.bundles.mutable_bundles())["spiffe://" + domain] = der;
  }
  for (const auto& [domain, jwks] : m.jwks) (*out.jwt.mutable_bundles())["spiffe://" + domain] = jwks;
  return out;
}

}  // namespace

struct TestAgent::Impl final : SpiffeWorkloadAPI::Service {
  std::unique_ptr<grpc::Server> server;
  std::string path;
  std::mutex mu;
  std::condition_variable changed;
  std::shared_ptr<const Messages> current;  // guarded by mu
  std::uint64_t generation = 0;             // guarded by mu
  bool stopping = false;
  std::atomic<std::uint64_t> refused{0};
  std::atomic<std::uint64_t> opened{0};

  // The spec: a request without the header is refused with InvalidArgument.
  bool allowed(grpc::ServerContext* ctx) {
    auto it = ctx->client_metadata().find("workload.spiffe.io");
    if (it != ctx->client_metadata().end() && it->second == "true") return true;
    refused.fetch_add(1);
    return false;
  }

  // Sends the current message, then each new one, until the client goes or the agent stops.
  template <typename Response, typename Pick>
  grpc::Status stream(grpc::ServerContext* ctx, grpc::ServerWriter<Response>* writer, Pick pick) {
    if (!allowed(ctx)) return {grpc::StatusCode::INVALID_ARGUMENT, "security header missing from request"};
    opened.fetch_add(1);
    std::uint64_t sent = 0;
    std::unique_lock lock(mu);
    while (!stopping && !ctx->IsCancelled()) {
      if (sent != generation) {
        sent = generation;
        Response msg = pick(*current);
        lock.unlock();
        if (!writer->Write(msg)) return grpc::Status::CANCELLED;
        lock.lock();
        continue;
      }
      changed.wait_for(lock, std::chrono::milliseconds(100));
    }
    return {grpc::StatusCode::UNAVAILABLE, "agent stopping"};
  }

  grpc::Status FetchX509SVID(grpc::ServerContext* ctx, const X509SVIDRequest*,
                             grpc::ServerWriter<X509SVIDResponse>* writer) override {
    return stream(ctx, writer, [](const Messages& m) { return m.svid; });
  }
  grpc::Status FetchX509Bundles(grpc::ServerContext* ctx, const X509BundlesRequest*,
                                grpc::ServerWriter<X509BundlesResponse>* writer) override {
    return stream(ctx, writer, [](const Messages& m) { return m.bundles; });
  }
  grpc::Status FetchJWTBundles(grpc::ServerContext* ctx, const JWTBundlesRequest*,
                               grpc::ServerWriter<JWTBundlesResponse>* writer) override {
    return stream(ctx, writer, [](const Messages& m) { return m.jwt; });
  }
  grpc::Status FetchJWTSVID(grpc::ServerContext* ctx, const JWTSVIDRequest*, JWTSVIDResponse*) override {
    if (!allowed(ctx)) return {grpc::StatusCode::INVALID_ARGUMENT, "security header missing from request"};
    return {grpc::StatusCode::UNIMPLEMENTED, "the test agent issues no JWT-SVIDs"};
  }
  grpc::Status ValidateJWTSVID(grpc::ServerContext* ctx, const ValidateJWTSVIDRequest*,
                               ValidateJWTSVIDResponse*) override {
    if (!allowed(ctx)) return {grpc::StatusCode::INVALID_ARGUMENT, "security header missing from request"};
    return {grpc::StatusCode::UNIMPLEMENTED, "the test agent validates no JWT-SVIDs"};
  }
};

TestAgent::TestAgent(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TestAgent::~TestAgent() { stop(); }

Result<std::unique_ptr<TestAgent>> TestAgent::start(const std::string& path, const AgentMaterial& material) {
  auto impl = std::make_unique<Impl>();
  GH_TRY(auto messages, build(material));
  impl->current = std::make_shared<const Messages>(std::move(messages));
  impl->generation = 1;
  impl->path = path;
  ::unlink(path.c_str());
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix://" + path, grpc::InsecureServerCredentials());
  builder.RegisterService(impl.get());
  impl->server = builder.BuildAndStart();
  if (!impl->server) return bad("cannot listen on unix://" + path);
  return std::unique_ptr<TestAgent>(new TestAgent(std::move(impl)));
}

Status TestAgent::update(const AgentMaterial& material) {
  GH_TRY(auto messages, build(material));
  {
    std::lock_guard lock(impl_->mu);
    impl_->current = std::make_shared<const Messages>(std::move(messages));
    ++impl_->generation;
  }
  impl_->changed.notify_all();
  return {};
}

void TestAgent::stop() {
  if (!impl_ || !impl_->server) return;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->changed.notify_all();
  impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  impl_->server->Wait();
  impl_->server.reset();
  ::unlink(impl_->path.c_str());
}

std::uint64_t TestAgent::refused() const { return impl_->refused.load(); }
std::uint64_t TestAgent::streams_opened() const { return impl_->opened.load(); }

}  // namespace gatehouse::spiffe::testing
