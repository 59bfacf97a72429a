// Internal to the loader: one reader per top-level section, and the cross-section checks
// that run once every section is read.
#pragma once

#include <map>

#include "config/types.hpp"
#include "config/yaml_reader.hpp"

namespace gatehouse::config::detail {

void read_listeners(Context& ctx, const Field& f, std::vector<Listener>& out);
void read_backends(Context& ctx, const Field& f, std::vector<Backend>& out);
// `known` holds the listeners, backends and redis read so far, for references.
void read_routes(Context& ctx, const Field& f, std::vector<Route>& out, const Config& known);
void read_sessions(Context& ctx, const Field& f, Sessions& out);
void read_redis(Context& ctx, const Field& f, Redis& out);
void read_admin(Context& ctx, const Field& f, Admin& out);
void read_limits(Context& ctx, const Field& f, Limits& out);
void read_log(Context& ctx, const Field& f, Log& out);
void read_telemetry(Context& ctx, const Field& f, Telemetry& out);
void read_spiffe(Context& ctx, const Field& f, Spiffe& out);

// Checks that span sections: address/port clashes, routes that shadow each other.
void validate_references(Context& ctx, const Config& config);

// [A-Za-z][A-Za-z0-9-]*: target names become tool-name prefixes split at '_'.
bool valid_target_name(std::string_view name);
// [A-Za-z0-9][A-Za-z0-9._-]* for listeners, routes, backends, providers, rules.
bool valid_label(std::string_view name);

// A reference to a named item, with did-you-mean over the names that exist.
std::string unknown_reference(std::string_view what, const std::string& name,
                              const std::vector<std::string>& names);

// Reads a list of mappings that each have a unique `name`, then calls read(reader, item).
template <typename T, typename ReadFn>
void read_named_list(Context& ctx, const Field& f, std::vector<T>& out, bool target_names,
                     ReadFn&& read) {
  std::map<std::string, bool> seen;
  for_each_item(ctx, f, [&](const Field& item, std::size_t) {
    MapReader m(ctx, item);
    if (!m.is_map()) return;
    T value{};
    if (auto nf = m.require("name")) {
      if (auto s = ctx.scalar(nf->node, nf->path)) {
        bool ok = target_names ? valid_target_name(*s) : valid_label(*s);
        if (!ok) {
          ctx.error(nf->node, nf->path,
                    "bad name \"" + *s + "\" (" +
                        (target_names ? "letters, digits and '-', starting with a letter"
                                      : "letters, digits, '.', '_' and '-'") +
                        ")");
        } else if (seen.count(*s)) {
          ctx.error(nf->node, nf->path, "duplicate name \"" + *s + "\"");
        }
        seen[*s] = true;
        value.name = std::move(*s);
      }
    }
    read(m, value);
    out.push_back(std::move(value));
  });
}

}  // namespace gatehouse::config::detail
