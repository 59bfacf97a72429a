#include "config/yaml_reader.hpp"

#include <algorithm>
#include <limits>

namespace gatehouse::config {

std::string Diagnostic::format() const {
  std::string out = pos.file;
  if (pos.line > 0) out += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
  out += ": ";
  if (!path.empty()) out += path + ": ";
  out += message;
  return out;
}

SourcePos Context::pos(const YAML::Node& n) const {
  SourcePos p;
  p.file = file_;
  if (!n.IsDefined()) return p;
  auto m = n.Mark();
  if (m.is_null()) return p;
  p.line = m.line + 1;
  p.column = m.column + 1;
  return p;
}

void Context::error(const SourcePos& pos, std::string_view path, std::string message) {
  diagnostics_.push_back(Diagnostic{pos, std::string(path), std::move(message)});
}

std::optional<std::string> Context::scalar(const YAML::Node& n, std::string_view path) {
  if (!n.IsScalar()) {
    error(n, path, n.IsSequence() ? "expected a single value, got a list"
                   : n.IsMap()    ? "expected a single value, got a mapping"
                                  : "expected a value");
    return std::nullopt;
  }
  auto expanded = expand_env(n.Scalar(), env_);
  if (auto* e = parse_error(expanded)) {
    error(n, path, *e);
    return std::nullopt;
  }
  return std::get<std::string>(std::move(expanded));
}

std::string Context::resolve_path(const std::string& p) const {
  if (p.empty()) return p;
  std::filesystem::path path(p);
  if (path.is_absolute()) return path.lexically_normal().string();
  return (base_dir_ / path).lexically_normal().string();
}

std::string child_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return std::string(parent) + "." + std::string(key);
}

std::string index_path(std::string_view parent, std::size_t i) {
  return std::string(parent) + "[" + std::to_string(i) + "]";
}

MapReader::MapReader(Context& ctx, const Field& f) : ctx_(ctx), node_(f.node), path_(f.path) {
  if (!node_.IsMap()) {
    ctx_.error(node_, path_, node_.IsSequence() ? "expected a mapping, got a list"
                             : node_.IsScalar() ? "expected a mapping, got \"" + node_.Scalar() + "\""
                                                : "expected a mapping");
    return;
  }
  is_map_ = true;
  // yaml-cpp iterators yield pairs by value: bind the pair, never a member through it->.
  for (const auto& kv : node_) {
    const YAML::Node& k = kv.first;
    if (!k.IsScalar()) {
      ctx_.error(k, path_, "keys must be plain names");
      continue;
    }
    std::string key = k.Scalar();
    if (find(key)) {
      ctx_.error(k, child_path(path_, key), "duplicate key");
      continue;
    }
    entries_.push_back(Entry{key, k, kv.second});
  }
}

MapReader::~MapReader() {
  for (const auto& e : entries_) {
    if (e.used) continue;
    std::string msg = "unknown field \"" + e.key + "\"";
    if (auto near = closest(e.key, asked_)) msg += " (did you mean \"" + *near + "\"?)";
    ctx_.error(e.key_node, child_path(path_, e.key), std::move(msg));
  }
}

MapReader::Entry* MapReader::find(std::string_view key) {
  for (auto& e : entries_)
    if (e.key == key) return &e;
  return nullptr;
}

std::optional<Field> MapReader::get(std::string_view key) {
  if (std::find(asked_.begin(), asked_.end(), key) == asked_.end()) asked_.emplace_back(key);
  Entry* e = find(key);
  if (!e) return std::nullopt;
  e->used = true;
  if (e->value.IsNull()) return std::nullopt;
  return Field{e->value, child_path(path_, key)};
}

bool MapReader::has(std::string_view key) {
  const Entry* e = find(key);
  return e && !e->value.IsNull();
}

std::optional<Field> MapReader::require(std::string_view key) {
  auto f = get(key);
  if (!f && is_map_) ctx_.error(node_, child_path(path_, key), "missing required field");
  return f;
}

void MapReader::string(std::string_view key, std::string& out, bool required) {
  auto f = required ? require(key) : get(key);
  if (!f) return;
  if (auto s = ctx_.scalar(f->node, f->path)) {
    if (required && s->empty()) {
      ctx_.error(f->node, f->path, "must not be empty");
      return;
    }
    out = std::move(*s);
  }
}

void MapReader::boolean(std::string_view key, bool& out) {
  auto f = get(key);
  if (!f) return;
  auto s = ctx_.scalar(f->node, f->path);
  if (!s) return;
  auto b = parse_bool(*s);
  if (auto* e = parse_error(b)) ctx_.error(f->node, f->path, *e);
  else out = std::get<bool>(b);
}

void MapReader::uint64(std::string_view key, std::uint64_t& out) {
  auto f = get(key);
  if (!f) return;
  auto s = ctx_.scalar(f->node, f->path);
  if (!s) return;
  auto v = parse_uint(*s, std::numeric_limits<std::uint64_t>::max());
  if (auto* e = parse_error(v)) ctx_.error(f->node, f->path, *e);
  else out = std::get<std::uint64_t>(v);
}

void MapReader::uint(std::string_view key, unsigned& out, unsigned max) {
  auto f = get(key);
  if (!f) return;
  auto s = ctx_.scalar(f->node, f->path);
  if (!s) return;
  auto v = parse_uint(*s, max);
  if (auto* e = parse_error(v)) ctx_.error(f->node, f->path, *e);
  else out = static_cast<unsigned>(std::get<std::uint64_t>(v));
}

void MapReader::port(std::string_view key, std::uint16_t& out) {
  auto f = get(key);
  if (!f) return;
  auto s = ctx_.scalar(f->node, f->path);
  if (!s) return;
  auto v = parse_uint(*s, 65535);
  if (parse_error(v)) ctx_.error(f->node, f->path, "bad port \"" + *s + "\" (0-65535)");
  else out = static_cast<std::uint16_t>(std::get<std::uint64_t>(v));
}

void MapReader::duration(std::string_view key, Duration& out, bool positive) {
  auto f = get(key);
  if (!f) return;
  auto s = ctx_.scalar(f->node, f->path);
  if (!s) return;
  auto d = parse_duration(*s);
  if (auto* e = parse_error(d)) ctx_.error(f->node, f->path, *e);
  else if (positive && std::get<Duration>(d).count() == 0) ctx_.error(f->node, f->path, "must be more than 0");
  else out = std::get<Duration>(d);
}

void MapReader::size(std::string_view key, std::uint64_t& out) {
  auto f = get(key);
  if (!f) return;
  auto s = ctx_.scalar(f->node, f->path);
  if (!s) return;
  auto v = parse_size(*s);
  if (auto* e = parse_error(v)) ctx_.error(f->node, f->path, *e);
  else if (std::get<std::uint64_t>(v) == 0) ctx_.error(f->node, f->path, "must be more than 0");
  else out = std::get<std::uint64_t>(v);
}

void MapReader::address(std::string_view key, std::string& out) {
  auto f = get(key);
  if (!f) return;
  auto s = ctx_.scalar(f->node, f->path);
  if (!s) return;
  auto a = parse_address(*s);
  if (auto* e = parse_error(a)) ctx_.error(f->node, f->path, *e);
  else out = std::get<std::string>(a);
}

void MapReader::url(std::string_view key, std::string& out,
                    std::initializer_list<std::string_view> schemes, bool required) {
  auto f = required ? require(key) : get(key);
  if (!f) return;
  auto s = ctx_.scalar(f->node, f->path);
  if (!s) return;
  if (s->empty()) {
    if (required) ctx_.error(f->node, f->path, "must not be empty");
    else out.clear();
    return;
  }
  auto u = parse_url(*s, schemes);
  if (auto* e = parse_error(u)) ctx_.error(f->node, f->path, *e);
  else out = std::get<std::string>(u);
}

void MapReader::file_path(std::string_view key, std::string& out, bool required) {
  std::string raw;
  string(key, raw, required);
  if (!raw.empty()) out = ctx_.resolve_path(raw);
}

void MapReader::expr(std::string_view key, Expr& out, bool required) {
  auto f = required ? require(key) : get(key);
  if (!f) return;
  auto s = ctx_.scalar(f->node, f->path);
  if (!s) return;
  if (s->find_first_not_of(" \t\r\n") == std::string::npos) {
    ctx_.error(f->node, f->path, "expression must not be empty");
    return;
  }
  out.source = std::move(*s);
  out.pos = ctx_.pos(f->node);
  // yaml-cpp tags quoted scalars "!" and plain ones "?".
  out.quoted = f->node.Tag() == "!";
}

void MapReader::strings(std::string_view key, std::vector<std::string>& out) {
  auto f = get(key);
  if (!f) return;
  std::vector<std::string> values;
  bool ok = true;
  if (f->node.IsScalar()) {  // a single value where a list is expected: accept as a list of one
    auto s = ctx_.scalar(f->node, f->path);
    if (!s) return;
    out = {std::move(*s)};
    return;
  }
  for_each_item(ctx_, *f, [&](const Field& item, std::size_t) {
    auto s = ctx_.scalar(item.node, item.path);
    if (s) values.push_back(std::move(*s));
    else ok = false;
  });
  if (ok && f->node.IsSequence()) out = std::move(values);
}

void MapReader::pairs(std::string_view key, StringPairs& out) {
  auto f = get(key);
  if (!f) return;
  if (!f->node.IsMap()) {
    ctx_.error(f->node, f->path, "expected a mapping of names to values");
    return;
  }
  StringPairs values;
  for (const auto& kv : f->node) {
    if (!kv.first.IsScalar()) {
      ctx_.error(kv.first, f->path, "keys must be plain names");
      continue;
    }
    std::string name = kv.first.Scalar();
    std::string path = child_path(f->path, name);
    if (name.empty()) {
      ctx_.error(kv.first, path, "empty name");
      continue;
    }
    std::string value;
    if (!kv.second.IsNull()) {
      auto s = ctx_.scalar(kv.second, path);
      if (!s) continue;
      value = std::move(*s);
    }
    values.emplace_back(std::move(name), std::move(value));
  }
  out = std::move(values);
}

}  // namespace gatehouse::config
