// The one logger. Every line uplift writes to its log — the server's events and its request log —
// is one JSON object on one line of standard error, written through one spdlog logger.
//
// An event line reads {"level":"info"|"warn"|"error","msg":"…", then its fields in the order
// given}. Those names, each event's msg and its field names are an interface: operators and tests
// grep them (`"msg":"listening"…"port":8080`, `"msg":"config reloaded","by":"SIGHUP"`). A request
// line is the HTTP server's access-log object ({"ts":…,"method":…}), written as it is given.
//
// Promises: thread-safe; a line is written whole, and one thread's lines stay in order. Outside a
// Batch a line is written (one write(2)) before the call returns. While a Batch lives — the
// server's run — lines go to a writer thread that writes about once a millisecond
// (line_writer.h), and a warn or error line is written before the call returns. Field values are
// JSON: strings are escaped, invalid UTF-8 is replaced, numbers and booleans stay what they are.
// Logging never throws and never fails the caller.
#pragma once

#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace uplift::log {

enum class Level { kInfo, kWarn, kError };
// "info", "warn", "error" — the "level" of a line — and back.
std::string_view level_name(Level level);
std::optional<Level> parse_level(std::string_view name);

// One field of an event line: its name and its value.
using Field = std::pair<std::string_view, nlohmann::json>;

// The event line, without the newline: {"level":…,"msg":…,<fields>}.
std::string format_event(Level level, std::string_view msg, std::span<const Field> fields);

void event(Level level, std::string_view msg, std::span<const Field> fields);
inline void info(std::string_view msg, std::initializer_list<Field> fields = {}) {
  event(Level::kInfo, msg, {fields.begin(), fields.size()});
}
inline void warn(std::string_view msg, std::initializer_list<Field> fields = {}) {
  event(Level::kWarn, msg, {fields.begin(), fields.size()});
}
inline void error(std::string_view msg, std::initializer_list<Field> fields = {}) {
  event(Level::kError, msg, {fields.begin(), fields.size()});
}

// A line that is already one JSON object (the request log), without the newline: written as is.
void line(std::string_view json_object);

// Returns once every line logged before the call is written.
void flush();

// While one lives, lines are written by a background thread (the server: a request costs an
// append to a buffer, not a write(2)); its destructor writes what is left. Batches may overlap.
class Batch {
 public:
  Batch();
  ~Batch();
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;
};

// Where lines go: a file descriptor, standard error (2) unless a test says otherwise. Lines
// logged during a Batch go to the descriptor set when it began.
void set_output_fd(int fd);

}  // namespace uplift::log
