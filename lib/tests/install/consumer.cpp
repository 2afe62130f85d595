// A program outside the project that uses the installed libbrick: it reads a
// host tree's identity through RealHost with a root prefix and validates a
// connection-properties document, the two things an integrator does first.
#include <brick/host/real_host.hpp>
#include <brick/initiator/connector_properties.hpp>
#include <brick/properties/parse.hpp>
#include <iostream>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: consumer HOST_TREE\n";
        return 2;
    }
    brick::RealHostOptions options;
    options.root = argv[1];
    brick::RealHost host(options);
    const nlohmann::json identity = brick::get_connector_properties(host, {});
    const auto envelope = nlohmann::json::parse(
        R"({"driver_volume_type": "iscsi", "data": {"target_portal": "127.0.0.1:3260",
            "target_iqn": "iqn.2003-01.org.example:t1", "target_lun": 1}})");
    const nlohmann::json normalised = brick::validate_properties(brick::Protocol::iscsi, envelope);
    std::cout << identity.value("initiator", "") << " " << normalised.dump() << "\n";
    return 0;
}
