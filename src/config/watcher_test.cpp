#include "config/watcher.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <unistd.h>

namespace gatehouse::config {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class WatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("gh-watch-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    file_ = dir_ / "gw.yaml";
    write(file_, "a: 1\n");
  }
  void TearDown() override { fs::remove_all(dir_); }

  static void write(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::trunc);
    out << text;
  }

  std::shared_ptr<FileWatcher> watch(std::chrono::milliseconds debounce = 100ms) {
    auto w = FileWatcher::create(io_.get_executor(), file_.string(), [this] { ++calls_; }, debounce);
    EXPECT_TRUE(w) << (w ? "" : w.error().message);
    (*w)->start();
    // Let the read be posted before the test changes files.
    io_.run_for(20ms);
    return *w;
  }

  // Runs `action` at `after` on the io_context.
  void at(std::chrono::milliseconds after, std::function<void()> action) {
    auto t = std::make_shared<asio::steady_timer>(io_, after);
    t->async_wait([t, action = std::move(action)](auto) { action(); });
  }

  asio::io_context io_;
  fs::path dir_;
  fs::path file_;
  int calls_ = 0;
};

TEST_F(WatcherTest, FiresOnWriteInPlace) {
  auto w = watch();
  write(file_, "a: 2\n");
  io_.run_for(400ms);
  EXPECT_EQ(calls_, 1);
  write(file_, "a: 3\n");
  io_.run_for(400ms);
  EXPECT_EQ(calls_, 2);
  w->stop();
}

TEST_F(WatcherTest, FiresOnRenameReplace) {
  auto w = watch();
  write(dir_ / ".gw.yaml.tmp", "a: 2\n");
  io_.run_for(300ms);
  EXPECT_EQ(calls_, 0) << "a temporary file alone is not a change";
  fs::rename(dir_ / ".gw.yaml.tmp", file_);
  io_.run_for(400ms);
  EXPECT_EQ(calls_, 1);
  w->stop();
}

TEST_F(WatcherTest, DebouncesABurst) {
  auto w = watch(150ms);
  for (int i = 0; i < 6; ++i) at(std::chrono::milliseconds(30 * i), [this, i] { write(file_, "a: " + std::to_string(i) + "\n"); });
  // The last write is at 150ms: nothing may fire before 300ms, one call after.
  io_.run_for(250ms);
  EXPECT_EQ(calls_, 0);
  io_.run_for(400ms);
  EXPECT_EQ(calls_, 1);
  w->stop();
}

TEST_F(WatcherTest, IgnoresOtherFiles) {
  auto w = watch();
  write(dir_ / "other.yaml", "x\n");
  fs::remove(dir_ / "other.yaml");
  io_.run_for(300ms);
  EXPECT_EQ(calls_, 0);
  w->stop();
}

TEST_F(WatcherTest, StopsCleanly) {
  auto w = watch();
  write(file_, "a: 2\n");
  w->stop();
  // Once stopped, nothing is pending: run() returns by itself and no callback ran.
  io_.restart();
  auto start = std::chrono::steady_clock::now();
  io_.run();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(calls_, 0);
  w->stop();  // twice is fine
  io_.restart();
  io_.run();
  std::weak_ptr<FileWatcher> weak = w;
  w.reset();
  EXPECT_TRUE(weak.expired()) << "no coroutine keeps the watcher alive after stop";
}

TEST_F(WatcherTest, MissingDirectoryIsAnError) {
  auto w = FileWatcher::create(io_.get_executor(), (dir_ / "nope" / "gw.yaml").string(), [] {});
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message.find("cannot watch"), std::string::npos);
}

}  // namespace
}  // namespace gatehouse::config
