#include "brick/host/wait.hpp"

namespace brick {

bool wait_until(Host& host, Duration timeout, const std::function<bool()>& ready,
                const WaitHints& hints) {
    return host.wait_until(ready, host.now() + timeout, hints);
}

bool retry(Host& host, const RetryPolicy& policy, const std::function<bool(int attempt)>& attempt) {
    const Backoff backoff{.first = policy.first_delay, .factor = policy.backoff};
    for (int i = 1; i <= policy.attempts; ++i) {
        if (attempt(i)) {
            return true;
        }
        if (i < policy.attempts) {
            host.sleep_for(backoff.delay(i - 1));
        }
    }
    return false;
}

}  // namespace brick
