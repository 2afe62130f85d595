#include "brick/core/error.hpp"

#include "brick/core/secrets.hpp"

namespace brick {

std::string_view category_name(ErrorCategory category) {
    switch (category) {
        case ErrorCategory::invalid_properties:
            return "invalid_properties";
        case ErrorCategory::target_unreachable:
            return "target_unreachable";
        case ErrorCategory::login_failed:
            return "login_failed";
        case ErrorCategory::authentication_failed:
            return "authentication_failed";
        case ErrorCategory::device_not_found:
            return "device_not_found";
        case ErrorCategory::timeout:
            return "timeout";
        case ErrorCategory::command_failed:
            return "command_failed";
        case ErrorCategory::not_supported:
            return "not_supported";
        case ErrorCategory::would_lose_data:
            return "would_lose_data";
        case ErrorCategory::wrong_device:
            return "wrong_device";
        case ErrorCategory::host_error:
            return "host_error";
        case ErrorCategory::internal:
            return "internal";
    }
    return "internal";
}

int exit_code(ErrorCategory category) {
    switch (category) {
        case ErrorCategory::invalid_properties:
            return 10;
        case ErrorCategory::target_unreachable:
            return 11;
        case ErrorCategory::login_failed:
            return 12;
        case ErrorCategory::authentication_failed:
            return 13;
        case ErrorCategory::device_not_found:
            return 14;
        case ErrorCategory::timeout:
            return 15;
        case ErrorCategory::command_failed:
            return 16;
        case ErrorCategory::not_supported:
            return 17;
        case ErrorCategory::would_lose_data:
            return 18;
        case ErrorCategory::wrong_device:
            return 19;
        case ErrorCategory::host_error:
            return 20;
        case ErrorCategory::internal:
            return 70;
    }
    return 70;
}

Error::Error(ErrorCategory category, const std::string& message, std::string field)
    : std::runtime_error(std::string(category_name(category)) + ": " + mask_secrets(message)),
      category_(category),
      message_(mask_secrets(message)),
      field_(std::move(field)) {}

void throw_invalid(std::string field, const std::string& expected) {
    std::string message = field + ": expected " + expected;
    throw Error(ErrorCategory::invalid_properties, message, std::move(field));
}

}  // namespace brick
