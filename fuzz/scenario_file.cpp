// Scenario files (scenarios/**/*.json): strict JSON, the JSON Schema, then the
// typed scenario. Errors are typed and name the place in the document; a
// loaded scenario is consistent: its numbers are what the file says (no
// truncation), its steps name its volumes, and every volume's generated
// connection properties are valid.

#include "brick/properties/parse.hpp"
#include "runner/scenario.hpp"
#include "support.hpp"

namespace {

using nlohmann::json;

void check_steps(const brick::lab::Scenario& scenario, const std::vector<brick::lab::Step>& steps) {
    for (const auto& step : steps) {
        BRICK_FUZZ_CHECK(!step.op.empty(), "a step without an operation");
        BRICK_FUZZ_CHECK(step.wait_ms >= 0, std::to_string(step.wait_ms));
        BRICK_FUZZ_CHECK(!step.within_ms || *step.within_ms >= 1, std::to_string(*step.within_ms));
        BRICK_FUZZ_CHECK(step.mib >= 1 && step.mib <= 64, std::to_string(step.mib));
        if (step.op == "connect" || step.op == "disconnect" || step.op == "write" ||
            step.op == "verify" || step.op == "extend") {
            BRICK_FUZZ_CHECK(scenario.volumes.count(step.subject) == 1, step.subject);
        }
        check_steps(scenario, step.concurrent);
    }
}

void check_scenario(const brick::lab::Scenario& scenario, const json& document) {
    BRICK_FUZZ_CHECK(scenario.virtual_ms_limit >= 1 && scenario.wall_seconds_limit >= 1,
                     scenario.name);
    check_steps(scenario, scenario.steps);
    const auto protocol = brick::parse_protocol(scenario.protocol);
    BRICK_FUZZ_CHECK(protocol.has_value(), scenario.protocol);
    for (const auto& [name, volume] : scenario.volumes) {
        const auto& spec = document.at("volumes").at(name);
        if (volume.nvme) {
            BRICK_FUZZ_CHECK(spec.at("nsid") == volume.nvme->nsid, name);
        }
        if (spec.contains("lun")) {
            BRICK_FUZZ_CHECK(spec.at("lun") == volume.lun, name);
        }
        try {
            brick::parse_any_properties(*protocol, scenario.connection_info(name, false));
        } catch (const brick::Error& e) {
            brick::fuzz::broken("a loaded scenario generates invalid properties", __FILE__,
                                __LINE__, brick::fuzz::describe(e));
        }
        try {
            // Extra properties may break the document on purpose: a typed error then.
            brick::parse_any_properties(*protocol, scenario.connection_info(name));
        } catch (const brick::Error& e) {
            brick::fuzz::check_input_error(e);
        }
    }
    for (const auto& target : scenario.fabric.iscsi_targets) {
        for (const auto& lun : target.luns) {
            BRICK_FUZZ_CHECK(lun.scsi_id().size() == 33, lun.scsi_id());
        }
    }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = brick::fuzz::as_text(data, size);
    brick::forget_secrets();
    brick::lab::Scenario scenario;
    try {
        scenario = brick::lab::parse_scenario(text, "scenario.json");
    } catch (const brick::Error& e) {
        brick::fuzz::check_input_error(e, {}, false);
        BRICK_FUZZ_CHECK(e.message().find("last read") == std::string::npos,
                         brick::fuzz::describe(e));
        return 0;
    }
    check_scenario(scenario, json::parse(text));
    return 0;
}
