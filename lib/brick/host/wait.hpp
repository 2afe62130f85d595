#pragma once
// The one wait-and-retry primitive of libbrick. Every place that waits for the
// kernel, udev or a daemon, and every place that retries a flaky operation,
// goes through these two functions, so deadlines, logging and virtual time
// behave the same everywhere.

#include <functional>
#include <optional>
#include <string>

#include "brick/core/error.hpp"
#include "brick/host/host.hpp"

namespace brick {

// Waits until probe() yields a value and returns it. On timeout throws
// Error(on_timeout, "<what> did not appear within <N> ms"). probe may throw to
// stop waiting early (for example when the session it depends on is gone).
template <typename T>
T wait_for(Host& host, const std::string& what, Duration timeout,
           const std::function<std::optional<T>()>& probe, const WaitHints& hints = {},
           ErrorCategory on_timeout = ErrorCategory::timeout) {
    std::optional<T> value;
    const auto deadline = host.now() + timeout;
    host.wait_until(
        [&] {
            value = probe();
            return value.has_value();
        },
        deadline, hints);
    if (!value) {
        throw Error(on_timeout,
                    what + " did not happen within " + std::to_string(timeout.count()) + " ms");
    }
    return std::move(*value);
}

// Waits until ready() is true; false on timeout (no exception).
bool wait_until(Host& host, Duration timeout, const std::function<bool()>& ready,
                const WaitHints& hints = {});

struct RetryPolicy {
    int attempts = 3;
    Duration first_delay{100};
    double backoff = 2.0;
};

// Runs attempt() until it returns true or the attempts are used up; sleeps
// between attempts through the host. Returns whether an attempt succeeded.
bool retry(Host& host, const RetryPolicy& policy, const std::function<bool(int attempt)>& attempt);

}  // namespace brick
