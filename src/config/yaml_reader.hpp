// Reading a yaml-cpp tree into typed fields while collecting every problem as
// "file:line:col: field.path: message". Nothing here throws to the caller: yaml-cpp calls
// that can throw are made only on nodes whose type was checked first, and the loader
// catches at its boundary anyway.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/types.hpp"
#include "config/values.hpp"

namespace gatehouse::config {

struct Diagnostic {
  SourcePos pos;
  std::string path;
  std::string message;
  std::string format() const;  // "file:line:col: path: message"
};

class Context {
 public:
  Context(std::string file, std::filesystem::path base_dir, EnvLookup env)
      : file_(std::move(file)), base_dir_(std::move(base_dir)), env_(std::move(env)) {}

  SourcePos pos(const YAML::Node& n) const;
  void error(const SourcePos& pos, std::string_view path, std::string message);
  void error(const YAML::Node& at, std::string_view path, std::string message) {
    error(pos(at), path, std::move(message));
  }

  // The scalar's text after ${ENV} expansion; reports and returns nullopt otherwise.
  std::optional<std::string> scalar(const YAML::Node& n, std::string_view path);
  // Relative paths are taken relative to the config file's directory.
  std::string resolve_path(const std::string& p) const;

  const std::string& file() const { return file_; }
  const std::filesystem::path& base_dir() const { return base_dir_; }
  std::vector<Diagnostic>& diagnostics() { return diagnostics_; }

 private:
  std::string file_;
  std::filesystem::path base_dir_;
  EnvLookup env_;
  std::vector<Diagnostic> diagnostics_;
};

// A value node and its dotted path ("routes[0].auth.providers[1].issuer").
struct Field {
  YAML::Node node;
  std::string path;
};

std::string child_path(std::string_view parent, std::string_view key);
std::string index_path(std::string_view parent, std::size_t i);

// Calls fn(Field item, index) for each element; reports a non-sequence.
template <typename Fn>
void for_each_item(Context& ctx, const Field& f, Fn&& fn) {
  if (!f.node.IsSequence()) {
    ctx.error(f.node, f.path, "expected a list");
    return;
  }
  std::size_t i = 0;
  for (const auto& item : f.node) {
    fn(Field{item, index_path(f.path, i)}, i);
    ++i;
  }
}

// One YAML mapping read field by field. Keys that were never asked for are reported as
// unknown (with a did-you-mean over the keys the reader asked for) when it goes out of scope.
class MapReader {
 public:
  MapReader(Context& ctx, const Field& f);
  ~MapReader();
  MapReader(const MapReader&) = delete;
  MapReader& operator=(const MapReader&) = delete;

  bool is_map() const { return is_map_; }
  const std::string& path() const { return path_; }
  SourcePos pos() const { return ctx_.pos(node_); }
  Context& ctx() { return ctx_; }

  // The value under `key`; nullopt when absent or null. Marks the key as known.
  std::optional<Field> get(std::string_view key);
  // As get(), and reports "missing required field" when absent.
  std::optional<Field> require(std::string_view key);
  bool has(std::string_view key);

  // Typed fields: `out` is left unchanged when the key is absent or the value is bad.
  void string(std::string_view key, std::string& out, bool required = false);
  void boolean(std::string_view key, bool& out);
  void uint(std::string_view key, unsigned& out, unsigned max);
  void uint64(std::string_view key, std::uint64_t& out);
  void port(std::string_view key, std::uint16_t& out);
  void duration(std::string_view key, Duration& out, bool positive = true);
  void size(std::string_view key, std::uint64_t& out);
  void address(std::string_view key, std::string& out);
  void url(std::string_view key, std::string& out, std::initializer_list<std::string_view> schemes,
           bool required = false);
  void file_path(std::string_view key, std::string& out, bool required = false);
  void expr(std::string_view key, Expr& out, bool required = false);
  void strings(std::string_view key, std::vector<std::string>& out);
  void pairs(std::string_view key, StringPairs& out);

  template <typename E>
  void choice(std::string_view key, E& out,
              std::initializer_list<std::pair<std::string_view, E>> options) {
    auto f = get(key);
    if (!f) return;
    auto s = ctx_.scalar(f->node, f->path);
    if (!s) return;
    for (const auto& [name, value] : options) {
      if (*s == name) {
        out = value;
        return;
      }
    }
    std::vector<std::string> names;
    std::string list;
    for (const auto& [name, value] : options) {
      names.emplace_back(name);
      list += (list.empty() ? "" : ", ") + std::string(name);
    }
    std::string msg = "unknown value \"" + *s + "\" (one of: " + list + ")";
    if (auto near = closest(*s, names)) msg += " (did you mean \"" + *near + "\"?)";
    ctx_.error(f->node, f->path, std::move(msg));
  }

 private:
  struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
    bool used = false;
  };
  Entry* find(std::string_view key);

  Context& ctx_;
  YAML::Node node_;
  std::string path_;
  bool is_map_ = false;
  std::vector<Entry> entries_;
  std::vector<std::string> asked_;
};

}  // namespace gatehouse::config
