#include "brick/iscsi/path_race.hpp"

#include <algorithm>
#include <exception>

#include "brick/core/log.hpp"

namespace brick::iscsi {

PathRace::PathRace(std::size_t paths) : results_(paths) {}

PathRace::~PathRace() {
    for (auto& task : tasks_) {
        try {
            task->join();
        } catch (...) {  // NOLINT(bugprone-empty-catch): the owner is gone, nobody asks
        }
    }
}

void PathRace::start(Host& host, const std::vector<std::string>& names, const Attempt& attempt) {
    tasks_.reserve(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        tasks_.push_back(host.start_task("login-" + names[i], [this, i, attempt, name = names[i]] {
            try {
                auto result = attempt(i, cancelled_);
                Late late;
                {
                    const std::lock_guard guard(mutex_);
                    results_[i] = result;
                    if (handed_off_) {
                        late = late_;
                    }
                }
                if (late) {
                    late(result);
                }
            } catch (const std::exception& e) {
                // Nobody waits for a late path's outcome: it is only logged.
                log::error("path " + name + ": " + e.what());
                const std::lock_guard guard(mutex_);
                if (!results_[i]) {
                    results_[i] = PathResult{};
                    results_[i]->error = Error(ErrorCategory::internal, e.what());
                }
            }
        }));
    }
}

PathRace::Results PathRace::snapshot() const {
    const std::lock_guard guard(mutex_);
    return results_;
}

PathRace::Results PathRace::settle(Host& host, Duration grace, Clock::time_point deadline) {
    const auto all_ended = [this] {
        const auto now = snapshot();
        return std::all_of(now.begin(), now.end(), [](const auto& r) { return r.has_value(); });
    };
    const auto any_disk = [this] {
        const auto now = snapshot();
        return std::any_of(now.begin(), now.end(),
                           [](const auto& r) { return r.has_value() && r->disk.has_value(); });
    };
    WaitHints hints;
    hints.block_events = false;
    host.wait_until([&] { return all_ended() || any_disk(); }, deadline, hints);
    if (!all_ended() && any_disk()) {
        host.wait_until(all_ended, std::min(deadline, host.now() + grace), hints);
    }
    return snapshot();
}

PathRace::Results PathRace::hand_off(Late late) {
    const std::lock_guard guard(mutex_);
    late_ = std::move(late);
    handed_off_ = true;
    return results_;
}

void PathRace::join() {
    // Every task is joined before what one of them threw goes on.
    std::exception_ptr first;
    for (auto& task : tasks_) {
        try {
            task->join();
        } catch (...) {
            first = first ? first : std::current_exception();
        }
    }
    if (first) {
        std::rethrow_exception(first);
    }
}

}  // namespace brick::iscsi
