// Every connection-properties example parses: the reference examples and our
// own fixture copies of each shape (which also pin the normalised output).

#include <catch2/catch.hpp>
#include <filesystem>
#include <set>

#include "brick/core/secrets.hpp"
#include "brick/properties/parse.hpp"
#include "properties_support.hpp"

namespace {

namespace fs = std::filesystem;
using brick::testing::json_contains;
using brick::testing::read_json_file;

std::vector<fs::path> json_files(const fs::path& dir) {
    std::vector<fs::path> files;
    if (fs::is_directory(dir)) {
        for (const auto& entry : fs::directory_iterator(dir)) {
            if (entry.path().extension() == ".json") {
                files.push_back(entry.path());
            }
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

// The protocol of an example: its driver_volume_type, else its "protocol" key.
brick::Protocol example_protocol(const nlohmann::json& example) {
    const auto& info = example.at("connection_info");
    const auto name = info.contains("driver_volume_type")
                          ? info.at("driver_volume_type").get<std::string>()
                          : example.at("protocol").get<std::string>();
    const auto protocol = brick::parse_protocol(name);
    REQUIRE(protocol);
    return *protocol;
}

// Parses the example twice (wrapped and as bare data) and checks the input is
// untouched. Returns the validate output.
nlohmann::json check_example(const nlohmann::json& example) {
    const auto protocol = example_protocol(example);
    const auto& info = example.at("connection_info");
    // NOLINTNEXTLINE(performance-unnecessary-copy-initialization): a snapshot to compare with
    const auto before = info;
    auto out = brick::validate_properties(protocol, info);
    CHECK(info == before);
    CHECK(out.at("driver_volume_type") == brick::protocol_name(protocol));
    if (info.contains("data")) {
        const auto& data = info.at("data");
        CHECK(brick::validate_properties(protocol, data) == out);
        CHECK(data == before.at("data"));
    }
    return out;
}

}  // namespace

TEST_CASE("every reference connection-properties example parses", "[properties][examples]") {
    const auto dir = fs::path(BRICK_REFERENCE_DIR) / "connection-properties";
    const auto files = json_files(dir);
    if (files.empty()) {
        WARN("reference directory " << dir << " not found; covered by the fixture copies");
        return;
    }
    std::size_t parsed = 0;
    for (const auto& file : files) {
        const auto example = read_json_file(file);
        if (!example.contains("connection_info")) {
            continue;  // connector_properties_keys.json describes the other direction
        }
        INFO(file.filename().string());
        CHECK_NOTHROW(check_example(example));
        ++parsed;
    }
    CHECK(parsed >= 14);
}

TEST_CASE("fixture copies of every shape parse to the expected values", "[properties][examples]") {
    const auto dir = fs::path(BRICK_SOURCE_DIR) / "lib/tests/fixtures/connection-properties";
    const auto files = json_files(dir);
    REQUIRE(files.size() >= 15);
    std::set<brick::Protocol> protocols;
    for (const auto& file : files) {
        INFO(file.filename().string());
        const auto example = read_json_file(file);
        protocols.insert(example_protocol(example));
        const auto out = check_example(example);
        INFO(out.dump(2));
        CHECK(json_contains(out.at("properties"), example.at("expected")));
    }
    CHECK(protocols.size() == 6);  // iser shares the iSCSI shapes
}

TEST_CASE("reference shapes: details of the normalised values", "[properties][examples]") {
    SECTION("iSCSI singular keys default the port and keep the LUN string as a number") {
        const auto props =
            brick::iscsi::parse_properties({{"target_portal", "10.0.0.1"},
                                            {"target_iqn", "iqn.2001-04.com.example"},
                                            {"target_lun", "256"}});
        REQUIRE(props.targets.size() == 1);
        CHECK(props.targets[0].portal == brick::Portal{"10.0.0.1", 3260});
        CHECK(props.targets[0].lun == 256);
        CHECK_FALSE(props.plural_keys);
        CHECK_FALSE(props.session_chap);
    }
    SECTION("iSCSI plural keys without target_iqns/target_luns repeat the singular ones") {
        const auto props =
            brick::iscsi::parse_properties({{"target_portals", {"10.0.0.1:3260", "10.0.0.2:3261"}},
                                            {"target_iqn", "iqn.2001-04.com.example:disk"},
                                            {"target_lun", 2}});
        REQUIRE(props.targets.size() == 2);
        CHECK(props.targets[1].portal.port == 3261);
        CHECK(props.targets[1].iqn == "iqn.2001-04.com.example:disk");
        CHECK(props.targets[1].lun == 2);
        CHECK(props.plural_keys);
    }
    SECTION("iSER uses the iser interface, and iface/transport keys are honoured") {
        const nlohmann::json data = {{"target_portal", "10.0.0.1:3260"},
                                     {"target_iqn", "iqn.2001-04.com.example:disk"}};
        CHECK(brick::iscsi::parse_properties(data, true).iface == "iser");
        auto with_transport = data;
        with_transport["transport"] = "iser";
        CHECK(brick::iscsi::parse_properties(with_transport).iface == "iser");
        auto with_iface = data;
        with_iface["iface"] = "bnx2i.00:05:b5:d2:a0:c2";
        CHECK(brick::iscsi::parse_properties(with_iface).iface == "bnx2i.00:05:b5:d2:a0:c2");
    }
    SECTION("FC single LUN applies to every WWN; one LUN in target_luns too") {
        const auto props = brick::fc::parse_properties(
            {{"target_wwns", {"50060E8000AB0001", "50060E8000AB0002"}}, {"target_luns", {6}}});
        REQUIRE(props.targets.size() == 2);
        CHECK(props.targets[1] == brick::fc::Target{"50060e8000ab0002", 6});
    }
    SECTION("NVMe-oF replica_count 1 is not replicated and needs no alias") {
        const auto props =
            brick::nvmeof::parse_properties({{"vol_uuid", "c20aba21-6ef6-446b-b374-45733b4883ba"},
                                             {"replica_count", 1},
                                             {"volume_replicas",
                                              {{{"target_nqn", "nqn.2016-06.io.spdk:cnode1"},
                                                {"portals", {{"10.0.0.1", 4420, "tcp"}}}}}}});
        CHECK(props.replicas_given);
        CHECK_FALSE(props.replicated());
        CHECK(props.targets.size() == 1);
    }
    SECTION("the iSCSI secrets of the reference example are masked") {
        const auto out = brick::validate_properties(brick::Protocol::iscsi,
                                                    {{"target_portal", "10.0.0.1:3260"},
                                                     {"target_iqn", "iqn.2001-04.com.example:disk"},
                                                     {"auth_method", "chap"},
                                                     {"auth_username", "u"},
                                                     {"auth_password", "Ex4mpleRefPassword"}});
        CHECK(out["properties"]["auth"]["password"] == brick::masked_text);
        CHECK(out.dump().find("Ex4mpleRefPassword") == std::string::npos);
    }
}
