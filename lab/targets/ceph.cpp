#include "targets/ceph.hpp"

#include "brick/core/error.hpp"

namespace brick::lab {

namespace {
// `rbd create` waits for the pool's placement groups; a few seconds under TCG.
constexpr Duration tool_timeout{120000};
}  // namespace

CephCluster::CephCluster(Host& host, std::string conf) : host_(host), conf_(std::move(conf)) {}

std::string CephCluster::unsupported(const Fabric& fabric) {
    if (!fabric.rbd) {
        return "the fabric has no RBD cluster";
    }
    for (const auto& monitor : fabric.rbd->monitors) {
        if (monitor.host != "127.0.0.1" || monitor.port != 6789) {
            return "monitor " + monitor.to_string() +
                   " is not the guest cluster's (127.0.0.1:6789)";
        }
    }
    return {};
}

void CephCluster::run(std::vector<std::string> argv) {
    const auto line = argv.front() + " " + argv[3] + " " + argv.back();
    const auto result = host_.run(Command{std::move(argv), {}, tool_timeout});
    if (!result.ok()) {
        throw Error(ErrorCategory::command_failed, line + " failed: " + result.err);
    }
}

void CephCluster::configure(const Fabric& fabric) {
    for (const auto& image : fabric.rbd->images) {
        const auto name = image.pool + "/" + image.image;
        run({"rbd", "--conf", conf_, "create", "--size", std::to_string(image.size_mib),
             "--image-feature", "layering", name});
        created_.push_back(name);
    }
}

void CephCluster::clear() {
    for (const auto& name : created_) {
        host_.run(Command{{"rbd", "--conf", conf_, "rm", "--no-progress", name}, {}, tool_timeout});
    }
    created_.clear();
}

}  // namespace brick::lab
