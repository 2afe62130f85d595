#include "brick/connector/openable.hpp"

#include <algorithm>
#include <utility>

#include "brick/core/error.hpp"
#include "brick/core/log.hpp"
#include "brick/host/trace.hpp"
#include "brick/host/udev.hpp"
#include "brick/host/wait.hpp"

namespace brick {
namespace {

class OpenableConnector final : public Connector {
  public:
    OpenableConnector(std::unique_ptr<Connector> inner, Host& host, Duration timeout)
        : inner_(std::move(inner)), host_(host), timeout_(timeout) {}

    DeviceInfo connect(const nlohmann::json& data) override {
        // A volume attached before this connect stays attached when its device
        // does not open: undoing it would tear down what another caller uses.
        const bool attached_before = attached_now(data);
        DeviceInfo device = inner_->connect(data);
        if (device.type != "block" || device.path.empty()) {
            return device;
        }
        IoStatus last;
        const bool opened = wait_until(host_, timeout_, [&] {
            last = host_.open_check(device.path);
            return last.ok();
        });
        if (opened) {
            return device;
        }
        const auto what = device.path + " appeared but could not be opened within " +
                          std::to_string(timeout_.count()) + " ms (" + errno_name(last.error) + ")";
        if (attached_before) {
            throw Error(ErrorCategory::device_not_found,
                        what + "; the volume was attached before and stays attached");
        }
        // Leave the host as it was: the attach is undone before reporting.
        inner_->disconnect(data, device, {.force = true, .ignore_errors = true});
        throw Error(ErrorCategory::device_not_found, what + "; the volume was detached again");
    }

    void disconnect(const nlohmann::json& data, const DeviceInfo& device,
                    const DisconnectOptions& options) override {
        if (device.type == "block" && !device.path.empty()) {
            wait_for_udev(device.path);
        }
        inner_->disconnect(data, device, options);
    }

    std::uint64_t extend(const nlohmann::json& data) override { return inner_->extend(data); }

    std::vector<std::string> paths(const nlohmann::json& data) override {
        return inner_->paths(data);
    }

    std::optional<bool> attached(const nlohmann::json& data) override {
        return inner_->attached(data);
    }

  private:
    // udev has handled a device once its database entry exists (libudev's
    // "initialized"): its links are made and multipathd has been told. A
    // device removed before that got its links after the detach (udev in a
    // loaded guest handled the add event late), so a detach waits for it,
    // bounded. A connect does not: the device opens, and links asked for
    // (--link) are waited for themselves. Under TCG udev takes 0.2-0.8 s
    // per new disk, about as long as the whole attach.
    void wait_for_udev(const std::string& path) {
        udev::wait_handled(host_, host_.kernel_name(path), std::min(timeout_, udev::grace));
    }

    bool attached_now(const nlohmann::json& data) {
        try {
            if (const auto known = inner_->attached(data)) {
                return *known;
            }
            const auto paths = inner_->paths(data);
            return std::any_of(paths.begin(), paths.end(),
                               [&](const std::string& path) { return host_.exists(path); });
        } catch (const std::exception&) {
            return false;  // connect reports what is wrong with the properties
        }
    }

    std::unique_ptr<Connector> inner_;
    Host& host_;
    Duration timeout_;
};

}  // namespace

std::unique_ptr<Connector> wrap_openable(std::unique_ptr<Connector> inner, Host& host,
                                         const ConnectorOptions& options) {
    return std::make_unique<OpenableConnector>(std::move(inner), host, options.device_timeout);
}

}  // namespace brick
