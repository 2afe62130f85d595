#include "brick/rbd/properties.hpp"

#include "brick/core/error.hpp"
#include "brick/core/secrets.hpp"
#include "brick/properties/reader.hpp"
#include "brick/properties/text.hpp"

namespace brick::rbd {
namespace {

constexpr std::uint16_t default_monitor_port = 6789;
// Pool and image names reach `rbd map` and /dev/rbd/<pool>/<image>; '@' marks
// a snapshot.
constexpr std::string_view image_punctuation = "._-+@=";

// Registers the value of every "key = ..." line: the bare key can show up in
// logs on its own (a generated ceph.conf, a command line).
void register_keyring_keys(const std::string& keyring) {
    std::size_t start = 0;
    while (start < keyring.size()) {
        auto end = keyring.find('\n', start);
        if (end == std::string::npos) {
            end = keyring.size();
        }
        const auto line = std::string_view(keyring).substr(start, end - start);
        const auto equals = line.find('=');
        if (equals != std::string_view::npos &&
            line.substr(0, equals).find("key") != std::string_view::npos) {
            auto value = line.substr(equals + 1);
            const auto first = value.find_first_not_of(" \t");
            const auto last = value.find_last_not_of(" \t\r");
            if (first != std::string_view::npos) {
                register_secret(value.substr(first, last - first + 1));
            }
        }
        start = end + 1;
    }
}

void parse_name(const ObjectReader& in, Properties& props) {
    const auto field = in.field("name");
    const auto name = require_string(field, in.require("name", "\"pool/image\""));
    const auto slash = name.find('/');
    if (slash == std::string::npos || name.find('/', slash + 1) != std::string::npos) {
        throw_invalid(field,
                      "\"pool/image\" with exactly one '/' (got " + describe_text(name) + ")");
    }
    props.pool =
        parse_path_component(field, name.substr(0, slash), "an RBD pool name \"pool/...\"", "._-");
    props.image = parse_path_component(field, name.substr(slash + 1),
                                       "an RBD image name \".../image\"", image_punctuation);
}

void parse_monitors(const ObjectReader& in, Properties& props) {
    const auto* hosts = in.array("hosts");
    const auto* ports = in.array("ports");
    if (hosts == nullptr && ports == nullptr) {
        return;
    }
    if (hosts == nullptr) {
        throw_invalid(in.field("hosts"), "an array of monitor addresses to go with " +
                                             in.field("ports") + " (the key is missing)");
    }
    if (ports != nullptr && ports->size() != hosts->size()) {
        throw_invalid(in.field("ports"), "one port per entry of " + in.field("hosts") + " (" +
                                             std::to_string(hosts->size()) + " hosts, got " +
                                             std::to_string(ports->size()) + " ports)");
    }
    for (std::size_t i = 0; i < hosts->size(); ++i) {
        const auto host_field = index_field(in.field("hosts"), i);
        Portal monitor;
        monitor.host = parse_host(host_field, require_string(host_field, (*hosts)[i]));
        monitor.port = ports == nullptr
                           ? default_monitor_port
                           : parse_port(index_field(in.field("ports"), i), (*ports)[i]);
        props.monitors.push_back(monitor);
    }
}

}  // namespace

Properties parse_properties(const nlohmann::json& data) {
    register_secrets_in(data);
    const ObjectReader in(data, "data");
    Properties props;
    if (const auto* keyring = in.find("keyring")) {
        props.keyring = parse_secret(in.field("keyring"), *keyring, true, 65536);
        register_keyring_keys(props.keyring);
    }
    parse_name(in, props);
    parse_monitors(in, props);
    if (const auto cluster = in.string("cluster_name")) {
        // Names /etc/ceph/<cluster>.conf and <cluster>.client.<user>.keyring.
        props.cluster_name =
            parse_path_component(in.field("cluster_name"), *cluster, "a Ceph cluster name", "_-");
    }
    props.auth_enabled = in.boolean("auth_enabled", false);
    if (const auto user = in.string("auth_username")) {
        props.auth_username =
            parse_path_component(in.field("auth_username"), *user, "a Ceph user name", "._-");
    }
    if (const auto type = in.string("secret_type")) {
        props.secret_type = parse_safe_name(in.field("secret_type"), *type, "a secret type", "_-");
    }
    if (const auto uuid = in.string("secret_uuid")) {
        props.secret_uuid = parse_uuid(in.field("secret_uuid"), *uuid);
    }
    if (const auto volume_id = in.string("volume_id")) {
        props.volume_id = parse_safe_name(in.field("volume_id"), *volume_id, "a volume ID");
    }
    props.do_local_attach = in.boolean("do_local_attach", false);
    if (const auto* mode = in.find("access_mode")) {
        props.access_mode = parse_access_mode(in.field("access_mode"), *mode);
    }
    props.encrypted = in.boolean("encrypted", false);
    return props;
}

nlohmann::json to_json(const Properties& properties) {
    nlohmann::json monitors = nlohmann::json::array();
    for (const auto& monitor : properties.monitors) {
        monitors.push_back(monitor.to_string());
    }
    nlohmann::json out = {{"pool", properties.pool},
                          {"image", properties.image},
                          {"monitors", monitors},
                          {"cluster_name", properties.cluster_name},
                          {"auth_enabled", properties.auth_enabled},
                          {"do_local_attach", properties.do_local_attach},
                          {"access_mode", access_mode_name(properties.access_mode)},
                          {"encrypted", properties.encrypted}};
    if (!properties.auth_username.empty()) {
        out["auth_username"] = properties.auth_username;
    }
    if (!properties.keyring.empty()) {
        out["keyring"] = std::string(masked_text);
    }
    if (!properties.secret_type.empty()) {
        out["secret_type"] = properties.secret_type;
    }
    if (!properties.secret_uuid.empty()) {
        out["secret_uuid"] = properties.secret_uuid;
    }
    if (!properties.volume_id.empty()) {
        out["volume_id"] = properties.volume_id;
    }
    return out;
}

}  // namespace brick::rbd
