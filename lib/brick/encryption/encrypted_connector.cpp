#include "brick/encryption/encrypted_connector.hpp"

#include "brick/core/error.hpp"
#include "brick/core/log.hpp"
#include "brick/core/secrets.hpp"
#include "brick/encryption/luks.hpp"
#include "brick/properties/reader.hpp"

namespace brick::encryption {
namespace {

constexpr std::string_view mapper_prefix = "/dev/mapper/crypt-";

class EncryptedConnector final : public Connector {
  public:
    EncryptedConnector(std::unique_ptr<Connector> inner, Host& host, ConnectorOptions options)
        : inner_(std::move(inner)), host_(host), options_(std::move(options)) {
        if (options_.encryption_passphrase) {
            register_secret(*options_.encryption_passphrase);
        }
    }

    DeviceInfo connect(const nlohmann::json& data) override {
        if (!options_.open_encrypted || !is_encrypted(data)) {
            return inner_->connect(data);
        }
        const auto luks = luks_options(data);
        auto device = inner_->connect(data);
        try {
            device.path = open_luks(host_, device.path, mapping_name(device.path), luks);
        } catch (const Error&) {
            try {
                inner_->disconnect(data, device, {});
            } catch (const Error& e) {
                log::warning("cleanup: " + std::string(e.what()));
            }
            throw;
        }
        return device;
    }

    void disconnect(const nlohmann::json& data, const DeviceInfo& device,
                    const DisconnectOptions& options) override {
        const bool mapped = device.path.rfind(mapper_prefix, 0) == 0;
        if (!options_.open_encrypted || (!is_encrypted(data) && !mapped)) {
            inner_->disconnect(data, device, options);
            return;
        }
        std::string name;
        if (mapped) {
            name = device.path.substr(std::string_view("/dev/mapper/").size());
        } else if (!device.path.empty()) {
            name = mapping_name(device.path);
        } else if (const auto paths = inner_->paths(data); !paths.empty()) {
            name = mapping_name(paths.front());
        }
        auto inner_device = device;
        std::string problem;
        if (const auto mapping = name.empty() ? std::nullopt : find_mapping(host_, name)) {
            if (mapping->slaves.size() == 1) {
                inner_device.path = "/dev/" + mapping->slaves.front();
            }
            try {
                close_luks(host_, name, options_.command_timeout);
            } catch (const Error& e) {
                if (!options.force) {
                    throw;
                }
                problem = e.message();
            }
        } else if (mapped) {
            inner_device.path.clear();  // closed already: the inner connector finds its device
        }
        inner_->disconnect(data, inner_device, options);
        if (!problem.empty() && !options.ignore_errors) {
            throw Error(ErrorCategory::command_failed,
                        "disconnect finished with errors: " + problem);
        }
    }

    std::uint64_t extend(const nlohmann::json& data) override {
        const auto size = inner_->extend(data);
        if (!options_.open_encrypted || !is_encrypted(data)) {
            return size;
        }
        const auto paths = inner_->paths(data);
        if (paths.empty()) {
            return size;
        }
        return resize_luks(host_, mapping_name(paths.front()), luks_options(data));
    }

    std::vector<std::string> paths(const nlohmann::json& data) override {
        return inner_->paths(data);
    }

  private:
    LuksOptions luks_options(const nlohmann::json& data) const {
        if (!options_.encryption_passphrase) {
            throw Error(ErrorCategory::invalid_properties,
                        "the volume is encrypted (data.encrypted is true): its LUKS passphrase "
                        "is needed (brick --key-file FILE, or the os_brick encryptor)",
                        "data.encrypted");
        }
        LuksOptions luks;
        luks.passphrase = *options_.encryption_passphrase;
        luks.format = options_.luks_format;
        luks.iter_time = options_.luks_iter_time;
        luks.command_timeout = options_.command_timeout;
        luks.device_timeout = options_.device_timeout;
        const ObjectReader in(data, "data");
        if (const auto* mode = in.find("access_mode")) {
            luks.read_only =
                parse_access_mode(in.field("access_mode"), *mode) == AccessMode::read_only;
        }
        return luks;
    }

    std::unique_ptr<Connector> inner_;
    Host& host_;
    ConnectorOptions options_;
};

}  // namespace

bool is_encrypted(const nlohmann::json& data) {
    if (!data.is_object()) {
        return false;
    }
    return ObjectReader(data, "data").boolean("encrypted", false);
}

std::unique_ptr<Connector> wrap_encrypted(std::unique_ptr<Connector> inner, Host& host,
                                          const ConnectorOptions& options) {
    return std::make_unique<EncryptedConnector>(std::move(inner), host, options);
}

}  // namespace brick::encryption
