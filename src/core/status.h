// Status and Result<T>: how errors cross module boundaries in uplift.
//
// A Status is either OK or carries a Code and a message written for the person who will read it
// ("events.ndjson:12: ts: not an RFC 3339 timestamp"). A Result<T> holds either a T or a non-OK
// Status; callers must check ok() before value(). Both are plain values: copyable, movable and
// safe to pass between threads. Exceptions are used only inside a module, never across one.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace uplift {

enum class Code {
  kOk = 0,
  kInvalidArgument,  // the input is wrong; the message says where and why
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,  // e.g. a database written by a newer uplift, an immutable cohort
  kUnavailable,         // a dependency (database) cannot be reached right now; retry later
  kPermissionDenied,
  kUnauthenticated,
  kResourceExhausted,   // a body or line over its limit
  kAborted,             // a concurrent writer won (a Galera certification conflict) after every retry;
                        // nothing was written, the database is fine: retry the call
  kInternal,
};

std::string_view code_name(Code code);

class Status {
 public:
  Status() = default;
  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) { return Status(Code::kInvalidArgument, std::move(msg)); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status AlreadyExists(std::string msg) { return Status(Code::kAlreadyExists, std::move(msg)); }
  static Status FailedPrecondition(std::string msg) { return Status(Code::kFailedPrecondition, std::move(msg)); }
  static Status Unavailable(std::string msg) { return Status(Code::kUnavailable, std::move(msg)); }
  static Status Aborted(std::string msg) { return Status(Code::kAborted, std::move(msg)); }
  static Status PermissionDenied(std::string msg) { return Status(Code::kPermissionDenied, std::move(msg)); }
  static Status Unauthenticated(std::string msg) { return Status(Code::kUnauthenticated, std::move(msg)); }
  static Status ResourceExhausted(std::string msg) { return Status(Code::kResourceExhausted, std::move(msg)); }
  static Status Internal(std::string msg) { return Status(Code::kInternal, std::move(msg)); }

  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "InvalidArgument: events.ndjson:12: ts: ..." or "OK".
  std::string to_string() const;
  // A copy with `context` prepended to the message: "context: message".
  Status with_context(std::string_view context) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "Result built from an OK Status has no value");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace uplift

// Propagate a non-OK Status from an expression returning Status.
#define UPLIFT_RETURN_IF_ERROR(expr)          \
  do {                                        \
    ::uplift::Status _st = (expr);            \
    if (!_st.ok()) return _st;                \
  } while (0)
