#include "config/loader.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "config/sections.hpp"

namespace gatehouse::config {
namespace {

std::filesystem::path base_dir_of(std::string_view name) {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::path(name).parent_path();
  auto abs = std::filesystem::absolute(dir.empty() ? std::filesystem::path(".") : dir, ec);
  if (ec) return dir;
  return abs.lexically_normal();
}

Result<Config> fail_with(std::vector<Diagnostic> diags) {
  std::stable_sort(diags.begin(), diags.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.pos.line, a.pos.column) < std::tie(b.pos.line, b.pos.column);
  });
  std::string msg;
  for (const auto& d : diags) {
    if (!msg.empty()) msg += '\n';
    msg += d.format();
  }
  return fail(Errc::invalid_config, std::move(msg), "config.invalid");
}

void read_config(Context& ctx, const YAML::Node& root, Config& config) {
  if (root.IsNull() || !root.IsDefined()) {
    ctx.error(SourcePos{ctx.file(), 0, 0}, "", "the file is empty");
    return;
  }
  MapReader top(ctx, Field{root, ""});
  if (!top.is_map()) return;
  // Routes refer to listeners, backends and redis: read those first.
  if (auto f = top.require("listeners")) detail::read_listeners(ctx, *f, config.listeners);
  if (auto f = top.require("backends")) detail::read_backends(ctx, *f, config.backends);
  if (auto f = top.get("redis")) detail::read_redis(ctx, *f, config.redis.emplace());
  if (auto f = top.require("routes")) detail::read_routes(ctx, *f, config.routes, config);
  if (auto f = top.get("sessions")) detail::read_sessions(ctx, *f, config.sessions);
  if (auto f = top.get("admin")) detail::read_admin(ctx, *f, config.admin.emplace());
  if (auto f = top.get("limits")) detail::read_limits(ctx, *f, config.limits);
  if (auto f = top.get("log")) detail::read_log(ctx, *f, config.log);
  if (auto f = top.get("telemetry")) detail::read_telemetry(ctx, *f, config.telemetry.emplace());
  if (auto f = top.get("spiffe")) detail::read_spiffe(ctx, *f, config.spiffe.emplace());
}

}  // namespace

Result<Config> load_string(std::string_view yaml, std::string_view name, const EnvLookup& env) {
  Context ctx(std::string(name), base_dir_of(name), env);
  Config config;
  config.source = std::string(name);
  config.base_dir = ctx.base_dir().string();
  // yaml-cpp reports syntax errors (and a few impossible conversions) by throwing; this is
  // the boundary where they become diagnostics.
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    read_config(ctx, root, config);
    if (ctx.diagnostics().empty()) detail::validate_references(ctx, config);
  } catch (const YAML::Exception& e) {
    SourcePos pos{ctx.file(), 0, 0};
    if (!e.mark.is_null()) pos = SourcePos{ctx.file(), e.mark.line + 1, e.mark.column + 1};
    ctx.error(pos, "", "YAML: " + e.msg);
  } catch (const std::exception& e) {
    ctx.error(SourcePos{ctx.file(), 0, 0}, "", std::string("cannot read the file: ") + e.what());
  }
  if (!ctx.diagnostics().empty()) return fail_with(std::move(ctx.diagnostics()));
  return config;
}

Result<Config> load_string(std::string_view yaml, std::string_view name) {
  return load_string(yaml, name, process_env());
}

Result<Config> load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::invalid_config, path + ": cannot open the file", "config.unreadable");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return fail(Errc::invalid_config, path + ": cannot read the file", "config.unreadable");
  return load_string(buf.str(), path);
}

}  // namespace gatehouse::config
