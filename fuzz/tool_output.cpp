// Small outputs of host programs the library reads: `blockdev --getsize64`
// (the size extend returns for an md RAID1), and the identity probes of
// `brick properties` (/etc/iscsi/initiatorname.iscsi, /etc/nvme/hostnqn and
// hostid, product_uuid, dmidecode, findmnt and blkid, multipathd show status)
// run against a host whose files and programs print the fuzzer's bytes.
// Fields are separated by 0x1f.

#include "brick/initiator/connector_properties.hpp"
#include "brick/nvmeof/raid.hpp"
#include "brick/properties/common.hpp"
#include "support.hpp"
#include "tree_host.hpp"

namespace {

using nlohmann::json;

bool is_uuid(const json& value) {
    if (!value.is_string()) {
        return false;
    }
    try {
        const auto& text = value.get_ref<const std::string&>();
        return brick::parse_uuid("u", text) == text;
    } catch (const brick::Error&) {
        return false;
    }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto fields = brick::fuzz::split(brick::fuzz::as_text(data, size), '\x1f', 10);
    const auto field = [&](std::size_t i) { return i < fields.size() ? fields[i] : std::string(); };

    if (const auto bytes = brick::nvmeof::parse_size_output(field(0))) {
        auto text = field(0);
        if (!text.empty() && text.back() == '\n') {
            text.pop_back();
        }
        BRICK_FUZZ_CHECK(std::to_string(*bytes) == text, text);
    }

    brick::fuzz::TreeHost host;
    host.add_file("/etc/iscsi/initiatorname.iscsi", field(1));
    host.add_file("/etc/nvme/hostnqn", field(2));
    host.add_file("/etc/nvme/hostid", field(3));
    host.add_file("/sys/class/dmi/id/product_uuid", field(4));
    host.set_program("dmidecode", field(5));
    host.set_program("findmnt", field(6));
    host.set_program("blkid", field(7));
    host.set_program("multipathd", field(8));
    host.add_file("/proc/sys/kernel/random/uuid", field(9));
    brick::ConnectorPropertiesRequest request;
    request.multipath = true;
    request.create_missing_ids = true;
    json props;
    try {
        props = brick::get_connector_properties(host, request);
    } catch (const brick::Error& e) {
        brick::fuzz::broken("connector properties threw", __FILE__, __LINE__,
                            brick::fuzz::describe(e));
    }
    for (const char* key : {"system uuid", "nvme_hostid"}) {
        if (props.contains(key)) {
            BRICK_FUZZ_CHECK(is_uuid(props[key]), brick::fuzz::dump(props));
        }
    }
    BRICK_FUZZ_CHECK(props.at("multipath").is_boolean(), brick::fuzz::dump(props));
    // The files created for missing IDs hold what the properties report.
    if (props.contains("nvme_hostid") && field(3).empty()) {
        BRICK_FUZZ_CHECK(
            host.file("/etc/nvme/hostid") == props["nvme_hostid"].get<std::string>() + "\n",
            brick::fuzz::dump(props));
    }
    return 0;
}
