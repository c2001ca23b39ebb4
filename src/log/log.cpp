#include "log/log.h"

#include <unistd.h>

#include <cerrno>
#include <memory>
#include <mutex>

#include <spdlog/logger.h>
#include <spdlog/sinks/sink.h>

#include "log/line_writer.h"

namespace uplift::log {
namespace {

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to log that the log cannot be written
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

// The logger's one sink. Lines arrive formatted (format_event, or the request log's object), so
// spdlog's pattern formatter is not used: the sink writes the payload and a newline — at once,
// or through the Batch's LineWriter.
class JsonLineSink final : public spdlog::sinks::sink {
 public:
  void log(const spdlog::details::log_msg& msg) override {
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    std::shared_ptr<LineWriter> writer;
    int fd;
    {
      std::lock_guard lock(mu_);
      writer = writer_;
      fd = fd_;
    }
    if (writer) {
      writer->append_line(payload);
      return;
    }
    std::string text(payload);
    text.push_back('\n');
    write_all(fd, text);
  }
  void flush() override {
    std::shared_ptr<LineWriter> writer;
    {
      std::lock_guard lock(mu_);
      writer = writer_;
    }
    if (writer) writer->flush();
  }
  void set_pattern(const std::string&) override {}
  void set_formatter(std::unique_ptr<spdlog::formatter>) override {}

  void begin_batch() {
    std::lock_guard lock(mu_);
    if (batches_++ == 0) writer_ = std::make_shared<LineWriter>(fd_);
  }
  void end_batch() {
    std::shared_ptr<LineWriter> last;
    {
      std::lock_guard lock(mu_);
      if (--batches_ == 0) last = std::move(writer_);
    }
    if (last) last->flush();  // the writer itself goes with the last line still being appended
  }
  void set_fd(int fd) {
    std::lock_guard lock(mu_);
    fd_ = fd;
  }

 private:
  std::mutex mu_;  // guards the three below; never held while writing
  std::shared_ptr<LineWriter> writer_;
  int batches_ = 0;
  int fd_ = 2;
};

struct Logger {
  std::shared_ptr<JsonLineSink> sink = std::make_shared<JsonLineSink>();
  spdlog::logger logger{"uplift", sink};
  Logger() {
    logger.set_level(spdlog::level::info);
    logger.flush_on(spdlog::level::warn);
  }
};

// Never destroyed: threads still running at exit may log.
Logger& the_logger() {
  static Logger* l = new Logger;
  return *l;
}

spdlog::level::level_enum spdlog_level(Level level) {
  switch (level) {
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

std::string_view level_name(Level level) {
  switch (level) {
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "?";
}

std::optional<Level> parse_level(std::string_view name) {
  for (Level l : {Level::kInfo, Level::kWarn, Level::kError})
    if (level_name(l) == name) return l;
  return std::nullopt;
}

std::string format_event(Level level, std::string_view msg, std::span<const Field> fields) {
  std::string out = "{\"level\":\"";
  out += level_name(level);
  out += "\",\"msg\":";
  out += dump(msg);
  for (const auto& [name, value] : fields) {
    out += ',';
    out += dump(name);
    out += ':';
    out += dump(value);
  }
  out += '}';
  return out;
}

void event(Level level, std::string_view msg, std::span<const Field> fields) {
  Logger& l = the_logger();
  const auto lvl = spdlog_level(level);
  if (!l.logger.should_log(lvl)) return;
  const std::string text = format_event(level, msg, fields);
  l.logger.log(lvl, spdlog::string_view_t(text.data(), text.size()));
}

void line(std::string_view json_object) {
  the_logger().logger.log(spdlog::level::info, spdlog::string_view_t(json_object.data(), json_object.size()));
}

void flush() { the_logger().logger.flush(); }

Batch::Batch() { the_logger().sink->begin_batch(); }
Batch::~Batch() { the_logger().sink->end_batch(); }

void set_output_fd(int fd) { the_logger().sink->set_fd(fd); }

}  // namespace uplift::log
