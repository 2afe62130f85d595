#include "brick/connector/openable.hpp"

#include <utility>

#include "brick/core/error.hpp"
#include "brick/host/trace.hpp"
#include "brick/host/wait.hpp"

namespace brick {
namespace {

class OpenableConnector final : public Connector {
  public:
    OpenableConnector(std::unique_ptr<Connector> inner, Host& host, Duration timeout)
        : inner_(std::move(inner)), host_(host), timeout_(timeout) {}

    DeviceInfo connect(const nlohmann::json& data) override {
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
        // Leave the host as it was: the attach is undone before reporting.
        inner_->disconnect(data, device, {.force = true, .ignore_errors = true});
        throw Error(ErrorCategory::device_not_found,
                    device.path + " appeared but could not be opened within " +
                        std::to_string(timeout_.count()) + " ms (" + errno_name(last.error) +
                        "); the volume was detached again");
    }

    void disconnect(const nlohmann::json& data, const DeviceInfo& device,
                    const DisconnectOptions& options) override {
        inner_->disconnect(data, device, options);
    }

    std::uint64_t extend(const nlohmann::json& data) override { return inner_->extend(data); }

    std::vector<std::string> paths(const nlohmann::json& data) override {
        return inner_->paths(data);
    }

  private:
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
