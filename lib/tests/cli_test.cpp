// The `brick` tool as a user runs it: JSON in, JSON out, typed exit codes.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "brick/host/real_host.hpp"
#include "temp_dir.hpp"

namespace {

brick::CommandResult brick_tool(std::vector<std::string> args, std::string input = {}) {
    args.insert(args.begin(), BRICK_CLI);
    brick::RealHost host;
    return host.run(brick::Command{std::move(args), std::move(input), brick::Duration(20000)});
}

constexpr const char* chap_properties = R"({
  "driver_volume_type": "iscsi",
  "data": {
    "target_portal": "192.0.2.10:3260",
    "target_iqn": "iqn.2010-10.org.openstack:volume-1",
    "target_lun": 1,
    "auth_method": "CHAP",
    "auth_username": "user1",
    "auth_password": "Pa55-secret-chap",
    "vendor_specific_key": {"anything": [1, 2]}
  }
})";

}  // namespace

TEST_CASE("brick validate prints normalised properties with secrets masked", "[cli]") {
    const auto result = brick_tool({"validate", "ISCSI", "--properties", "-"}, chap_properties);
    REQUIRE(result.exit_status == 0);
    CHECK(result.out.find("Pa55-secret-chap") == std::string::npos);
    const auto json = nlohmann::json::parse(result.out);
    CHECK(json.dump().find("192.0.2.10") != std::string::npos);
    CHECK(json.dump().find("iqn.2010-10.org.openstack:volume-1") != std::string::npos);
}

TEST_CASE("malformed properties give a typed JSON error and exit code 10", "[cli]") {
    auto bad = nlohmann::json::parse(chap_properties);
    bad["data"]["target_portal"] = "192.0.2.10:3260; reboot";
    const auto result =
        brick_tool({"--log-format", "json", "validate", "iscsi", "--properties", "-"}, bad.dump());
    CHECK(result.exit_status == 10);
    CHECK(result.out.empty());
    const auto error = nlohmann::json::parse(result.err);
    CHECK(error["category"] == "invalid_properties");
    CHECK(error["field"].get<std::string>().find("target_portal") != std::string::npos);
    CHECK(result.err.find("Pa55-secret-chap") == std::string::npos);
}

TEST_CASE("a properties file of another protocol is refused", "[cli]") {
    const auto result = brick_tool(
        {"--log-format", "json", "validate", "nvmeof", "--properties", "-"}, chap_properties);
    CHECK(result.exit_status == 10);
    CHECK(nlohmann::json::parse(result.err)["field"] == "driver_volume_type");
}

TEST_CASE("unknown protocols are typed errors", "[cli]") {
    // Every protocol the properties name has a connector in this build, so an
    // unknown name is the one way to ask for a connector that does not exist.
    auto result = brick_tool({"validate", "floppy", "--properties", "-"}, "{}");
    CHECK(result.exit_status == 10);
    result = brick_tool({"--log-format", "json", "connect", "glusterfs", "--properties", "-"},
                        R"({"export": "192.0.2.1:/vol"})");
    CHECK(result.exit_status == 10);
    CHECK(nlohmann::json::parse(result.err)["category"] == "invalid_properties");
}

TEST_CASE("brick properties reads a host tree under --root", "[cli]") {
    const auto result =
        brick_tool({"--root", std::string(BRICK_SOURCE_DIR) + "/lib/tests/fixtures/host-tree",
                    "properties", "--ip", "192.0.2.7", "--host", "compute-1"});
    REQUIRE(result.exit_status == 0);
    const auto json = nlohmann::json::parse(result.out);
    CHECK(json["initiator"] == "iqn.1993-08.org.debian:01:8d6b0c1f9e2a");
    CHECK(json["ip"] == "192.0.2.7");
    CHECK(json["host"] == "compute-1");
    CHECK(json.contains("system uuid"));
}

TEST_CASE("usage errors exit 2 and every subcommand has --help", "[cli]") {
    CHECK(brick_tool({}).exit_status != 0);
    for (const char* command :
         {"properties", "connect", "disconnect", "extend", "paths", "validate"}) {
        const auto result = brick_tool({command, "--help"});
        CHECK(result.exit_status == 0);
        CHECK(result.out.find("--") != std::string::npos);
    }
    CHECK(brick_tool({"connect", "iscsi"}).exit_status == 2);  // --properties missing
}

TEST_CASE("under sudo, options that pick programs or files are refused", "[cli][security]") {
    for (const auto& option : std::vector<std::vector<std::string>>{
             {"--tools", "/tmp"}, {"--root", "/tmp"}, {"--trace", "/tmp/brick-trace"}}) {
        std::vector<std::string> argv = {"env", "SUDO_UID=1000", BRICK_CLI};
        argv.insert(argv.end(), option.begin(), option.end());
        argv.insert(argv.end(), {"--log-format", "json", "properties"});
        brick::RealHost host;
        const auto result = host.run(brick::Command{argv, {}, brick::Duration(20000)});
        CHECK(result.exit_status == 10);
        CHECK(nlohmann::json::parse(result.err)["field"] == option.front());
    }
}

TEST_CASE("brick connect fibre_channel on a host whose ports see no target port", "[cli][fc]") {
    brick::testing::TempDir dir;
    std::filesystem::copy(BRICK_SOURCE_DIR "/lib/tests/fixtures/host-tree", dir.path(),
                          std::filesystem::copy_options::recursive);
    const std::string properties = R"({"driver_volume_type": "fibre_channel",
        "data": {"target_wwn": ["500A098189A0B001"], "target_lun": 1}})";
    auto result = brick_tool({"--root", dir.path().string(), "--log-format", "json", "--timeout",
                              "1", "connect", "FIBRE_CHANNEL", "--properties", "-"},
                             properties);
    CHECK(result.exit_status == 14);
    const auto error = nlohmann::json::parse(result.err);
    CHECK(error["category"] == "device_not_found");
    // host5 and host7 are Online; host6 is in Linkdown and not tried.
    CHECK(error["message"].get<std::string>().find(
              "host5 sees no remote port 0x500a098189a0b001") != std::string::npos);
    CHECK(error["message"].get<std::string>().find("host6") == std::string::npos);
    result = brick_tool(
        {"--root", dir.path().string(), "paths", "fibre_channel", "--properties", "-"}, properties);
    CHECK(result.exit_status == 0);
    CHECK(nlohmann::json::parse(result.out) == nlohmann::json::array());
}
