// `brick connect`'s NVMe-oF controller timeouts: checked before the host is
// touched, and written into the connect string the kernel gets.

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "brick/host/real_host.hpp"
#include "temp_dir.hpp"

namespace {

// Every run gets --root: a connect that got past the checks writes the
// connect string to <root>/dev/nvme-fabrics, never to this machine's.
brick::CommandResult brick_connect(const brick::testing::TempDir& root,
                                   const std::vector<std::string>& flags) {
    std::vector<std::string> args{
        BRICK_CLI, "--root", root.path().string(), "--timeout", "1", "--log-format", "json",
        "connect", "nvmeof", "--properties",       "-"};
    args.insert(args.end(), flags.begin(), flags.end());
    const std::string properties = R"({"driver_volume_type": "nvmeof", "data": {
        "target_nqn": "nqn.2026-01.org.brickworks:timeouts",
        "vol_uuid": "6b72696b-0000-4000-8000-000000000303",
        "portals": [["192.0.2.20", 4420, "tcp"]]}})";
    brick::RealHost host;
    return host.run(brick::Command{std::move(args), properties, brick::Duration(20000)});
}

std::string connect_string(const brick::testing::TempDir& root) {
    std::ifstream in(root.path() / "dev/nvme-fabrics");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("the timeouts given to brick connect reach the connect string", "[cli][nvme]") {
    brick::testing::TempDir root;
    root.write("dev/nvme-fabrics", "");
    SECTION("given") {
        // No controller appears under the root: the connect fails after the write.
        const auto result =
            brick_connect(root, {"--nvme-ctrl-loss-tmo", "30", "--nvme-reconnect-delay", "4",
                                 "--nvme-keep-alive-tmo", "7"});
        CHECK(result.exit_status == 11);
        CHECK(connect_string(root).find(",ctrl_loss_tmo=30,reconnect_delay=4,keep_alive_tmo=7") !=
              std::string::npos);
    }
    SECTION("the defaults, -1 never giving up") {
        brick_connect(root, {});
        CHECK(connect_string(root).find(",ctrl_loss_tmo=-1,reconnect_delay=10,keep_alive_tmo=5") !=
              std::string::npos);
    }
}

TEST_CASE("a bad timeout is a typed error naming the flag and nothing is written", "[cli][nvme]") {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
        {{"--nvme-ctrl-loss-tmo", "-2"}, "--nvme-ctrl-loss-tmo"},
        {{"--nvme-ctrl-loss-tmo", "forever"}, "--nvme-ctrl-loss-tmo"},
        {{"--nvme-reconnect-delay", "0"}, "--nvme-reconnect-delay"},
        {{"--nvme-reconnect-delay", "1.5"}, "--nvme-reconnect-delay"},
        {{"--nvme-keep-alive-tmo", "0"}, "--nvme-keep-alive-tmo"},
        {{"--nvme-keep-alive-tmo", "4294968"}, "--nvme-keep-alive-tmo"},
        {{"--nvme-keep-alive-tmo", "99999999999"}, "--nvme-keep-alive-tmo"},
        {{"--nvme-keep-alive-tmo", ""}, "--nvme-keep-alive-tmo"},
    };
    for (const auto& [flags, field] : cases) {
        INFO(flags.front() + " " + flags.back());
        brick::testing::TempDir root;
        const auto result = brick_connect(root, flags);
        CHECK(result.exit_status == 10);
        CHECK(result.out.empty());
        const auto error = nlohmann::json::parse(result.err);
        CHECK(error["category"] == "invalid_properties");
        CHECK(error["field"] == field);
        CHECK(error["message"].get<std::string>().rfind(field + ": expected ", 0) == 0);
        CHECK_FALSE(std::filesystem::exists(root.path() / "dev"));
    }
}

TEST_CASE("brick connect --help lists the timeouts with their defaults", "[cli][nvme]") {
    brick::RealHost host;
    const auto result =
        host.run(brick::Command{{BRICK_CLI, "connect", "--help"}, {}, brick::Duration(20000)});
    REQUIRE(result.exit_status == 0);
    CHECK(result.out.find("--nvme-ctrl-loss-tmo SECONDS") != std::string::npos);
    CHECK(result.out.find("-1 never (default -1)") != std::string::npos);
    CHECK(result.out.find("--nvme-reconnect-delay SECONDS") != std::string::npos);
    CHECK(result.out.find("--nvme-keep-alive-tmo SECONDS") != std::string::npos);
}
