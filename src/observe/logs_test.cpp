#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include <re2/re2.h>

#include <random>
#include <set>
#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/log.hpp"

#include "observe/access_log.hpp"
#include "observe/audit_log.hpp"
#include "observe/log_sink.hpp"
#include "observe/secret_scrubber.hpp"

namespace gatehouse::observe {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

constexpr std::string_view kJwt =
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz";

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/observe-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Scrubber, RedactsBearerBasicAndJwts) {
  EXPECT_EQ(scrub_secrets("Authorization: Bearer abc.def-ghi"), "Authorization: Bearer [redacted]");
  EXPECT_EQ(scrub_secrets("basic dXNlcjpwYXNz"), "basic [redacted]");
  EXPECT_EQ(scrub_secrets(std::string("token ") + std::string(kJwt) + " end"), "token [redacted-jwt] end");
  EXPECT_EQ(scrub_secrets("Bearer " + std::string(kJwt)), "Bearer [redacted-jwt]");
  EXPECT_EQ(scrub_secrets("/cb?code=1&access_token=s3cr3t&x=2"), "/cb?code=1&access_token=[redacted]&x=2");
  EXPECT_EQ(scrub_secrets(R"({"client_secret":"hunter2"})"), R"({"client_secret":"[redacted]"})");
  EXPECT_EQ(scrub_secrets("api_key=AKIA123 password: pw"), "api_key=[redacted] password: [redacted]");
}

TEST(Scrubber, LeavesOrdinaryTextAlone) {
  for (const char* s : {"tools/call", "get_weather", "the basics of tokens", "eyJ", "Bearer", "", "a.b.c"})
    EXPECT_EQ(scrub_secrets(s), s);
}

TEST(SessionTag, StableShortAndNotTheId) {
  auto a = session_tag("session-123");
  EXPECT_EQ(a.size(), 12u);
  EXPECT_EQ(a, session_tag("session-123"));
  EXPECT_NE(a, session_tag("session-124"));
  EXPECT_EQ(a.find("session"), std::string::npos);
  EXPECT_EQ(session_tag(""), "");
  // SHA-256("abc") starts with ba7816bf8f01.
  EXPECT_EQ(session_tag("abc"), "ba7816bf8f01");
}

AccessRecord full_record() {
  AccessRecord r;
  r.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'763'845'701'123));
  r.route = "/mcp";
  r.method = "POST";
  r.mcp_method = "tools/call";
  r.target = "weather";
  r.tool = "get_forecast";
  r.session = "abc";
  r.principal = "alice@example.com";
  r.decision = "allow";
  r.rule = "cel:allow-weather";
  r.status = 200;
  r.latency_ms = 12.34567;
  r.bytes_in = 120;
  r.bytes_out = 2048;
  r.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  r.remote = "127.0.0.1:51234";
  r.headers = {{"User-Agent", "node"},
               {"Authorization", "Bearer abc"},
               {"Cookie", "sid=1"},
               {"Mcp-Session-Id", "abc"},
               {"X-Custom", "nope"},
               {"Accept", "application/json, text/event-stream"}};
  return r;
}

TEST(AccessLog, OneJsonLineFieldByField) {
  AccessLog log(nullptr);
  auto line = log.format(full_record());
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto o = json::parse(line).as_object();
  EXPECT_EQ(o.at("ts"), "2025-11-22T21:08:21.123Z");
  EXPECT_EQ(o.at("log"), "access");
  EXPECT_EQ(o.at("route"), "/mcp");
  EXPECT_EQ(o.at("method"), "POST");
  EXPECT_EQ(o.at("mcp_method"), "tools/call");
  EXPECT_EQ(o.at("target"), "weather");
  EXPECT_EQ(o.at("tool"), "get_forecast");
  EXPECT_EQ(o.at("session"), "ba7816bf8f01");
  EXPECT_EQ(o.at("principal"), "alice@example.com");
  EXPECT_EQ(o.at("decision"), "allow");
  EXPECT_EQ(o.at("rule"), "cel:allow-weather");
  EXPECT_EQ(o.at("status"), 200);
  EXPECT_EQ(o.at("latency_ms"), 12.346);
  EXPECT_EQ(o.at("bytes_in"), 120);
  EXPECT_EQ(o.at("bytes_out"), 2048);
  EXPECT_EQ(o.at("trace_id"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(o.at("remote"), "127.0.0.1:51234");
  EXPECT_FALSE(o.contains("error")) << "empty fields are left out";
  auto& h = o.at("headers").as_object();
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(h.at("user-agent"), "node");
  EXPECT_EQ(h.at("accept"), "application/json, text/event-stream");
  EXPECT_EQ(line.find("Bearer"), std::string::npos);
  EXPECT_EQ(line.find("sid=1"), std::string::npos);
}

TEST(AccessLog, CredentialHeadersRefusedEvenIfAllowListed) {
  AccessLog log(nullptr, {.header_allow_list = {"Authorization", "cookie", "x-custom"}});
  auto o = json::parse(log.format(full_record())).as_object();
  auto& h = o.at("headers").as_object();
  EXPECT_EQ(h.size(), 1u);
  EXPECT_EQ(h.at("x-custom"), "nope");
}

TEST(AccessLog, ScrubsTokensInAnyFieldAndEscapes) {
  AccessRecord r;
  r.tool = std::string(kJwt);
  r.error = "upstream said: Bearer xyz\n\"quoted\"";
  r.principal = "eve\x01";
  AccessLog log(nullptr);
  auto line = log.format(r);
  EXPECT_EQ(line.find('\n'), std::string::npos) << "a newline in a field cannot forge a log line";
  auto o = json::parse(line).as_object();
  EXPECT_EQ(o.at("tool"), "[redacted-jwt]");
  EXPECT_EQ(o.at("error"), "upstream said: Bearer [redacted]\n\"quoted\"");
  EXPECT_EQ(o.at("principal"), "eve\x01");
  EXPECT_FALSE(o.contains("headers"));
}

// The pre-filter must answer exactly what the regex it replaced answered (it decides whether
// the scrubber runs at all): keyword fragments in every case, separators, and non-ASCII.
TEST(Scrubber, PrefilterAgreesWithTheRegex) {
  const RE2 any(R"((?i)bearer|basic|dpop|eyJ|token|secret|api[_-]?key|password)");
  const std::vector<std::string> pieces = {"bear", "er", "BEARER", "basi", "c", "Basic", "dpo", "p", "DPoP", "ey",
                                           "J", "eyj", "tok", "en", "TOKEN", "secr", "et", "api", "_", "-", "key",
                                           "KEY", "apikey", "pass", "word", "PassWord", "x", " ", "/", "\n",
                                           "\xe2\x84\xaa", "\xc5\xbf", "\xc3\xa9", "\xff", "a", "s", "k"};
  std::mt19937 rng(7);
  for (int n = 0; n < 20000; ++n) {
    std::string text;
    const int parts = static_cast<int>(rng() % 6);
    for (int i = 0; i < parts; ++i) text += pieces[rng() % pieces.size()];
    EXPECT_EQ(may_hold_secret(text), RE2::PartialMatch(text, any)) << text;
  }
  EXPECT_TRUE(may_hold_secret("api\xe2\x84\xaa" "ey")) << "the Kelvin sign folds to k";
  EXPECT_TRUE(may_hold_secret("\xc5\xbf" "ecret")) << "the long s folds to s";
  EXPECT_FALSE(may_hold_secret("get_forecast"));
  EXPECT_TRUE(may_hold_secret("x-Api-Key"));
}

TEST(SessionTag, CachedTagsStayCorrectAcrossManySessions) {
  std::vector<std::string> ids, tags;
  for (int i = 0; i < 40; ++i) {
    ids.push_back("session-" + std::to_string(i) + std::string(static_cast<std::size_t>(i) * 37, 'x'));
    tags.push_back(session_tag(ids.back()));
  }
  for (int round = 0; round < 3; ++round)
    for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(session_tag(ids[i]), tags[i]) << i;
  std::set<std::string> distinct(tags.begin(), tags.end());
  EXPECT_EQ(distinct.size(), tags.size());
  EXPECT_EQ(session_tag("abc"), "ba7816bf8f01");
  EXPECT_EQ(session_tag(std::string(5000, 's')), session_tag(std::string(5000, 's'))) << "uncached long ids";
}

TEST(AccessLog, TimeKeepsMillisecondsAcrossCachedSeconds) {
  using namespace std::chrono;
  const system_clock::time_point base(milliseconds(1'763'845'701'000));
  EXPECT_EQ(format_time(base), "2025-11-22T21:08:21.000Z");
  EXPECT_EQ(format_time(base + milliseconds(7)), "2025-11-22T21:08:21.007Z");
  EXPECT_EQ(format_time(base + milliseconds(999)), "2025-11-22T21:08:21.999Z");
  EXPECT_EQ(format_time(base + milliseconds(1000)), "2025-11-22T21:08:22.000Z");
  EXPECT_EQ(format_time(base - milliseconds(1)), "2025-11-22T21:08:20.999Z");
  EXPECT_EQ(format_time(base), "2025-11-22T21:08:21.000Z");
}

// The line as the writer produced it before it was tuned (regex pre-check, escaping a
// character at a time, headers lower-cased then filtered): the tuned one must match it byte
// for byte.
std::string reference_line(const AccessRecord& r, const std::vector<std::string>& allow) {
  const RE2 any(R"((?i)bearer|basic|dpop|eyJ|token|secret|api[_-]?key|password)");
  std::string out = "{";
  bool first = true;
  auto key = [&](std::string_view k) {
    if (!first) out += ',';
    first = false;
    out += '"';
    log::append_json_escaped(out, k);
    out += "\":";
  };
  auto str = [&](std::string_view k, std::string_view v, bool omit_empty = true) {
    if (omit_empty && v.empty()) return;
    key(k);
    out += '"';
    log::append_json_escaped(out, RE2::PartialMatch(re2::StringPiece(v.data(), v.size()), any) ? scrub_secrets(v)
                                                                                                 : std::string(v));
    out += '"';
  };
  auto raw = [&](std::string_view k, std::string_view v) {
    if (v.empty()) return;
    key(k);
    out += '"';
    log::append_json_escaped(out, v);
    out += '"';
  };
  auto num = [&](std::string_view k, std::int64_t v) {
    key(k);
    out += std::to_string(v);
  };
  raw("ts", format_time(r.time));
  raw("log", "access");
  str("route", r.route);
  str("method", r.method);
  str("mcp_method", r.mcp_method);
  str("target", r.target);
  str("tool", r.tool);
  raw("session", session_tag(r.session));
  str("principal", r.principal);
  str("decision", r.decision);
  str("rule", r.rule);
  str("error", r.error);
  num("status", r.status);
  key("latency_ms");
  char buf[32];
  double v = std::round(r.latency_ms * 1000) / 1000;
  out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  num("bytes_in", static_cast<std::int64_t>(r.bytes_in));
  num("bytes_out", static_cast<std::int64_t>(r.bytes_out));
  str("trace_id", r.trace_id);
  str("remote", r.remote);
  std::vector<std::pair<std::string, std::string>> kept;
  for (const auto& [name, value] : r.headers) {
    std::string lower(name);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (is_credential_header(lower) || std::find(allow.begin(), allow.end(), lower) == allow.end()) continue;
    auto it = std::find_if(kept.begin(), kept.end(), [&](const auto& e) { return e.first == lower; });
    if (it == kept.end()) kept.emplace_back(lower, value);
    else it->second.append(", ").append(value);
  }
  if (!kept.empty()) {
    key("headers");
    out += '{';
    first = true;
    for (const auto& [name, value] : kept) str(name, value, false);
    out += '}';
  }
  return out + "}";
}

TEST(AccessLog, LinesMatchTheReferenceWriterByteForByte) {
  AccessLog log(nullptr);
  const auto allow = AccessLogOptions{}.header_allow_list;
  std::vector<AccessRecord> records;
  records.push_back(full_record());
  records.push_back(AccessRecord{});
  AccessRecord odd = full_record();
  odd.tool = "t\x01\x1f\"\\\tq\r\n\x7f\xc3\xa9";
  odd.error = "upstream said: Bearer xyz " + std::string(kJwt) + " api-key=42&password=pw";
  odd.principal = "\xe2\x84\xaa";
  odd.latency_ms = -0.0004;
  odd.status = -1;
  odd.bytes_out = ~std::uint64_t{0};
  odd.headers = {{"USER-agent", "a\"b"}, {"user-AGENT", "c"}, {"X-Api-Key", "k"}, {"Origin", "Bearer zzz"},
                 {"mcp-protocol-version", "2025-11-25"}, {"X-Request-Id", ""}};
  records.push_back(odd);
  for (const auto& r : records) EXPECT_EQ(log.format(r), reference_line(r, allow));
}

TEST(AccessLog, RepeatedHeadersAreJoined) {
  AccessRecord r;
  r.headers = {{"Accept", "application/json"}, {"accept", "text/event-stream"}};
  AccessLog log(nullptr);
  auto o = json::parse(log.format(r)).as_object();
  EXPECT_EQ(o.at("headers").as_object().size(), 1u);
  EXPECT_EQ(o.at("headers").at("accept"), "application/json, text/event-stream");
}

TEST(AuditLog, DecisionRecordFieldByField) {
  AuditRecord r;
  r.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'763'845'701'005));
  r.principal = "alice";
  r.client = "agent-1";
  r.action = "tools/call";
  r.target = "files";
  r.resource = "delete_file";
  r.decision = "deny";
  r.policy = "fga";
  r.rule = "can_delete";
  r.reason = "fga.no_relation";
  r.session = "abc";
  r.trace_id = "t1";
  r.remote = "[::1]:4000";
  r.details = {{"path", "/etc/passwd"}, {"token", "Bearer leaked"}};
  AuditLog log(nullptr);
  auto o = json::parse(log.format(r)).as_object();
  EXPECT_EQ(o.at("ts"), "2025-11-22T21:08:21.005Z");
  EXPECT_EQ(o.at("log"), "audit");
  EXPECT_EQ(o.at("principal"), "alice");
  EXPECT_EQ(o.at("client"), "agent-1");
  EXPECT_EQ(o.at("action"), "tools/call");
  EXPECT_EQ(o.at("target"), "files");
  EXPECT_EQ(o.at("resource"), "delete_file");
  EXPECT_EQ(o.at("decision"), "deny");
  EXPECT_EQ(o.at("policy"), "fga");
  EXPECT_EQ(o.at("rule"), "can_delete");
  EXPECT_EQ(o.at("reason"), "fga.no_relation");
  EXPECT_EQ(o.at("session"), "ba7816bf8f01");
  EXPECT_EQ(o.at("trace_id"), "t1");
  EXPECT_EQ(o.at("remote"), "[::1]:4000");
  EXPECT_EQ(o.at("details").at("path"), "/etc/passwd");
  EXPECT_EQ(o.at("details").at("token"), "Bearer [redacted]");
  EXPECT_EQ(json::parse(log.format(AuditRecord{})).at("decision"), "") << "decision always present";
}

TEST(LogSink, AppendsLinesAndReopensAfterRotation) {
  TempDir dir;
  auto path = dir.path / "audit.log";
  {
    std::ofstream pre(path);
    pre << "existing\n";
  }
  auto sink = LogSink::open(path.string());
  ASSERT_TRUE(sink) << sink.error().message;
  AuditLog audit(*sink);
  audit.write({.principal = "a", .decision = "allow"});
  fs::rename(path, dir.path / "audit.log.1");  // logrotate
  audit.write({.principal = "b", .decision = "deny"});  // still into the moved file
  ASSERT_TRUE((*sink)->reopen());
  audit.write({.principal = "c", .decision = "allow"});
  auto old_text = read_file(dir.path / "audit.log.1");
  EXPECT_EQ(old_text.rfind("existing\n", 0), 0u) << "append, not truncate";
  EXPECT_NE(old_text.find("\"principal\":\"a\""), std::string::npos);
  EXPECT_NE(old_text.find("\"principal\":\"b\""), std::string::npos);
  auto new_text = read_file(path);
  EXPECT_NE(new_text.find("\"principal\":\"c\""), std::string::npos);
  EXPECT_EQ(std::count(new_text.begin(), new_text.end(), '\n'), 1);
  EXPECT_EQ((*sink)->write_errors(), 0u);
}

TEST(LogSink, OpenFailureIsAnError) {
  auto sink = LogSink::open("/nonexistent-dir/x/audit.log");
  ASSERT_FALSE(sink);
  EXPECT_EQ(sink.error().code, Errc::invalid_config);
  EXPECT_TRUE(LogSink::open("-"));
}

TEST(LogSink, ConcurrentLinesDoNotInterleave) {
  TempDir dir;
  auto sink = *LogSink::open((dir.path / "a.log").string());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      std::string line(500, static_cast<char>('a' + t));
      for (int i = 0; i < 200; ++i) sink->write_line(line);
    });
  for (auto& th : threads) th.join();
  std::ifstream in(dir.path / "a.log");
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    ASSERT_EQ(line.size(), 500u);
    ASSERT_EQ(std::count(line.begin(), line.end(), line[0]), 500);
  }
  EXPECT_EQ(n, 800);
}

TEST(LogSink, ReopensOnSighup) {
  TempDir dir;
  auto path = dir.path / "access.log";
  auto sink = *LogSink::open(path.string());
  boost::asio::io_context io;
  ReopenOnSighup reopen(io, {sink});
  sink->write_line("one");
  fs::rename(path, dir.path / "access.log.1");
  ::raise(SIGHUP);
  io.run_for(std::chrono::milliseconds(200));
  sink->write_line("two");
  EXPECT_EQ(read_file(dir.path / "access.log.1"), "one\n");
  EXPECT_EQ(read_file(path), "two\n");
  reopen.cancel();
}

}  // namespace
}  // namespace gatehouse::observe
