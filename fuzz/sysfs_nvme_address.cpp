// An NVMe-oF controller's `address` attribute ("traddr=...,trsvcid=...,
// src_addr=..."), read to tell whether a controller already reaches a portal.

#include "brick/core/sysfs_name.hpp"
#include "brick/nvmeof/controller.hpp"
#include "brick/properties/common.hpp"
#include "support.hpp"

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = brick::fuzz::as_text(data, size);
    const auto fields = brick::nvmeof::parse_address(text);
    std::string joined;
    for (const auto& [key, value] : fields) {
        BRICK_FUZZ_CHECK(key.find(',') == std::string::npos && key.find('=') == std::string::npos,
                         key);
        BRICK_FUZZ_CHECK(value.find(',') == std::string::npos, value);
        joined.append(joined.empty() ? "" : ",").append(key).append("=").append(value);
    }
    // Written back as the kernel writes it, the fields read the same.
    BRICK_FUZZ_CHECK(brick::nvmeof::parse_address(joined + "\n") == fields, joined);

    // A controller whose address names a valid portal matches that portal.
    const auto traddr = fields.find("traddr");
    const auto trsvcid = fields.find("trsvcid");
    if (traddr == fields.end() || trsvcid == fields.end()) {
        return 0;
    }
    const auto port = brick::attribute_number(trsvcid->second);
    if (!port || *port < 1 || *port > 65535 || std::to_string(*port) != trsvcid->second) {
        return 0;
    }
    brick::nvmeof::TargetPortal portal;
    try {
        portal.address = brick::parse_host("traddr", traddr->second);
    } catch (const brick::Error&) {
        return 0;
    }
    portal.port = static_cast<std::uint16_t>(*port);
    brick::nvmeof::Controller controller;
    controller.subsystem_nqn = "nqn.2014-08.org.example:sub";
    controller.transport = "tcp";
    controller.address = fields;
    controller.state = "live";
    BRICK_FUZZ_CHECK(controller.matches(controller.subsystem_nqn, portal, ""), joined);
    controller.state = "deleting";
    BRICK_FUZZ_CHECK(!controller.matches(controller.subsystem_nqn, portal, ""), joined);
    return 0;
}
