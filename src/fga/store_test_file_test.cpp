#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fga/store_test_file.hpp"

namespace gatehouse::fga {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("fga-file-test-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
};

constexpr const char* kModel = R"(model
  schema 1.1
type user
type doc
  relations
    define viewer: [user, user with in_office]
condition in_office(ip: ipaddress) {
  ip.in_cidr("10.0.0.0/8")
}
)";

TEST(StoreTestFile, RunsChecksListsAndConditionsAndReportsFailures) {
  TempDir dir;
  dir.write("m.fga", kModel);
  auto file = dir.write("t.fga.yaml", R"(model_file: m.fga
tuples:
  - { user: "user:anne", relation: viewer, object: "doc:1" }
  - { user: "user:ben", relation: viewer, object: "doc:2", condition: { name: in_office } }
tests:
  - name: direct and conditioned
    check:
      - { user: "user:anne", object: "doc:1", assertions: { viewer: true } }
      - { user: "user:ben", object: "doc:2", context: { ip: "10.1.2.3" }, assertions: { viewer: true } }
      - { user: "user:ben", object: "doc:2", context: { ip: "192.168.0.1" }, assertions: { viewer: false } }
    list_objects:
      - { user: "user:anne", type: doc, assertions: { viewer: ["doc:1"] } }
  - name: deliberately wrong
    check:
      - { user: "user:anne", object: "doc:2", assertions: { viewer: true } }
)");
  std::ostringstream out;
  EXPECT_EQ(run_test_file(file, out), 1);
  EXPECT_NE(out.str().find("FAIL  deliberately wrong: check user:anne viewer doc:2: want true, got false"),
            std::string::npos) << out.str();
  EXPECT_NE(out.str().find("4 assertions passed, 1 failed"), std::string::npos) << out.str();
}

TEST(StoreTestFile, InvalidModelOrFileIsExit2) {
  TempDir dir;
  std::ostringstream out;
  EXPECT_EQ(run_test_file(dir.write("bad.fga.yaml", "model: |\n  model\n    schema 1.1\n  type doc\n    relations\n      define v: [nosuch]\ntests: [ {name: x} ]\n"), out), 2);
  EXPECT_NE(out.str().find("model:"), std::string::npos) << out.str();
  std::ostringstream out2;
  EXPECT_EQ(run_test_file(dir.write("broken.fga.yaml", "tests: [ unclosed\n"), out2), 2);
  std::ostringstream out3;
  EXPECT_EQ(run_test_file((dir.path / "missing.fga.yaml").string(), out3), 2);
}

}  // namespace
}  // namespace gatehouse::fga
