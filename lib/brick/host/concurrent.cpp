#include "brick/host/concurrent.hpp"

#include <exception>
#include <memory>
#include <vector>

namespace brick {

void run_for_each(Host& host, std::size_t count, const std::string& name,
                  const std::function<void(std::size_t)>& step) {
    if (count == 1) {
        step(0);
        return;
    }
    std::vector<std::exception_ptr> errors(count);
    std::vector<std::unique_ptr<Task>> tasks;
    tasks.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        tasks.push_back(host.start_task(name + "-" + std::to_string(i), [&, i] {
            try {
                step(i);
            } catch (...) {
                errors[i] = std::current_exception();
            }
        }));
    }
    for (auto& task : tasks) {
        task->join();
    }
    for (const auto& error : errors) {
        if (error) {
            std::rethrow_exception(error);
        }
    }
}

}  // namespace brick
