#include "fga/store_test_file.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fga/cel_conditions.hpp"
#include "fga/dsl_parser.hpp"
#include "fga/engine.hpp"
#include "fga/memory_store.hpp"
#include "fga/yaml_tuples.hpp"

namespace gatehouse::fga {

namespace {

namespace fs = std::filesystem;

std::optional<std::string> read_text(const fs::path& p) {
  std::ifstream in(p);
  if (!in) return std::nullopt;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string join(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out + "]";
}

std::vector<std::string> sorted_strings(const YAML::Node& n) {
  std::vector<std::string> out;
  if (n && n.IsSequence())
    for (const auto& e : n) out.push_back(e.as<std::string>());
  std::sort(out.begin(), out.end());
  return out;
}

class Runner {
 public:
  Runner(const Engine& engine, std::ostream& out) : engine_(engine), out_(out) {}

  void run_test(const YAML::Node& test, const std::string& name) {
    QueryContext query;
    auto contextual = yaml_tuples(test["tuples"]);
    if (!contextual) return fail(name, "tuples: " + contextual.error().message);
    query.contextual_tuples = std::move(*contextual);
    if (auto ctx = test["context"]; ctx && ctx.IsMap()) query.context = yaml_to_json(ctx).as_object();

    for (const auto& c : test["check"]) {
      QueryContext q = with_context(query, c["context"]);
      const std::string user = c["user"].as<std::string>(""), object = c["object"].as<std::string>("");
      for (const auto& a : c["assertions"]) {
        const std::string relation = a.first.as<std::string>();
        const bool want = a.second.as<bool>();
        auto got = engine_.check(CheckRequest{TupleKey{object, relation, user}, q});
        const std::string what = "check " + user + " " + relation + " " + object;
        if (!got) fail(name, what + ": error " + got.error().message);
        else record(name, what, *got == want, want ? "true" : "false", *got ? "true" : "false");
      }
    }
    for (const auto& l : test["list_objects"]) {
      QueryContext q = with_context(query, l["context"]);
      const std::string user = l["user"].as<std::string>(""), type = l["type"].as<std::string>("");
      for (const auto& a : l["assertions"]) {
        const std::string relation = a.first.as<std::string>();
        auto got = engine_.list_objects(type, relation, user, q);
        const std::string what = "list_objects " + user + " " + relation + " " + type;
        if (!got) {
          fail(name, what + ": error " + got.error().message);
          continue;
        }
        auto want = sorted_strings(a.second);
        record(name, what, *got == want, join(want), join(*got));
      }
    }
    for (const auto& l : test["list_users"]) {
      QueryContext q = with_context(query, l["context"]);
      const std::string object = l["object"].as<std::string>("");
      std::vector<UserFilter> filters;
      for (const auto& f : l["user_filter"]) {
        UserFilter uf;
        uf.type = f["type"].as<std::string>("");
        uf.relation = f["relation"].as<std::string>("");
        filters.push_back(uf);
      }
      for (const auto& a : l["assertions"]) {
        const std::string relation = a.first.as<std::string>();
        auto got = engine_.list_users(object, relation, filters, q);
        const std::string what = "list_users " + object + "#" + relation;
        if (!got) {
          fail(name, what + ": error " + got.error().message);
          continue;
        }
        auto want = sorted_strings(a.second["users"]);
        record(name, what, *got == want, join(want), join(*got));
      }
    }
  }

  int passed() const { return passed_; }
  int failed() const { return failed_; }

 private:
  static QueryContext with_context(const QueryContext& base, const YAML::Node& ctx) {
    QueryContext q = base;
    if (ctx && ctx.IsMap()) {
      const boost::json::value extra = yaml_to_json(ctx);  // keep the temporary alive while copying
      for (const auto& kv : extra.as_object()) q.context[kv.key()] = kv.value();
    }
    return q;
  }
  void record(const std::string& test, const std::string& what, bool ok, const std::string& want,
              const std::string& got) {
    if (ok) {
      ++passed_;
      return;
    }
    fail(test, what + ": want " + want + ", got " + got);
  }
  void fail(const std::string& test, const std::string& message) {
    ++failed_;
    out_ << "FAIL  " << test << ": " << message << "\n";
  }

  const Engine& engine_;
  std::ostream& out_;
  int passed_ = 0, failed_ = 0;
};

}  // namespace

int run_test_file(const std::string& file, std::ostream& out) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::Exception& e) {
    out << file << ":" << e.mark.line + 1 << ":" << e.mark.column + 1 << ": " << e.msg << "\n";
    return 2;
  }
  const fs::path dir = fs::path(file).parent_path();
  std::string dsl;
  if (auto m = root["model"]; m && m.IsScalar()) {
    dsl = m.Scalar();
  } else if (auto mf = root["model_file"]; mf && mf.IsScalar()) {
    auto text = read_text(dir / mf.Scalar());
    if (!text) {
      out << file << ": cannot read model_file " << (dir / mf.Scalar()).string() << "\n";
      return 2;
    }
    dsl = std::move(*text);
  } else {
    out << file << ": `model` or `model_file` is required\n";
    return 2;
  }
  auto model = load_dsl(dsl);
  if (!model) {
    out << file << ": model: " << model.error().message << "\n";
    return 2;
  }
  MemoryStore store;
  std::vector<Tuple> tuples;
  try {
    auto inline_tuples = yaml_tuples(root["tuples"]);
    if (!inline_tuples) {
      out << file << ": tuples: " << inline_tuples.error().message << "\n";
      return 2;
    }
    tuples = std::move(*inline_tuples);
    std::vector<std::string> tuple_files;
    if (auto tf = root["tuple_file"]; tf && tf.IsScalar()) tuple_files.push_back(tf.Scalar());
    for (const auto& tf : root["tuple_files"]) tuple_files.push_back(tf.as<std::string>());
    for (const auto& name : tuple_files) {
      YAML::Node node = YAML::LoadFile((dir / name).string());
      auto more = yaml_tuples(node);
      if (!more) {
        out << (dir / name).string() << ": " << more.error().message << "\n";
        return 2;
      }
      tuples.insert(tuples.end(), more->begin(), more->end());
    }
  } catch (const YAML::Exception& e) {
    out << file << ": tuples: " << e.what() << "\n";
    return 2;
  }
  if (auto st = store.write(tuples, {}); !st) {
    out << file << ": tuples: " << st.error().message << "\n";
    return 2;
  }
  Engine engine(std::make_shared<const Model>(std::move(*model)), store, cel_conditions());
  Runner runner(engine, out);
  const YAML::Node tests = root["tests"];
  if (!tests || !tests.IsSequence() || tests.size() == 0) {
    out << file << ": `tests` must list at least one test\n";
    return 2;
  }
  try {
    for (std::size_t i = 0; i < tests.size(); ++i) {
      std::string name = tests[i]["name"].as<std::string>("test " + std::to_string(i + 1));
      runner.run_test(tests[i], name);
    }
  } catch (const YAML::Exception& e) {
    out << file << ": malformed test: " << e.what() << "\n";
    return 2;
  }
  out << runner.passed() << " assertions passed, " << runner.failed() << " failed (" << file << ")\n";
  return runner.failed() == 0 ? 0 : 1;
}

}  // namespace gatehouse::fga
