#include "provisioner.hpp"

#include <chrono>

#include "brick/core/error.hpp"
#include "brick/core/secrets.hpp"
#include "brick/properties/common.hpp"
#include "brick/properties/parse.hpp"

namespace brick::lab::certify {

namespace {

std::string excerpt(const std::string& text) {
    auto masked = mask_secret_values(text);
    while (!masked.empty() && (masked.back() == '\n' || masked.back() == ' ')) {
        masked.pop_back();
    }
    return masked.size() > 300 ? masked.substr(0, 300) + "..." : masked;
}

std::string seconds_text(Duration duration) {
    return std::to_string(duration.count() / 1000) + " s";
}

}  // namespace

bool valid_volume_id(const std::string& id) {
    if (id.empty() || id.size() > 128 || id.front() == '-') {
        return false;
    }
    for (const char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

std::string mask_secret_values(const std::string& text) {
    std::string out = text;
    // "key" : "value": mask value when key names a secret.
    std::size_t pos = 0;
    while ((pos = out.find('"', pos)) != std::string::npos) {
        const auto key_end = out.find('"', pos + 1);
        if (key_end == std::string::npos) {
            break;
        }
        const auto key = out.substr(pos + 1, key_end - pos - 1);
        auto next = out.find_first_not_of(" \t\r\n", key_end + 1);
        if (next != std::string::npos && out[next] == ':' && is_secret_key(key)) {
            next = out.find_first_not_of(" \t\r\n", next + 1);
            if (next != std::string::npos && out[next] == '"') {
                auto value_end = next + 1;
                while (value_end < out.size() && out[value_end] != '"') {
                    value_end += out[value_end] == '\\' ? 2 : 1;
                }
                out.replace(next + 1, std::min(value_end, out.size()) - next - 1, masked_text);
                pos = next + 2 + masked_text.size();
                continue;
            }
        }
        pos = key_end + 1;
    }
    return mask_secrets(out);
}

Provisioner::Provisioner(Host& host, std::vector<std::string> argv, Duration timeout,
                         Observer observer)
    : host_(host), argv_(std::move(argv)), timeout_(timeout), observer_(std::move(observer)) {}

std::string Provisioner::call(const std::string& verb, const std::vector<std::string>& args) {
    Command command;
    command.argv = argv_;
    command.argv.push_back(verb);
    command.argv.insert(command.argv.end(), args.begin(), args.end());
    command.deadline = timeout_;
    const auto start = std::chrono::steady_clock::now();
    const auto result = host_.run(command);
    ProvisionerCall record;
    record.verb = verb;
    record.argv = command.argv;
    record.exit_status = result.exit_status;
    record.timed_out = result.timed_out;
    record.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    record.out = excerpt(result.out);
    record.err = excerpt(result.err);
    if (observer_) {
        observer_(record);
    }
    const auto what = "provisioner " + verb + (args.empty() ? "" : " " + args.front());
    if (result.not_found) {
        throw Error(ErrorCategory::command_failed,
                    what + ": cannot run " + argv_.front() + " (not found or not executable)");
    }
    if (result.timed_out) {
        throw Error(ErrorCategory::timeout,
                    what + ": no answer within " + seconds_text(timeout_) + " (killed)");
    }
    if (result.exit_status != 0) {
        throw Error(ErrorCategory::command_failed,
                    what + ": exit " + std::to_string(result.exit_status) +
                        (record.err.empty() ? std::string() : ": " + record.err));
    }
    return result.out;
}

nlohmann::json Provisioner::parse_output(const std::string& verb, const std::string& out) {
    try {
        return nlohmann::json::parse(out);
    } catch (const nlohmann::json::parse_error& e) {
        throw Error(ErrorCategory::invalid_properties,
                    "provisioner " + verb + " printed malformed JSON (" + e.what() +
                        "); output: " + (out.empty() ? "(nothing)" : excerpt(out)),
                    verb);
    }
}

std::string Provisioner::create(std::uint64_t size_gib) {
    const auto out = call("create", {"--size-gib", std::to_string(size_gib)});
    const auto answer = parse_output("create", out);
    if (!answer.is_object() || !answer.contains("volume_id") || !answer["volume_id"].is_string()) {
        throw Error(ErrorCategory::invalid_properties,
                    R"(provisioner create: expected {"volume_id": "..."}, got )" + excerpt(out),
                    "volume_id");
    }
    auto id = answer["volume_id"].get<std::string>();
    if (!valid_volume_id(id)) {
        throw Error(ErrorCategory::invalid_properties,
                    "provisioner create: volume_id \"" + excerpt(id) +
                        "\": expected 1-128 letters, digits or . _ : - not starting with -",
                    "volume_id");
    }
    return id;
}

nlohmann::json Provisioner::export_volume(const std::string& id, const std::string& connector_file,
                                          const ExportRequest& request) {
    std::vector<std::string> args{id,
                                  "--connector",
                                  connector_file,
                                  "--protocol",
                                  request.protocol,
                                  "--transport",
                                  request.transport};
    if (request.mutual_chap) {
        args.emplace_back("--mutual-chap");
    } else if (request.chap) {
        args.emplace_back("--chap");
    }
    if (request.lun) {
        args.emplace_back("--lun");
        args.push_back(std::to_string(*request.lun));
    }
    const auto out = call("export", args);
    auto info = parse_output("export", out);
    if (!info.is_object() || !info.contains("driver_volume_type") ||
        !info["driver_volume_type"].is_string() || !info.contains("data")) {
        throw Error(ErrorCategory::invalid_properties,
                    "provisioner export " + id +
                        ": expected connection info {\"driver_volume_type\": ..., \"data\": "
                        "{...}}, got " +
                        excerpt(out),
                    "driver_volume_type");
    }
    const auto type = info["driver_volume_type"].get<std::string>();
    const auto protocol = parse_protocol(type);
    if (!protocol || protocol != parse_protocol(request.protocol)) {
        throw Error(ErrorCategory::invalid_properties,
                    "provisioner export " + id + ": driver_volume_type \"" + type +
                        "\", expected " + request.protocol,
                    "driver_volume_type");
    }
    try {
        validate_properties(*protocol, info);  // what `brick validate` checks
    } catch (const Error& e) {
        throw Error(
            ErrorCategory::invalid_properties,
            "provisioner export " + id + ": the connection info is not valid: " + e.message(),
            e.field());
    }
    return info;
}

void Provisioner::unexport(const std::string& id) {
    call("unexport", {id});
}

void Provisioner::extend(const std::string& id, std::uint64_t size_gib) {
    call("extend", {id, "--size-gib", std::to_string(size_gib)});
}

void Provisioner::remove(const std::string& id) {
    call("delete", {id});
}

std::vector<std::string> Provisioner::list() {
    const auto out = call("list", {});
    const auto answer = parse_output("list", out);
    const auto bad = [&] {
        return Error(ErrorCategory::invalid_properties,
                     R"(provisioner list: expected {"volumes": ["ID", ...]}, got )" + excerpt(out),
                     "volumes");
    };
    if (!answer.is_object() || !answer.contains("volumes") || !answer["volumes"].is_array()) {
        throw bad();
    }
    std::vector<std::string> ids;
    for (const auto& id : answer["volumes"]) {
        if (!id.is_string()) {
            throw bad();
        }
        ids.push_back(id.get<std::string>());
    }
    return ids;
}

void Provisioner::fail_path(const std::string& id) {
    call("fail-path", {id});
}

void Provisioner::restore_path(const std::string& id) {
    call("restore-path", {id});
}

}  // namespace brick::lab::certify
