// brickworks._brick: libbrick for Python. JSON documents cross the boundary as
// text (the Python side uses the json module); every libbrick call releases
// the GIL. brick::Error becomes brickworks._brick.Error with the arguments
// (category, message, field); brickworks.exception maps it to os-brick's names.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cerrno>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "brick/connector/connector.hpp"
#include "brick/core/error.hpp"
#include "brick/core/json_text.hpp"
#include "brick/encryption/luks.hpp"
#include "brick/host/host.hpp"
#include "brick/host/real_host.hpp"
#include "brick/initiator/connector_properties.hpp"
#include "brick/properties/common.hpp"
#include "brick/properties/text.hpp"

namespace py = pybind11;

namespace {

// Strict (brick/core/json_text.hpp): errors never quote the text, which may
// hold a CHAP secret.
nlohmann::json parse_json(const std::string& what, const std::string& text) {
    return brick::parse_json_text(text, what);
}

std::string dump(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

brick::Protocol protocol_of(const std::string& name) {
    const auto protocol = brick::parse_protocol(name);
    if (!protocol) {
        throw brick::Error(brick::ErrorCategory::not_supported, "unknown protocol \"" + name + "\"",
                           "protocol");
    }
    return *protocol;
}

[[noreturn]] void raise_os_error(int error, const std::string& path) {
    errno = error;
    PyErr_SetFromErrnoWithFilename(PyExc_OSError, path.c_str());
    throw py::error_already_set();
}

std::string file_type_name(brick::FileType type) {
    switch (type) {
        case brick::FileType::missing:
            return "missing";
        case brick::FileType::regular:
            return "regular";
        case brick::FileType::directory:
            return "directory";
        case brick::FileType::symlink:
            return "symlink";
        case brick::FileType::block_device:
            return "block_device";
        case brick::FileType::char_device:
            return "char_device";
        case brick::FileType::other:
            return "other";
    }
    return "other";
}

// A whole number of seconds under key (absent or None: fallback).
int seconds_option(const nlohmann::json& value, const char* key, int fallback) {
    if (!value.contains(key) || value[key].is_null()) {
        return fallback;
    }
    const auto& item = value[key];
    bool fits = false;
    if (item.is_number_unsigned()) {
        fits = item.get<std::uint64_t>() <=
               static_cast<std::uint64_t>(std::numeric_limits<int>::max());
    } else if (item.is_number_integer()) {
        const auto number = item.get<std::int64_t>();
        fits =
            number >= std::numeric_limits<int>::min() && number <= std::numeric_limits<int>::max();
    }
    if (!fits) {
        brick::throw_invalid(key, "a whole number of seconds, got " + brick::describe_value(item));
    }
    return item.get<int>();
}

// Options as the Python side passes them (a JSON object; unknown keys ignored).
// The NVMe-oF timeouts are checked by the connector, with these key names.
brick::ConnectorOptions connector_options(const nlohmann::json& value) {
    brick::ConnectorOptions options;
    options.use_multipath = value.value("use_multipath", false);
    options.enforce_multipath = value.value("enforce_multipath", false);
    const auto link = value.value("link", std::string("device"));
    if (link == "by-path") {
        options.link = brick::LinkPreference::by_path;
    } else if (link == "by-id") {
        options.link = brick::LinkPreference::by_id;
    }
    if (value.contains("device_timeout_ms")) {
        options.device_timeout = brick::Duration(value["device_timeout_ms"].get<std::int64_t>());
    }
    if (value.contains("mount_point_base") && value["mount_point_base"].is_string()) {
        options.mount_point_base = value["mount_point_base"].get<std::string>();
    }
    options.nfs_mount_options = value.value("nfs_mount_options", std::string());
    options.nvme_ctrl_loss_tmo =
        seconds_option(value, "nvme_ctrl_loss_tmo", options.nvme_ctrl_loss_tmo);
    options.nvme_reconnect_delay =
        seconds_option(value, "nvme_reconnect_delay", options.nvme_reconnect_delay);
    options.nvme_keep_alive_tmo =
        seconds_option(value, "nvme_keep_alive_tmo", options.nvme_keep_alive_tmo);
    // os-brick's API: Nova opens LUKS with the encryptor after connect.
    options.open_encrypted = false;
    return options;
}

// A connector bound to its host; the host lives as long as any connector on it.
class BoundConnector {
  public:
    BoundConnector(std::shared_ptr<brick::Host> host, const std::string& protocol,
                   const std::string& options_json)
        : host_(std::move(host)),
          connector_(
              brick::make_connector(protocol_of(protocol), *host_,
                                    connector_options(parse_json("options", options_json)))) {}

    std::string connect(const std::string& data) {
        const auto value = parse_json("connection_properties", data);
        py::gil_scoped_release release;
        return dump(connector_->connect(value).to_json());
    }

    void disconnect(const std::string& data, const std::string& device, bool force,
                    bool ignore_errors) {
        const auto value = parse_json("connection_properties", data);
        const auto info = brick::DeviceInfo::from_json(parse_json("device_info", device));
        py::gil_scoped_release release;
        connector_->disconnect(value, info, {force, ignore_errors});
    }

    std::uint64_t extend(const std::string& data) {
        const auto value = parse_json("connection_properties", data);
        py::gil_scoped_release release;
        return connector_->extend(value);
    }

    std::vector<std::string> paths(const std::string& data) {
        const auto value = parse_json("connection_properties", data);
        py::gil_scoped_release release;
        return connector_->paths(value);
    }

  private:
    std::shared_ptr<brick::Host> host_;
    std::unique_ptr<brick::Connector> connector_;
};

std::string connector_properties(brick::Host& host, const std::string& request_json) {
    const auto value = parse_json("request", request_json);
    brick::ConnectorPropertiesRequest request;
    request.ip = value.value("ip", std::string());
    if (value.contains("host") && value["host"].is_string()) {
        request.host = value["host"].get<std::string>();
    }
    request.multipath = value.value("multipath", false);
    request.enforce_multipath = value.value("enforce_multipath", false);
    request.create_missing_ids = value.value("create_missing_ids", false);
    request.do_local_attach = value.value("do_local_attach", false);
    py::gil_scoped_release release;
    return dump(brick::get_connector_properties(host, request));
}

}  // namespace

PYBIND11_MODULE(_brick, m) {
    m.doc() = "libbrick, the brickworks connector library (JSON text in and out)";

    static py::exception<brick::Error> error(m, "Error");
    // pybind11 takes a plain void(*)(std::exception_ptr): the parameter is by value.
    // NOLINTNEXTLINE(performance-unnecessary-value-param)
    py::register_exception_translator([](std::exception_ptr pointer) {
        try {
            if (pointer) {
                std::rethrow_exception(pointer);
            }
        } catch (const brick::Error& e) {
            const auto args = py::make_tuple(std::string(brick::category_name(e.category())),
                                             e.message(), e.field());
            PyErr_SetObject(error.ptr(), args.ptr());
        }
    });

    py::class_<brick::Host, std::shared_ptr<brick::Host>>(m, "Host",
                                                          "A host libbrick works on (the seam)")
        .def(
            "list_dir",
            [](brick::Host& host, const std::string& path) {
                std::vector<std::string> names;
                const auto status = host.list_dir(path, names);
                if (!status.ok()) {
                    raise_os_error(status.error, path);
                }
                return names;
            },
            py::arg("path"))
        .def(
            "stat",
            [](brick::Host& host, const std::string& path, bool no_follow) {
                brick::FileInfo info;
                const auto status = host.stat(path, info, no_follow);
                if (!status.ok()) {
                    info.type = brick::FileType::missing;
                }
                return std::make_tuple(file_type_name(info.type), info.size, info.major,
                                       info.minor);
            },
            py::arg("path"), py::arg("no_follow") = false,
            "(type, size, major, minor); type is \"missing\" when the path does not resolve")
        .def(
            "read_link",
            [](brick::Host& host, const std::string& path) {
                std::string target;
                const auto status = host.read_link(path, target);
                if (!status.ok()) {
                    raise_os_error(status.error, path);
                }
                return target;
            },
            py::arg("path"))
        .def("read_attribute", &brick::Host::read_attribute, py::arg("path"))
        .def("glob", &brick::Host::glob, py::arg("pattern"));

    m.def(
        "real_host",
        [](const std::string& root, const std::string& tools) -> std::shared_ptr<brick::Host> {
            brick::RealHostOptions options;
            options.root = root;
            options.tools_dir = tools;
            return std::make_shared<brick::RealHost>(options);
        },
        py::arg("root") = "/", py::arg("tools") = "",
        "The running host; with root, its files are read and written under that directory");

    py::class_<BoundConnector>(m, "Connector")
        .def(py::init<std::shared_ptr<brick::Host>, const std::string&, const std::string&>(),
             py::arg("host"), py::arg("protocol"), py::arg("options") = "{}")
        .def("connect", &BoundConnector::connect, py::arg("data"))
        .def("disconnect", &BoundConnector::disconnect, py::arg("data"), py::arg("device_info"),
             py::arg("force") = false, py::arg("ignore_errors") = false)
        .def("extend", &BoundConnector::extend, py::arg("data"))
        .def("paths", &BoundConnector::paths, py::arg("data"));

    m.def("connector_properties", &connector_properties, py::arg("host"), py::arg("request"));

    m.def(
        "luks_open",
        [](brick::Host& host, const std::string& device, const std::string& passphrase,
           const std::string& format) {
            brick::encryption::LuksOptions options;
            options.passphrase = passphrase;
            options.format = format;
            py::gil_scoped_release release;
            return brick::encryption::open_luks(host, device,
                                                brick::encryption::mapping_name(device), options);
        },
        py::arg("host"), py::arg("device"), py::arg("passphrase"), py::arg("format") = "luks",
        "Opens LUKS on an attached device; returns /dev/mapper/crypt-<name>");
    m.def(
        "luks_close",
        [](brick::Host& host, const std::string& device) {
            const auto name = device.rfind("/dev/mapper/crypt-", 0) == 0
                                  ? device.substr(12)
                                  : brick::encryption::mapping_name(device);
            py::gil_scoped_release release;
            brick::encryption::close_luks(host, name, brick::ConnectorOptions{}.command_timeout);
        },
        py::arg("host"), py::arg("device"),
        "Closes the LUKS mapping of an attached device (or of /dev/mapper/crypt-<name>)");

    m.def(
        "protocol_name",
        [](const std::string& name) -> std::optional<std::string> {
            const auto protocol = brick::parse_protocol(name);
            if (!protocol) {
                return std::nullopt;
            }
            return std::string(brick::protocol_name(*protocol));
        },
        py::arg("name"), "Cinder's spelling of a protocol name, or None when unknown");

    m.def(
        "exit_codes",
        [] {
            py::dict codes;
            for (int c = 0; c <= static_cast<int>(brick::ErrorCategory::internal); ++c) {
                const auto category = static_cast<brick::ErrorCategory>(c);
                codes[py::int_(brick::exit_code(category))] =
                    std::string(brick::category_name(category));
            }
            return codes;
        },
        "The brick tool's exit code of each error category");
}
