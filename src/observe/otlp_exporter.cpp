#include "observe/otlp_exporter.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "core/log.hpp"
#include "net/http_client.hpp"

namespace gatehouse::observe {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

json::object attribute_json(const Attribute& a) {
  json::object value;
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) value["stringValue"] = v;
        // proto3 JSON writes int64 as a decimal string.
        else if constexpr (std::is_same_v<T, std::int64_t>) value["intValue"] = std::to_string(v);
        else if constexpr (std::is_same_v<T, double>) value["doubleValue"] = v;
        else value["boolValue"] = v;
      },
      a.value);
  return {{"key", a.key}, {"value", std::move(value)}};
}

json::array attributes_json(const std::vector<Attribute>& attrs) {
  json::array out;
  out.reserve(attrs.size());
  for (const auto& a : attrs) out.push_back(attribute_json(a));
  return out;
}

json::object span_json(const Span& s) {
  json::object o;
  o["traceId"] = to_hex(s.context.trace_id);
  o["spanId"] = to_hex(s.context.span_id);
  if (!is_zero(s.parent_id)) o["parentSpanId"] = to_hex(s.parent_id);
  if (!s.context.trace_state.empty()) o["traceState"] = s.context.trace_state;
  o["name"] = s.name;
  o["kind"] = static_cast<int>(s.kind);
  o["startTimeUnixNano"] = std::to_string(s.start_ns);
  o["endTimeUnixNano"] = std::to_string(s.end_ns);
  if (!s.attributes.empty()) o["attributes"] = attributes_json(s.attributes);
  json::object status;
  if (s.status != SpanStatus::unset) status["code"] = static_cast<int>(s.status);
  if (!s.status_message.empty()) status["message"] = s.status_message;
  o["status"] = std::move(status);
  return o;
}

}  // namespace

std::string encode_otlp_json(const std::vector<Span>& spans, const OtlpOptions& options) {
  std::vector<Attribute> resource;
  resource.push_back({"service.name", options.service_name});
  if (!options.service_version.empty()) resource.push_back({"service.version", options.service_version});
  resource.insert(resource.end(), options.resource_attributes.begin(), options.resource_attributes.end());

  json::array span_array;
  span_array.reserve(spans.size());
  for (const auto& s : spans) span_array.push_back(span_json(s));
  json::object scope{{"name", "gatehouse"}};
  if (!options.service_version.empty()) scope["version"] = options.service_version;
  json::object scope_spans{{"scope", std::move(scope)}, {"spans", std::move(span_array)}};
  json::object resource_spans{{"resource", json::object{{"attributes", attributes_json(resource)}}},
                              {"scopeSpans", json::array{std::move(scope_spans)}}};
  return json::serialize(json::object{{"resourceSpans", json::array{std::move(resource_spans)}}});
}

struct OtlpExporter::Impl {
  Impl(asio::any_io_executor ex, std::shared_ptr<Tracer> t, OtlpOptions o, net::ParsedUrl u)
      : executor(ex), tracer_owner(std::move(t)), tracer(*tracer_owner), options(std::move(o)), url(std::move(u)), timer(ex),
        client(ex, net::ClientOptions{.connect_timeout = options.timeout, .timeout = options.timeout}) {}

  asio::any_io_executor executor;
  std::shared_ptr<Tracer> tracer_owner;
  Tracer& tracer;
  OtlpOptions options;
  net::ParsedUrl url;
  asio::steady_timer timer;
  net::HttpClient client;
  bool stopping = false;  // touched on `executor` only
  bool running = false;
  std::atomic<std::uint64_t> exported{0}, failed{0}, batches{0};

  void count(std::string_view outcome, std::size_t n) {
    if (options.exported_metric) options.exported_metric->with({outcome}).inc(n);
  }

  asio::awaitable<void> send(std::vector<Span> spans) {
    batches.fetch_add(1, std::memory_order_relaxed);
    net::Request req{net::http::verb::post, url.target, 11};
    req.set(net::http::field::content_type, "application/json");
    req.set(net::http::field::user_agent, "gatehouse-otlp");
    req.body() = encode_otlp_json(spans, options);
    auto res = co_await client.request(url.endpoint, std::move(req));
    if (res && res->result_int() / 100 == 2) {
      exported.fetch_add(spans.size(), std::memory_order_relaxed);
      count("ok", spans.size());
      co_return;
    }
    failed.fetch_add(spans.size(), std::memory_order_relaxed);
    count("failed", spans.size());
    // Once per failed batch, not per span: a dead collector must not flood the log.
    log::warn("otlp.export_failed", {{"spans", spans.size()},
                                     {"status", res ? static_cast<std::int64_t>(res->result_int()) : 0},
                                     {"error", res ? std::string_view("http status") : std::string_view(res.error().message)}});
  }

  // Sends what is queued, in batches; bounded so a busy tracer cannot keep us here forever.
  asio::awaitable<void> drain() {
    std::size_t rounds = tracer.options().queue_capacity / options.max_batch + 1;
    while (rounds-- > 0) {
      auto spans = tracer.take(options.max_batch);
      if (spans.empty()) break;
      co_await send(std::move(spans));
    }
  }

  static asio::awaitable<void> run(std::shared_ptr<Impl> self) {
    while (!self->stopping) {
      self->timer.expires_after(self->options.flush_interval);
      co_await self->timer.async_wait(asio::as_tuple(asio::use_awaitable));
      co_await self->drain();
    }
    // stop() may have come before the first wait: what was queued still goes out.
    co_await self->drain();
    self->running = false;
  }
};

Result<std::unique_ptr<OtlpExporter>> OtlpExporter::create(asio::any_io_executor executor,
                                                           std::shared_ptr<Tracer> tracer, OtlpOptions options) {
  auto url = net::parse_http_url(options.url);
  if (!url) return fail(Errc::invalid_config, "otlp: " + url.error().message, "otlp.bad_url");
  if (options.max_batch == 0) options.max_batch = 1;
  auto impl = std::make_shared<Impl>(executor, std::move(tracer), std::move(options), std::move(*url));
  return std::unique_ptr<OtlpExporter>(new OtlpExporter(std::move(impl)));
}

OtlpExporter::~OtlpExporter() {
  impl_->tracer.set_on_batch_ready(nullptr);
  stop();
}

void OtlpExporter::start() {
  std::weak_ptr<Impl> weak = impl_;
  // A full batch wakes the loop early; post, because end() runs on data-plane threads.
  impl_->tracer.set_on_batch_ready([weak] {
    if (auto self = weak.lock()) asio::post(self->executor, [self] { self->timer.cancel(); });
  });
  asio::post(impl_->executor, [self = impl_] {
    if (self->running || self->stopping) return;
    self->running = true;
    asio::co_spawn(self->executor, Impl::run(self), asio::detached);
  });
}

void OtlpExporter::stop() {
  asio::post(impl_->executor, [self = impl_] {
    self->stopping = true;
    self->timer.cancel();
  });
}

asio::awaitable<void> OtlpExporter::flush() { co_await impl_->drain(); }

std::uint64_t OtlpExporter::exported() const { return impl_->exported.load(std::memory_order_relaxed); }
std::uint64_t OtlpExporter::failed() const { return impl_->failed.load(std::memory_order_relaxed); }
std::uint64_t OtlpExporter::batches() const { return impl_->batches.load(std::memory_order_relaxed); }

}  // namespace gatehouse::observe
