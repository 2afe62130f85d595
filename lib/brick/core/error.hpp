#pragma once
// Typed errors of libbrick. Every failure the library reports is a brick::Error
// with a category (what kind of failure), an optional field (which input key was
// wrong) and a message that says what failed and what to check. Messages are
// masked: no registered secret ever appears in what() .

#include <stdexcept>
#include <string>
#include <string_view>

namespace brick {

enum class ErrorCategory {
    invalid_properties,     // connection properties or arguments are malformed
    target_unreachable,     // no portal/port answered
    login_failed,           // session/controller could not be established
    authentication_failed,  // CHAP or host authentication rejected
    device_not_found,       // the volume's device did not appear in time
    timeout,                // an operation exceeded its deadline
    command_failed,         // a host program failed
    not_supported,          // protocol or feature not implemented / not available
    would_lose_data,        // refusing: continuing would drop unflushed data
    wrong_device,           // a device's identity does not match the volume
    host_error,             // unexpected host state (sysfs, permissions, ...)
    internal,               // a bug in libbrick
};

// Stable name used in JSON output ("invalid_properties", ...).
std::string_view category_name(ErrorCategory category);

// Process exit code of the `brick` tool for a category (documented in README).
int exit_code(ErrorCategory category);

class Error : public std::runtime_error {
  public:
    Error(ErrorCategory category, const std::string& message, std::string field = {});

    ErrorCategory category() const { return category_; }
    // The input key the error is about ("data.target_portal"), or empty.
    const std::string& field() const { return field_; }
    // The masked message without the category prefix.
    const std::string& message() const { return message_; }

  private:
    ErrorCategory category_;
    std::string message_;
    std::string field_;
};

// Shorthand for the most common error: a connection-property key is wrong.
[[noreturn]] void throw_invalid(std::string field, const std::string& expected);

}  // namespace brick
