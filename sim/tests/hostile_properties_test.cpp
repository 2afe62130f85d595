// libbrick's connectors on the simulated host with every row of the
// malformed-properties table (lib/tests/malformed_properties.hpp): connect,
// disconnect, extend and paths refuse each row with a typed error naming the
// field before anything reaches the host. The simulator's trace shows no
// program run and no file written, and the model holds nothing new.

#include <catch2/catch.hpp>
#include <sstream>

#include "brick/connector/connector.hpp"
#include "brick/core/error.hpp"
#include "lib/tests/malformed_properties.hpp"
#include "sim_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;

namespace {

// Trace records after the first skip characters that touch the host.
std::vector<std::string> host_changes(const std::string& trace, std::size_t skip) {
    std::vector<std::string> found;
    std::istringstream in(trace.substr(skip));
    for (std::string line; std::getline(in, line);) {
        const auto kind = nlohmann::json::parse(line).value("kind", "");
        if (kind == "run" || kind == "write" || kind == "mkdir" || kind == "remove") {
            found.push_back(line);
        }
    }
    return found;
}

}  // namespace

TEST_CASE("every malformed row is refused before it reaches the simulated host",
          "[connector][malformed][security]") {
    using namespace brick::testing::malformed;
    SimHost iscsi_host(fabric("single_chap.json"));
    SimHost nvme_host(fabric("nvme_single.json"));
    std::size_t refused = 0;
    for (const auto& row : all_cases()) {
        const auto protocol = row.protocol();
        if (protocol != Protocol::iscsi && protocol != Protocol::iser &&
            protocol != Protocol::nvmeof) {
            continue;  // no connector yet: `brick validate` covers them (lib/tests)
        }
        auto& host = protocol == Protocol::nvmeof ? nvme_host : iscsi_host;
        const auto data = row.data();
        for (const bool multipath : {false, true}) {
            ConnectorOptions options;
            options.use_multipath = multipath;
            auto connector = make_connector(protocol, host, options);
            DeviceInfo device;
            device.path = protocol == Protocol::nvmeof ? "/dev/nvme0n1" : "/dev/sdb";
            const std::vector<std::pair<const char*, std::function<void()>>> operations = {
                {"connect", [&] { connector->connect(data); }},
                {"disconnect",
                 [&] {
                     connector->disconnect(data, device, {true, true});
                 }},
                {"extend", [&] { connector->extend(data); }},
                {"paths", [&] { connector->paths(data); }},
            };
            for (const auto& [name, operation] : operations) {
                INFO(name << (multipath ? " (multipath) " : " ") << row.base << " " << row.pointer
                          << " = " << row.value.value_or("(removed)"));
                const auto before = host.trace_text().size();
                try {
                    operation();
                    FAIL("accepted");
                } catch (const Error& e) {
                    INFO(e.what());
                    CHECK(e.category() == ErrorCategory::invalid_properties);
                    CHECK(e.field() == row.field);
                }
                CHECK(host_changes(host.trace_text(), before).empty());
                ++refused;
            }
        }
    }
    CHECK(iscsi_host.model().leftovers().empty());
    CHECK(nvme_host.model().leftovers().empty());
    CHECK(refused > 500);
}
