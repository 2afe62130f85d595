#include "brick/local/connector.hpp"

#include "brick/core/error.hpp"
#include "brick/local/properties.hpp"

namespace brick::local {
namespace {

class LocalConnector final : public Connector {
  public:
    explicit LocalConnector(Host& host) : host_(host) {}

    DeviceInfo connect(const nlohmann::json& data) override {
        const auto props = parse_properties(data);
        FileInfo info;
        const auto status = host_.stat(props.device_path, info);
        if (!status.ok()) {
            throw Error(ErrorCategory::device_not_found,
                        props.device_path + " does not exist on this host", "data.device_path");
        }
        if (info.type != FileType::block_device) {
            throw Error(ErrorCategory::wrong_device, props.device_path + " is not a block device",
                        "data.device_path");
        }
        DeviceInfo device;
        device.type = "local";
        device.path = props.device_path;
        return device;
    }

    void disconnect(const nlohmann::json& data, const DeviceInfo& /*device*/,
                    const DisconnectOptions& /*options*/) override {
        parse_properties(data);  // refuse malformed properties all the same
    }

    // os-brick 6.1 raises NotImplementedError here (6.13 reads the size):
    // the size comes from sysfs, nothing is rescanned.
    std::uint64_t extend(const nlohmann::json& data) override {
        const auto props = parse_properties(data);
        const auto name = host_.kernel_name(props.device_path);
        const auto sectors = host_.read_attribute("/sys/class/block/" + name + "/size");
        if (!sectors || sectors->empty() ||
            sectors->find_first_not_of("0123456789") != std::string::npos) {
            throw Error(ErrorCategory::device_not_found,
                        props.device_path + " is not a block device of this host",
                        "data.device_path");
        }
        return std::stoull(*sectors) * 512;
    }

    std::vector<std::string> paths(const nlohmann::json& data) override {
        return {parse_properties(data).device_path};
    }

  private:
    Host& host_;
};

}  // namespace

std::unique_ptr<Connector> make_connector(Host& host, const ConnectorOptions& /*options*/) {
    return std::make_unique<LocalConnector>(host);
}

}  // namespace brick::local
