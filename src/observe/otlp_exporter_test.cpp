#include "observe/otlp_exporter.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <mutex>

#include "net/http_server.hpp"

namespace gatehouse::observe {
namespace {

namespace json = boost::json;
namespace asio = boost::asio;

Span sample_span() {
  Span s;
  s.context.trace_id = *[] { TraceId t{}; t[0] = 0xab; t[15] = 0x01; return std::optional(t); }();
  s.context.span_id = SpanId{1, 2, 3, 4, 5, 6, 7, 8};
  s.context.sampled = true;
  s.context.trace_state = "rojo=1";
  s.parent_id = SpanId{0, 0, 0, 0, 0, 0, 0, 9};
  s.name = "tools/call";
  s.kind = SpanKind::client;
  s.start_ns = 1'763'000'000'123'456'789ull;
  s.end_ns = 1'763'000'000'223'456'789ull;
  s.set("mcp.tool", "echo");
  s.set("http.status_code", 200);
  s.set("ratio", 0.5);
  s.set("cached", true);
  s.set_error("upstream said no");
  return s;
}

TEST(OtlpJson, EncodesEveryField) {
  OtlpOptions opts;
  opts.service_name = "gh";
  opts.service_version = "1.2";
  opts.resource_attributes.push_back({"host.name", std::string("box")});
  auto doc = json::parse(encode_otlp_json({sample_span()}, opts)).as_object();
  auto& rs = doc.at("resourceSpans").as_array().at(0).as_object();
  auto& rattrs = rs.at("resource").at("attributes").as_array();
  ASSERT_EQ(rattrs.size(), 3u);
  EXPECT_EQ(rattrs[0].at("key"), "service.name");
  EXPECT_EQ(rattrs[0].at("value").at("stringValue"), "gh");
  EXPECT_EQ(rattrs[1].at("value").at("stringValue"), "1.2");
  EXPECT_EQ(rattrs[2].at("key"), "host.name");
  auto& ss = rs.at("scopeSpans").as_array().at(0).as_object();
  EXPECT_EQ(ss.at("scope").at("name"), "gatehouse");
  auto& span = ss.at("spans").as_array().at(0).as_object();
  EXPECT_EQ(span.at("traceId"), "ab000000000000000000000000000001");
  EXPECT_EQ(span.at("spanId"), "0102030405060708");
  EXPECT_EQ(span.at("parentSpanId"), "0000000000000009");
  EXPECT_EQ(span.at("traceState"), "rojo=1");
  EXPECT_EQ(span.at("name"), "tools/call");
  EXPECT_EQ(span.at("kind"), 3);
  EXPECT_EQ(span.at("startTimeUnixNano"), "1763000000123456789");  // string: beyond 2^53
  EXPECT_EQ(span.at("endTimeUnixNano"), "1763000000223456789");
  auto& attrs = span.at("attributes").as_array();
  ASSERT_EQ(attrs.size(), 4u);
  EXPECT_EQ(attrs[0].at("value").at("stringValue"), "echo");
  EXPECT_EQ(attrs[1].at("value").at("intValue"), "200");
  EXPECT_EQ(attrs[2].at("value").at("doubleValue"), 0.5);
  EXPECT_EQ(attrs[3].at("value").at("boolValue"), true);
  EXPECT_EQ(span.at("status").at("code"), 2);
  EXPECT_EQ(span.at("status").at("message"), "upstream said no");
}

TEST(OtlpJson, RootSpanHasNoParentAndUnsetStatus) {
  Span s = sample_span();
  s.parent_id = {};
  s.status = SpanStatus::unset;
  s.status_message.clear();
  s.context.trace_state.clear();
  auto span = json::parse(encode_otlp_json({s}, {})).at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").at(0).as_object();
  EXPECT_FALSE(span.contains("parentSpanId"));
  EXPECT_FALSE(span.contains("traceState"));
  EXPECT_TRUE(span.at("status").as_object().empty());
}

TEST(OtlpExporter, RejectsBadUrl) {
  asio::io_context io;
  auto tracer_ptr = std::make_shared<Tracer>();
  EXPECT_FALSE(OtlpExporter::create(io.get_executor(), tracer_ptr, {.url = "ftp://x/v1/traces"}));
  EXPECT_FALSE(OtlpExporter::create(io.get_executor(), tracer_ptr, {.url = ""}));
}

// A collector on loopback that records what it receives.
struct Collector {
  std::mutex mutex;
  std::vector<std::string> bodies;
  std::vector<std::string> targets;
  int status = 200;
  std::unique_ptr<net::HttpServer> server;

  explicit Collector(asio::io_context& io) {
    auto s = net::HttpServer::create_on(io, {}, [this](net::Exchange& ex) -> asio::awaitable<void> {
      {
        std::lock_guard lock(mutex);
        bodies.push_back(ex.request().body());
        targets.push_back(std::string(ex.request().target()));
      }
      net::Response res{static_cast<net::http::status>(status), 11};
      res.set(net::http::field::content_type, "application/json");
      res.body() = "{}";
      co_await ex.respond(std::move(res));
    });
    EXPECT_TRUE(s);
    server = std::move(*s);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()) + "/v1/traces"; }
};

TEST(OtlpExporter, BatchesBySizeAndByTime) {
  asio::io_context io;
  Collector collector(io);
  Registry reg;
  auto& exported_metric = reg.counter("e_total", "e", {"outcome"});
  auto tracer_ptr = std::make_shared<Tracer>(TracerOptions{.queue_capacity = 100, .batch_size = 4});
  Tracer& tracer = *tracer_ptr;
  auto exporter = OtlpExporter::create(io.get_executor(), tracer_ptr,
                                       {.url = collector.url(), .max_batch = 4,
                                        .flush_interval = std::chrono::milliseconds(300),
                                        .exported_metric = &exported_metric});
  ASSERT_TRUE(exporter);
  (*exporter)->start();
  // Four spans fill a batch: sent before the timer fires.
  for (int i = 0; i < 4; ++i) tracer.end(tracer.start_server_span("s" + std::to_string(i), "", ""));
  io.run_for(std::chrono::milliseconds(150));
  EXPECT_EQ((*exporter)->exported(), 4u);
  EXPECT_EQ((*exporter)->batches(), 1u);
  // One more waits for the timer.
  tracer.end(tracer.start_server_span("late", "", ""));
  io.run_for(std::chrono::milliseconds(100));
  EXPECT_EQ((*exporter)->exported(), 4u);
  io.run_for(std::chrono::milliseconds(400));
  EXPECT_EQ((*exporter)->exported(), 5u);
  EXPECT_EQ(exported_metric.with({"ok"}).value(), 5u);
  std::lock_guard lock(collector.mutex);
  ASSERT_EQ(collector.bodies.size(), 2u);
  EXPECT_EQ(collector.targets[0], "/v1/traces");
  auto first = json::parse(collector.bodies[0]);
  EXPECT_EQ(first.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").as_array().size(), 4u);
  auto second = json::parse(collector.bodies[1]);
  EXPECT_EQ(second.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").at(0).at("name"), "late");
  (*exporter)->stop();
  collector.server->stop();
}

TEST(OtlpExporter, CollectorErrorsDropAndCount) {
  asio::io_context io;
  Collector collector(io);
  collector.status = 503;
  auto tracer_ptr = std::make_shared<Tracer>();
  Tracer& tracer = *tracer_ptr;
  auto exporter = OtlpExporter::create(io.get_executor(), tracer_ptr,
                                       {.url = collector.url(), .flush_interval = std::chrono::milliseconds(50)});
  ASSERT_TRUE(exporter);
  (*exporter)->start();
  for (int i = 0; i < 3; ++i) tracer.end(tracer.start_server_span("s", "", ""));
  io.run_for(std::chrono::milliseconds(300));
  EXPECT_EQ((*exporter)->failed(), 3u);
  EXPECT_EQ((*exporter)->exported(), 0u);
  EXPECT_EQ(tracer.queued(), 0u) << "failed batches are dropped, not retried into a backlog";
  (*exporter)->stop();
  collector.server->stop();
}

TEST(OtlpExporter, DeadCollectorNeverBlocksRecording) {
  asio::io_context io;
  // A port nobody listens on: bind, note the port, close.
  unsigned short port;
  {
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  auto tracer_ptr = std::make_shared<Tracer>(TracerOptions{.queue_capacity = 10, .batch_size = 5});
  Tracer& tracer = *tracer_ptr;
  auto exporter = OtlpExporter::create(io.get_executor(), tracer_ptr,
                                       {.url = "http://127.0.0.1:" + std::to_string(port) + "/v1/traces",
                                        .flush_interval = std::chrono::milliseconds(20),
                                        .timeout = std::chrono::milliseconds(200)});
  ASSERT_TRUE(exporter);
  (*exporter)->start();
  // Recording happens on this thread while the io_context is not even running: ends return
  // at once and the overflow is counted.
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 50; ++i) tracer.end(tracer.start_server_span("s", "", ""));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(100));
  EXPECT_EQ(tracer.dropped(), 40u);
  io.run_for(std::chrono::milliseconds(500));
  EXPECT_EQ((*exporter)->failed(), 10u);
  (*exporter)->stop();
  io.run_for(std::chrono::milliseconds(100));
}

TEST(OtlpExporter, StopSendsWhatIsQueued) {
  asio::io_context io;
  Collector collector(io);
  auto tracer_ptr = std::make_shared<Tracer>();
  Tracer& tracer = *tracer_ptr;
  auto exporter = OtlpExporter::create(io.get_executor(), tracer_ptr,
                                       {.url = collector.url(), .flush_interval = std::chrono::seconds(60)});
  ASSERT_TRUE(exporter);
  (*exporter)->start();
  io.run_for(std::chrono::milliseconds(20));
  tracer.end(tracer.start_server_span("last words", "", ""));
  (*exporter)->stop();
  io.run_for(std::chrono::milliseconds(300));
  EXPECT_EQ((*exporter)->exported(), 1u);
  collector.server->stop();
}

TEST(OtlpExporter, LoopOutlivesTheExporterObjectSafely) {
  asio::io_context io;
  Collector collector(io);
  auto tracer = std::make_shared<Tracer>();
  {
    auto exporter = OtlpExporter::create(io.get_executor(), tracer, {.url = collector.url()});
    ASSERT_TRUE(exporter);
    (*exporter)->start();
    tracer->end(tracer->start_server_span("queued before destruction", "", ""));
  }  // destroyed before the io_context ever ran its loop
  tracer.reset();
  io.run_for(std::chrono::milliseconds(300));
  std::lock_guard lock(collector.mutex);
  ASSERT_EQ(collector.bodies.size(), 1u) << "stop on destruction still flushes";
  EXPECT_NE(collector.bodies[0].find("queued before destruction"), std::string::npos);
  collector.server->stop();
}

}  // namespace
}  // namespace gatehouse::observe
