#include "backends.hpp"

#include "brick/core/error.hpp"
#include "real_backend.hpp"
#include "sim_backend.hpp"

namespace brick::lab {

std::unique_ptr<Backend> make_backend(const std::string& name, const std::string& target,
                                      const std::filesystem::path& work_dir) {
    if (name == "sim") {
        return std::make_unique<SimBackend>();
    }
    if (name == "real") {
        return std::make_unique<RealBackend>(target, work_dir);
    }
    throw Error(ErrorCategory::not_supported, "backend " + name + " is not available yet");
}

}  // namespace brick::lab
