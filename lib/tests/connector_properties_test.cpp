// Connector properties read from a fixture host tree through the root prefix.

#include "brick/initiator/connector_properties.hpp"

#include <catch2/catch.hpp>
#include <filesystem>

#include "brick/core/error.hpp"
#include "brick/host/real_host.hpp"
#include "temp_dir.hpp"

namespace {

std::filesystem::path fixture_tree() {
    return std::filesystem::path(BRICK_SOURCE_DIR) / "lib/tests/fixtures/host-tree";
}

// An empty tools directory plus PATH: multipathd is not installed on the test
// machine's host kernel side, so `multipathd show status` fails.
brick::RealHost fixture_host(const std::filesystem::path& root) {
    brick::RealHostOptions options;
    options.root = root;
    options.lock_dir = "/run/locks";
    return brick::RealHost(options);
}

}  // namespace

TEST_CASE("connector properties come from the host's files", "[connector-properties]") {
    brick::testing::TempDir dir;
    std::filesystem::copy(fixture_tree(), dir.path(), std::filesystem::copy_options::recursive);
    auto host = fixture_host(dir.path());
    brick::ConnectorPropertiesRequest request;
    request.ip = "192.0.2.10";
    const auto props = brick::get_connector_properties(host, request);

    CHECK(props["initiator"] == "iqn.1993-08.org.debian:01:8d6b0c1f9e2a");
    CHECK(props["nqn"] == "nqn.2014-08.org.nvmexpress:uuid:4c4c4544-0051-3010-8052-b4c04f4e4d32");
    CHECK(props["nvme_hostid"] == "4c4c4544-0051-3010-8052-b4c04f4e4d32");
    CHECK(props["system uuid"] == "4c4c4544-0051-3010-8052-b4c04f4e4d32");
    CHECK(props["wwpns"] == nlohmann::json::array({"21000024ff7c4a10", "21000024ff7c4a12"}));
    CHECK(props["wwnns"] == nlohmann::json::array({"20000024ff7c4a10", "20000024ff7c4a12"}));
    CHECK(props["nvme_native_multipath"] == true);
    CHECK(props["host"] == "compute-07");
    CHECK(props["platform"] == "x86_64");
    CHECK(props["os_type"] == "linux");
    CHECK(props["ip"] == "192.0.2.10");
    CHECK(props["multipath"] == false);
    CHECK(props["enforce_multipath"] == false);
    CHECK(props["do_local_attach"] == false);
}

TEST_CASE("missing sources leave keys out; ids are created only when asked",
          "[connector-properties]") {
    brick::testing::TempDir dir;
    dir.write("sys/class/dmi/id/product_uuid", "4C4C4544-0051-3010-8052-B4C04F4E4D32\n");
    auto host = fixture_host(dir.path());
    brick::ConnectorPropertiesRequest request;
    request.host = "h1";
    auto props = brick::get_connector_properties(host, request);
    CHECK_FALSE(props.contains("initiator"));
    CHECK_FALSE(props.contains("nqn"));
    CHECK_FALSE(props.contains("nvme_hostid"));
    CHECK_FALSE(props.contains("wwpns"));
    CHECK(props["nvme_native_multipath"] == false);
    CHECK_FALSE(std::filesystem::exists(dir.path() / "etc/nvme/hostnqn"));

    request.create_missing_ids = true;
    props = brick::get_connector_properties(host, request);
    CHECK(props["nvme_hostid"] == "4c4c4544-0051-3010-8052-b4c04f4e4d32");
    CHECK(props["nqn"] == "nqn.2014-08.org.nvmexpress:uuid:4c4c4544-0051-3010-8052-b4c04f4e4d32");
    CHECK(std::filesystem::exists(dir.path() / "etc/nvme/hostnqn"));
    CHECK(std::filesystem::exists(dir.path() / "etc/nvme/hostid"));
}

TEST_CASE("enforced multipath without multipathd is an error", "[connector-properties]") {
    brick::testing::TempDir dir;
    brick::RealHostOptions options;
    options.root = dir.path();
    options.tools_dir = dir.path();  // holds a multipathd that cannot reach a daemon
    std::filesystem::copy_file("/bin/false", dir.path() / "multipathd");
    brick::RealHost host(options);
    brick::ConnectorPropertiesRequest request;
    request.enforce_multipath = true;
    CHECK_THROWS_AS(brick::get_connector_properties(host, request), brick::Error);
    request.enforce_multipath = false;
    request.multipath = true;
    CHECK(brick::get_connector_properties(host, request)["multipath"] == false);
}
