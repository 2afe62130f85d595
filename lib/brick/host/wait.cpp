#include "brick/host/wait.hpp"

namespace brick {

bool wait_until(Host& host, Duration timeout, const std::function<bool()>& ready,
                const WaitHints& hints) {
    return host.wait_until(ready, host.now() + timeout, hints);
}

bool retry(Host& host, const RetryPolicy& policy, const std::function<bool(int attempt)>& attempt) {
    auto delay = policy.first_delay;
    for (int i = 1; i <= policy.attempts; ++i) {
        if (attempt(i)) {
            return true;
        }
        if (i < policy.attempts) {
            host.sleep_for(delay);
            delay = Duration(
                static_cast<Duration::rep>(static_cast<double>(delay.count()) * policy.backoff));
        }
    }
    return false;
}

}  // namespace brick
