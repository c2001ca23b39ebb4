// LineWriter: every appended line reaches the file whole, each producer's lines in its order,
// and flush() / destruction leave nothing behind — whether the writer was idle or busy.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "log/line_writer.h"

using uplift::log::LineWriter;

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct TempFile {
  std::string path;
  int fd = -1;
  TempFile() {
    char name[] = "/tmp/uplift-logwriter-XXXXXX";
    fd = mkstemp(name);
    path = name;
  }
  ~TempFile() {
    ::close(fd);
    std::remove(path.c_str());
  }
};

}  // namespace

TEST_CASE("lines from many threads arrive whole and in each thread's order") {
  TempFile f;
  REQUIRE(f.fd >= 0);
  const int threads = 4, per_thread = 5000;
  {
    LineWriter log(f.fd);
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([&log, t] {
        for (int i = 0; i < per_thread; ++i) log.append("{\"t\":" + std::to_string(t) + ",\"i\":" + std::to_string(i) + "}\n");
      });
    for (auto& t : ts) t.join();
    log.flush();
    std::string text = read_all(f.path);
    std::map<int, int> next;
    int lines = 0;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line); ++lines) {
      int t = -1, i = -1;
      REQUIRE(std::sscanf(line.c_str(), "{\"t\":%d,\"i\":%d}", &t, &i) == 2);
      CHECK(i == next[t]);
      next[t] = i + 1;
    }
    CHECK(lines == threads * per_thread);
  }
}

TEST_CASE("an idle writer is woken by the next line; the destructor writes what is pending") {
  TempFile f;
  REQUIRE(f.fd >= 0);
  {
    LineWriter log(f.fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // long enough to go idle
    log.append("first\n");
    log.flush();
    CHECK(read_all(f.path) == "first\n");
    log.append("second\n");
  }
  CHECK(read_all(f.path) == "first\nsecond\n");
}
