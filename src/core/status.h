// Status and Result<T>: errors as values for every fallible call in Vigil's core.
// A Status is ok or carries a code and a message; Result<T> holds a T or a Status.
// Both are plain values: copy and move freely; no thread rules beyond those of std::string.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace vigil {

enum class Code {
  kOk = 0,
  kInvalidArgument,  // the caller asked for something malformed (bad flag, bad option)
  kNotFound,         // a file, rule or field that should exist does not
  kIo,               // the operating system refused a read or write
  kCorrupt,          // input bytes do not follow their format
  kUnsupported,      // well-formed input using a feature Vigil refuses (with the reason)
  kLimit,            // a resource limit was hit (record size, nesting depth, rule count...)
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // Returns a copy whose message is prefixed with `context: ` (a file name, a rule id...).
  Status with_context(const std::string& context) const {
    if (ok()) return *this;
    return {code_, context + ": " + message_};
  }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status Invalid(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status IoError(std::string m) { return {Code::kIo, std::move(m)}; }
inline Status Corrupt(std::string m) { return {Code::kCorrupt, std::move(m)}; }
inline Status Unsupported(std::string m) { return {Code::kUnsupported, std::move(m)}; }
inline Status LimitError(std::string m) { return {Code::kLimit, std::move(m)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {      // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "Result from an ok Status has no value");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace vigil

#define VIGIL_RETURN_IF_ERROR(expr)          \
  do {                                       \
    ::vigil::Status _vigil_st = (expr);      \
    if (!_vigil_st.ok()) return _vigil_st;   \
  } while (0)
