// The connection_info envelope ({"driver_volume_type": ..., "data": {...}} or
// the bare data dict) and the one entry point for every protocol,
// validate_properties, as `brick validate PROTOCOL` runs it. The first byte
// chooses PROTOCOL; the rest is the document.

#include <array>

#include "brick/properties/parse.hpp"
#include "properties_support.hpp"

namespace {

using brick::Protocol;
using nlohmann::json;

constexpr std::array<Protocol, 7> protocols = {
    Protocol::iscsi, Protocol::iser, Protocol::fibre_channel, Protocol::nvmeof,
    Protocol::rbd,   Protocol::nfs,  Protocol::local};

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using brick::fuzz::describe;
    if (size == 0) {
        return 0;
    }
    const auto protocol = protocols.at(data[0] % protocols.size());
    const auto text = brick::fuzz::as_text(data + 1, size - 1);
    brick::forget_secrets();
    json document;
    try {
        document = brick::parse_properties_text(text, "--properties");
    } catch (const brick::Error& e) {
        brick::fuzz::check_input_error(e);
        return 0;
    }
    std::vector<std::string> secrets;
    brick::fuzz::collect_secrets(document, secrets);
    brick::fuzz::keep_telling_secrets(document, secrets);

    try {
        const auto info = brick::unwrap_connection_info(document, protocol);
        const bool wrapped = document.contains("driver_volume_type") || document.contains("data");
        BRICK_FUZZ_CHECK(info.data == (wrapped ? document.at("data") : document),
                         "unwrapped data is not the document's");
        if (info.declared) {
            BRICK_FUZZ_CHECK(*info.declared == protocol, "a declared protocol not checked");
        }
    } catch (const brick::Error& e) {
        brick::fuzz::check_input_error(e);
        BRICK_FUZZ_CHECK(
            e.field() == "document" || e.field() == "driver_volume_type" || e.field() == "data",
            describe(e));
        brick::fuzz::check_no_secret(e.what(), secrets);
        return 0;
    }

    try {
        const auto out = brick::validate_properties(protocol, document);
        BRICK_FUZZ_CHECK(out.at("driver_volume_type") == brick::protocol_name(protocol),
                         brick::fuzz::dump(out));
        BRICK_FUZZ_CHECK(out.at("properties").is_object(), brick::fuzz::dump(out));
        brick::fuzz::check_no_secret(brick::fuzz::dump(out), secrets);
        // What validate prints is the same whatever the order of the calls.
        BRICK_FUZZ_CHECK(brick::validate_properties(protocol, document) == out,
                         "validate is not deterministic");
    } catch (const brick::Error& e) {
        brick::fuzz::check_input_error(e, "data");
        brick::fuzz::check_no_secret(e.what(), secrets);
    }
    return 0;
}
