#include "fga/list_objects.hpp"

#include <algorithm>
#include <deque>
#include <unordered_map>

#include "fga/resolver.hpp"

namespace gatehouse::fga {
namespace {

// The model as a graph of (type, relation) nodes. An edge leads from a node whose members
// make members of another node: `computed` (viewer: editor), `userset` (viewer: [group#member]:
// a member x of group#member makes every object with a tuple `viewer@x#member`) and `ttu`
// (viewer from parent: a member x of folder#viewer makes every object with `parent@x`).
struct Edge {
  enum Kind : unsigned char { computed, userset, ttu };
  Kind kind;
  int target;
  const RelationDef* tupleset;  // ttu only
  bool confirm;                 // found under an intersection or exclusion: Check the target
  bool operator==(const Edge&) const = default;
};

// A direct assignment `[...]` somewhere in a node's rewrite: the user's own tuples seed it.
struct Leaf {
  int node;
  bool confirm;
};

struct Node {
  const TypeDef* type;
  const RelationDef* rel;
};

class Graph {
 public:
  explicit Graph(const Model& m) {
    for (const auto& t : m.types)
      for (const auto& r : t.relations) {
        index_.emplace(key(t.name, r.name), static_cast<int>(nodes.size()));
        nodes.push_back({&t, &r});
      }
    out.resize(nodes.size());
    for (int n = 0; n < static_cast<int>(nodes.size()); ++n) compile(nodes[n].rel->rewrite, n, false);
  }

  int id(std::string_view type, std::string_view relation) const {
    auto it = index_.find(key(type, relation));
    return it == index_.end() ? -1 : it->second;
  }

  // Nodes from which `target` can be reached: the expansion ignores the rest of the model.
  std::vector<bool> reaching(int target) const {
    std::vector<bool> r(nodes.size(), false);
    r[target] = true;
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t s = 0; s < nodes.size(); ++s) {
        if (r[s]) continue;
        for (const auto& e : out[s])
          if (r[e.target]) {
            r[s] = changed = true;
            break;
          }
      }
    }
    return r;
  }

  std::vector<Node> nodes;
  std::vector<std::vector<Edge>> out;  // by source node
  std::vector<Leaf> leaves;

 private:
  static std::string key(std::string_view type, std::string_view relation) {
    std::string k(type);
    k.push_back('#');
    k.append(relation);
    return k;
  }

  void link(int source, Edge e) {
    if (source < 0) return;
    auto& v = out[source];
    if (std::find(v.begin(), v.end(), e) == v.end()) v.push_back(e);
  }

  void compile(const Rewrite& w, int node, bool confirm) {
    const TypeDef& type = *nodes[node].type;
    switch (w.kind) {
      case RewriteKind::direct:
        leaves.push_back({node, confirm});
        for (const auto& ref : nodes[node].rel->directly_related)
          if (!ref.relation.empty()) link(id(ref.type, ref.relation), {Edge::userset, node, nullptr, confirm});
        return;
      case RewriteKind::computed:
        link(id(type.name, w.relation), {Edge::computed, node, nullptr, confirm});
        return;
      case RewriteKind::tuple_to_userset: {
        // Check follows only concrete parents (`[folder]`), never usersets or wildcards.
        const RelationDef* ts = type.find(w.tupleset);
        if (!ts) return;
        for (const auto& ref : ts->directly_related)
          if (ref.relation.empty() && !ref.wildcard) link(id(ref.type, w.relation), {Edge::ttu, node, ts, confirm});
        return;
      }
      case RewriteKind::union_of:
        for (const auto& c : w.children) compile(c, node, confirm);
        return;
      case RewriteKind::intersection:
      case RewriteKind::difference:
        // Every member is in the first operand (the base of an exclusion): it yields the
        // candidates, and Check on the node decides.
        if (!w.children.empty()) compile(w.children[0], node, true);
        return;
    }
  }

  std::unordered_map<std::string, int> index_;
};

class Expansion {
 public:
  Expansion(const Graph& g, Resolver& r, std::string_view user, int target)
      : g_(g), r_(r), user_(user), relevant_(g.reaching(target)), sets_(g.nodes.size()) {}

  Status run() {
    GH_CHECK(seed());
    while (!queue_.empty()) {
      Item item = std::move(queue_.front());
      queue_.pop_front();
      GH_CHECK(step(item));
    }
    return {};
  }

  bool too_deep() const { return too_deep_; }

  // Members of the target node: certain ones as they are, uncertain ones checked.
  Result<std::vector<std::string>> members(int node) {
    std::vector<std::string> out;
    for (const auto& [object, state] : sets_[node]) {
      if (state == State::certain) {
        out.push_back(object);
      } else if (state == State::uncertain) {
        GH_TRY(bool ok, r_.check(object, g_.nodes[node].rel->name, user_));
        if (ok) out.push_back(object);
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  // uncertain: reached, but through a condition that could not be evaluated or a check that
  // failed; only a final Check can say.
  enum class State : unsigned char { rejected, uncertain, certain };
  struct Item {
    int node;
    std::string object;
    bool certain;
    int depth;
  };
  struct Found {
    std::string object;
    bool certain;
  };

  Status seed() {
    auto u = split_user(user_);
    // A userset always holds itself: Check(group:1, member, group:1#member) is true.
    if (!u->relation.empty()) {
      int n = g_.id(u->type, u->relation);
      if (n >= 0 && relevant_[n]) GH_CHECK(add(n, std::string(u->type) + ":" + std::string(u->id), true, 0, false));
    }
    std::string wildcard;
    if (u->relation.empty() && !u->wildcard()) wildcard = std::string(u->type) + ":*";
    for (const auto& leaf : g_.leaves) {
      if (!relevant_[leaf.node]) continue;
      const Node& n = g_.nodes[leaf.node];
      bool typed = std::any_of(n.rel->directly_related.begin(), n.rel->directly_related.end(),
                               [&](const RelationRef& ref) { return ref.type == u->type; });
      if (!typed) continue;
      std::vector<Found> found;
      GH_CHECK(read(*n.rel, n.type->name, n.rel->name, user_, found));
      if (!wildcard.empty()) GH_CHECK(read(*n.rel, n.type->name, n.rel->name, wildcard, found));
      for (const auto& f : found) GH_CHECK(add(leaf.node, f.object, f.certain, 0, leaf.confirm));
    }
    return {};
  }

  Status step(const Item& item) {
    for (const auto& e : g_.out[item.node]) {
      if (!relevant_[e.target]) continue;
      const Node& t = g_.nodes[e.target];
      std::vector<Found> found;
      switch (e.kind) {
        case Edge::computed:
          found.push_back({item.object, true});
          break;
        case Edge::userset:
          GH_CHECK(read(*t.rel, t.type->name, t.rel->name, item.object + "#" + g_.nodes[item.node].rel->name, found));
          break;
        case Edge::ttu:
          GH_CHECK(read(*e.tupleset, t.type->name, e.tupleset->name, item.object, found));
          break;
      }
      for (const auto& f : found)
        GH_CHECK(add(e.target, f.object, f.certain && item.certain, item.depth + 1, e.confirm));
    }
    return {};
  }

  // The objects of `type` whose `relation` tuples name `user`, as Check would accept them.
  Status read(const RelationDef& rel, std::string_view type, std::string_view relation, const std::string& user,
              std::vector<Found>& found) {
    return r_.for_each_by_user(type, relation, user, [&](const Tuple& t) {
      if (!r_.allowed(rel, t)) return true;
      auto holds = r_.condition_holds(t);
      if (holds.ok() && !*holds) return true;
      found.push_back({t.key.object, holds.ok()});
      return true;
    });
  }

  Status add(int node, const std::string& object, bool certain, int depth, bool confirm) {
    // Check gives up at this depth; the caller's fallback reproduces its error.
    if (depth >= kResolveDepthLimit) {
      too_deep_ = true;
      return {};
    }
    auto& set = sets_[node];
    auto it = set.find(object);
    if (it != set.end()) {
      if (it->second != State::uncertain || !certain || confirm) return {};
      it->second = State::certain;  // a second path proves it: what it reaches becomes certain
      queue_.push_back({node, object, true, depth});
      return {};
    }
    State s = certain ? State::certain : State::uncertain;
    if (confirm) {
      auto ok = r_.check(object, g_.nodes[node].rel->name, user_);
      s = !ok.ok() ? State::uncertain : *ok ? State::certain : State::rejected;
    }
    set.emplace(object, s);
    if (s != State::rejected) queue_.push_back({node, object, s == State::certain, depth});
    return {};
  }

  const Graph& g_;
  Resolver& r_;
  std::string user_;
  std::vector<bool> relevant_;
  std::vector<std::unordered_map<std::string, State>> sets_;
  std::deque<Item> queue_;
  bool too_deep_ = false;
};

}  // namespace

Result<std::optional<std::vector<std::string>>> reverse_list_objects(const Model& model, Resolver& r,
                                                                     std::string_view type,
                                                                     std::string_view relation,
                                                                     std::string_view user) {
  Graph g(model);
  int target = g.id(type, relation);
  if (target < 0 || !split_user(user)) return std::optional<std::vector<std::string>>(std::vector<std::string>{});
  Expansion x(g, r, user, target);
  GH_CHECK(x.run());
  if (x.too_deep()) return std::optional<std::vector<std::string>>();
  GH_TRY(std::vector<std::string> out, x.members(target));
  return std::optional<std::vector<std::string>>(std::move(out));
}

}  // namespace gatehouse::fga
