// The malformed-properties table (malformed_properties.hpp) through the
// `brick` tool, as a storage service's reply reaches it: `brick validate` and,
// for the protocols with a connector, `brick connect`, on a host relocated to
// an empty folder where no program can be found. Each exits 10 with a JSON
// error naming the field, and the host's --trace shows no program run and no
// file written. One row per field and base: every row goes through the same
// parsers in-process (properties_malformed_test.cpp) and through the
// connectors on the simulator (sim/tests/hostile_properties_test.cpp).

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "brick/host/real_host.hpp"
#include "malformed_properties.hpp"
#include "temp_dir.hpp"

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

bool has_connector(brick::Protocol protocol) {
    return protocol == brick::Protocol::iscsi || protocol == brick::Protocol::iser ||
           protocol == brick::Protocol::nvmeof;
}

// The trace records that touch the host: programs run and files changed.
std::vector<json> host_changes(const fs::path& trace) {
    std::vector<json> found;
    std::ifstream in(trace);
    for (std::string line; std::getline(in, line);) {
        const auto record = json::parse(line);
        const auto kind = record.value("kind", "");
        if (kind == "run" || kind == "write" || kind == "mkdir" || kind == "remove") {
            found.push_back(record);
        }
    }
    return found;
}

// Files under root other than the trace.
std::vector<std::string> files_under(const fs::path& root, const fs::path& trace) {
    std::vector<std::string> found;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (entry.path() != trace) {
            found.push_back(entry.path().string());
        }
    }
    return found;
}

}  // namespace

TEST_CASE("malformed properties through brick validate and connect touch nothing",
          "[cli][malformed][security]") {
    using namespace brick::testing::malformed;
    brick::testing::TempDir root;
    brick::testing::TempDir no_programs;
    const auto trace = root.path() / "trace.jsonl";
    brick::RealHost host;
    std::size_t runs = 0;
    std::set<std::string> fields;
    for (const auto& row : all_cases()) {
        if (!fields.insert(row.base + row.pointer.substr(0, row.pointer.find('/', 1))).second) {
            continue;
        }
        const auto protocol = std::string(brick::protocol_name(row.protocol()));
        const json document = {{"driver_volume_type", protocol}, {"data", row.data()}};
        std::vector<std::string> commands = {"validate"};
        if (has_connector(row.protocol())) {
            commands.emplace_back("connect");
        }
        for (const auto& command : commands) {
            INFO(command << " " << row.base << " " << row.pointer << " = "
                         << row.value.value_or("(removed)"));
            fs::remove(trace);
            // No program can be found (PATH and --tools are empty folders) and
            // every path is relocated under root.
            const auto result = host.run(brick::Command{
                {"env", "-u", "SUDO_UID", "PATH=" + no_programs.path().string(), BRICK_CLI,
                 "--root", root.path().string(), "--tools", no_programs.path().string(), "--trace",
                 trace.string(), "--log-format", "json", command, protocol, "--properties", "-"},
                document.dump(),
                brick::Duration(20000)});
            ++runs;
            CHECK(result.exit_status == 10);
            CHECK(result.out.empty());
            const auto error = json::parse(result.err);
            CHECK(error["category"] == "invalid_properties");
            CHECK(error["field"] == row.field);
            CHECK(host_changes(trace).empty());
            CHECK(files_under(root.path(), trace).empty());
        }
    }
    CHECK(runs > 90);
}
