#pragma once
// The one wait-and-retry primitive of libbrick. Every place that waits for the
// kernel, udev or a daemon, and every place that retries a flaky operation,
// goes through these two functions, so deadlines, logging and virtual time
// behave the same everywhere.

#include <algorithm>
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

// A backoff schedule: the first delay, then each one the one before times
// factor (truncated to whole milliseconds), never above cap. The one schedule
// of libbrick: retry() sleeps these delays between attempts, and whoever
// waits again and again (a rescan while a device is awaited) takes its
// intervals from it and waits them through wait_until/wait_for.
struct Backoff {
    Duration first{100};
    double factor = 2.0;
    Duration cap = Duration::max();

    // Delay number n, from 0: min(first * factor^n, cap), each step truncated.
    constexpr Duration delay(int n) const {
        auto value = std::min(first, cap);
        for (int i = 0; i < n && value < cap; ++i) {
            const double next = static_cast<double>(value.count()) * factor;
            value = next >= static_cast<double>(cap.count())
                        ? cap
                        : Duration(static_cast<Duration::rep>(next));
        }
        return value;
    }
};

struct RetryPolicy {
    int attempts = 3;
    Duration first_delay{100};
    double backoff = 2.0;
};

// Runs attempt() until it returns true or the attempts are used up; sleeps
// between attempts through the host (Backoff{first_delay, backoff}: the
// delays first_delay, first_delay * backoff, ...). Returns whether an attempt
// succeeded.
bool retry(Host& host, const RetryPolicy& policy, const std::function<bool(int attempt)>& attempt);

}  // namespace brick
