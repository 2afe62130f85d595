#pragma once
// Shared helpers of the simulator tests.

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "sim/host/sim_host.hpp"
#include "sim/model/fabric.hpp"

namespace brick::sim::test {

inline Fabric fabric(const std::string& name) {
    return load_fabric(std::string(BRICK_SIM_FABRICS_DIR) + "/" + name);
}

inline constexpr const char* chap_iqn = "iqn.2010-10.org.openstack:volume-1";
inline constexpr const char* chap_wwid = "360014050aabbccdd0000000000000001";
inline constexpr const char* mp_iqn = "iqn.2010-10.org.openstack:volume-mp";

// The CHAP volume of single_chap.json at one LUN.
inline nlohmann::json chap_properties(std::uint64_t lun = 1) {
    return {{"target_portal", "192.168.122.10:3260"},
            {"target_iqn", chap_iqn},
            {"target_lun", lun},
            {"auth_method", "CHAP"},
            {"auth_username", "chapuser"},
            {"auth_password", "chapsecret-7f3a"},
            {"volume_id", "vol-1"}};
}

// The multipath volume of two_portals.json: one LUN behind two portals.
inline nlohmann::json mp_properties() {
    return {{"target_portals", {"192.168.122.10:3260", "[2001:db8::10]:3260"}},
            {"target_iqns", {mp_iqn, mp_iqn}},
            {"target_luns", {1, 1}}};
}

// A golden output of a real tool (hil/golden/<tool>/<name>); empty if missing.
inline std::string golden_file(const std::string& tool, const std::string& name) {
    std::ifstream in(std::string(BRICK_SIM_FABRICS_DIR) + "/../../hil/golden/" + tool + "/" + name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

inline CommandResult run(Host& host, std::vector<std::string> argv, std::string input = {}) {
    return host.run(Command{std::move(argv), std::move(input), Duration(30000)});
}

// Creates the node record with CHAP and logs in, as the connector does.
inline CommandResult login_chap(Host& host, const std::string& password = "chapsecret-7f3a") {
    const std::vector<std::string> node = {"iscsiadm",           "-m", "node", "-T", chap_iqn, "-p",
                                           "192.168.122.10:3260"};
    auto create = node;
    create.insert(create.end(), {"--op", "new"});
    run(host, create);
    auto update = node;
    update.insert(update.end(),
                  {"--op", "update", "-n", "node.session.scan", "-v", "manual", "-n",
                   "node.session.auth.authmethod", "-v", "CHAP", "-n", "node.session.auth.username",
                   "-v", "chapuser", "-n", "node.session.auth.password", "-v", password});
    run(host, update);
    auto login = node;
    login.emplace_back("--login");
    return run(host, login);
}

}  // namespace brick::sim::test
