// The fake nvme (nvme-cli 2.3, Debian 12; the 1.16 JSON shapes selectable
// with the fabric's nvme.cli_version): list, list-subsys, connect,
// disconnect, disconnect-all, discover, show-hostnqn, gen-hostnqn, id-ns.
// Output is rendered from the model; JSON is printed as json-c does
// (no space after the colon, two-space indent, slashes not escaped).
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>

#include "sim/tools/tool.hpp"

namespace brick::sim {
namespace {

using ojson = nlohmann::ordered_json;

std::string json_c(const ojson& value, int indent = 0) {
    const std::string pad(static_cast<std::size_t>(indent), ' ');
    const std::string inner(static_cast<std::size_t>(indent) + 2, ' ');
    if (value.is_object()) {
        std::string out = "{\n";
        bool first = true;
        for (const auto& [key, item] : value.items()) {
            out +=
                (first ? "" : ",\n") + inner + ojson(key).dump() + ":" + json_c(item, indent + 2);
            first = false;
        }
        return out + (first ? "" : "\n") + pad + "}";
    }
    if (value.is_array()) {
        std::string out = "[\n";
        bool first = true;
        for (const auto& item : value) {
            out += (first ? "" : ",\n") + inner + json_c(item, indent + 2);
            first = false;
        }
        return out + (first ? "" : "\n") + pad + "]";
    }
    return value.dump();
}

// Options as nvme-cli's argconfig takes them: "-s V", "--long V", "--long=V".
struct Options {
    std::map<std::string, std::string> values;
    std::vector<std::string> positional;
    bool has(const std::string& name) const { return values.contains(name); }
    std::string get(const std::string& name, const std::string& fallback = {}) const {
        const auto it = values.find(name);
        return it == values.end() ? fallback : it->second;
    }
};

Options parse_options(const std::vector<std::string>& args, std::size_t from,
                      const std::map<std::string, std::string>& aliases,
                      const std::set<std::string>& flags) {
    Options options;
    for (std::size_t i = from; i < args.size(); ++i) {
        const auto& arg = args[i];
        if (arg.size() < 2 || arg[0] != '-') {
            options.positional.push_back(arg);
            continue;
        }
        std::string name;
        std::optional<std::string> value;
        if (arg.rfind("--", 0) == 0) {
            const auto equals = arg.find('=');
            name = arg.substr(2, equals == std::string::npos ? std::string::npos : equals - 2);
            if (equals != std::string::npos) {
                value = arg.substr(equals + 1);
            }
        } else {
            const auto it = aliases.find(arg.substr(1, 1));
            name = it == aliases.end() ? arg.substr(1, 1) : it->second;
            if (arg.size() > 2) {
                value = arg.substr(2);
            }
        }
        if (!value && !flags.contains(name) && i + 1 < args.size()) {
            value = args[++i];
        }
        options.values[name] = value.value_or("");
    }
    return options;
}

std::string file_text(ToolContext& context, const std::string& path) {
    const auto& files = context.model.state().files;
    const auto it = files.find(path);
    if (it == files.end()) {
        return {};
    }
    auto text = it->second;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.pop_back();
    }
    return text;
}

const NvmeSubsystemState* subsystem_state(const Model& model, const std::string& nqn) {
    for (const auto& [n, s] : model.state().nvme.subsystems) {
        if (s.nqn == nqn) {
            return &s;
        }
    }
    return nullptr;
}

std::string strip_dev(std::string name) {
    if (name.rfind("/dev/", 0) == 0) {
        name = name.substr(5);
    }
    return name;
}

// "%6.2f %2sB": 67108864 -> " 67.11  MB" (SI units).
std::string si_size(std::uint64_t bytes) {
    static constexpr std::array<const char*, 6> units = {"", "k", "M", "G", "T", "P"};
    auto value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1000.0 && unit < 5) {
        value /= 1000.0;
        ++unit;
    }
    std::array<char, 32> out{};
    std::snprintf(out.data(), out.size(), "%6.2f %2sB", value, units[unit]);
    return out.data();
}

std::string fixed(const std::string& text, std::size_t width) {
    return text.size() >= width ? text : pad(text, width);
}

ToolResult list(ToolContext& context, const Options& options) {
    ToolResult r;
    const auto& model = context.model;
    const bool json = options.get("output-format") == "json";
    const bool old = model.fabric().nvme_host.cli_version == "1.16";
    ojson devices = ojson::array();
    std::string table =
        "Node                  Generic               SN                   Model                "
        "                    Namespace Usage                      Format           FW Rev  \n"
        "--------------------- --------------------- -------------------- "
        "---------------------------------------- --------- -------------------------- "
        "---------------- --------\n";
    int index = 0;
    for (const auto& disk : model.nvme_disks()) {
        const auto* s = subsystem_state(model, disk.subsystem_nqn);
        const auto& head = s->heads.at(disk.nsid);
        const auto blocks = head.size_bytes / head.block_size;
        ojson d;
        d["NameSpace"] = disk.nsid;
        d["DevicePath"] = "/dev/" + disk.name;
        d["Firmware"] = s->firmware;
        if (old) {
            d["Index"] = index++;
        }
        d["ModelNumber"] = s->model;
        if (old) {
            d["ProductName"] = "Non-Volatile memory controller: Vendor 0x0000 Device 0x0000";
        }
        d["SerialNumber"] = s->serial;
        d["UsedBytes"] = head.size_bytes;
        d["MaximumLBA"] = blocks;
        d["PhysicalSize"] = head.size_bytes;
        d["SectorSize"] = head.block_size;
        devices.push_back(d);
        const unsigned kib = head.block_size / 1024;
        std::array<char, 32> format{};
        if (kib > 0) {
            std::snprintf(format.data(), format.size(), "%3u %3s +%3d B", kib, "KiB", 0);
        } else {
            std::snprintf(format.data(), format.size(), "%3u %3s +%3d B", head.block_size, "B", 0);
        }
        std::array<char, 16> ns{};
        std::snprintf(ns.data(), ns.size(), "%-9u", disk.nsid);
        table += fixed("/dev/" + disk.name, 21) + " " + fixed("/dev/ng" + disk.name.substr(4), 21) +
                 " " + fixed(s->serial, 20) + " " + fixed(s->model, 40) + " " + ns.data() + " " +
                 fixed(si_size(head.size_bytes) + " / " + si_size(head.size_bytes), 26) + " " +
                 fixed(format.data(), 16) + " " + fixed(s->firmware, 8) + "\n";
    }
    if (json) {
        r.out = json_c(ojson{{"Devices", devices}}) + "\n";
    } else if (!devices.empty()) {
        r.out = table;
    } else {
        r.out = "No NVMe devices detected.\n";
    }
    return r;
}

ToolResult list_subsys(ToolContext& context, const Options& options) {
    ToolResult r;
    const auto& model = context.model;
    const auto& nvme = model.state().nvme;
    const bool json = options.get("output-format") == "json";
    const bool old = model.fabric().nvme_host.cli_version == "1.16";
    // A device argument narrows the listing to its subsystem and adds each
    // path's ANA state for that namespace.
    std::optional<NvmeDisk> filter;
    if (!options.positional.empty()) {
        filter = model.nvme_disk(strip_dev(options.positional.front()));
        if (!filter) {
            r.exit_status = 1;
            r.err = "Failed to scan topology: No such file or directory\n";
            return r;
        }
    }
    // Hosts in the order their controllers appear; the host's own identity first.
    std::vector<std::pair<std::string, std::string>> hosts;
    const auto own = std::make_pair(file_text(context, "/etc/nvme/hostnqn"),
                                    file_text(context, "/etc/nvme/hostid"));
    for (const auto& [i, c] : nvme.controllers) {
        const auto key = std::make_pair(c.host_nqn, c.host_id);
        if (std::find(hosts.begin(), hosts.end(), key) == hosts.end()) {
            hosts.push_back(key);
        }
    }
    std::stable_sort(hosts.begin(), hosts.end(),
                     [&](const auto& a, const auto& b) { return a == own && b != own; });
    ojson out = ojson::array();
    ojson old_subsystems = ojson::array();
    std::string text;
    for (const auto& host : hosts) {
        ojson subsystems = ojson::array();
        for (const auto& [n, s] : nvme.subsystems) {
            if (filter && filter->subsystem_nqn != s.nqn) {
                continue;
            }
            ojson paths = ojson::array();
            std::string lines;
            for (const auto& [i, c] : nvme.controllers) {
                if (c.subsystem_nqn != s.nqn || std::make_pair(c.host_nqn, c.host_id) != host) {
                    continue;
                }
                ojson path{{"Name", c.name()},
                           {"Transport", c.transport},
                           {"Address", c.address()},
                           {"State", c.state}};
                if (filter && c.paths.contains(filter->nsid) && !old) {
                    path["ANAState"] = model.nvme_ana_state(c, filter->nsid);
                }
                paths.push_back(path);
                lines += " +- " + c.name() + " " + c.transport + " " + c.address() + " " + c.state +
                         (filter ? "" : " ") + "\n";
            }
            if (paths.empty()) {
                continue;
            }
            subsystems.push_back(ojson{{"Name", s.name()}, {"NQN", s.nqn}, {"Paths", paths}});
            old_subsystems.push_back(ojson{{"Name", s.name()}, {"NQN", s.nqn}});
            old_subsystems.push_back(ojson{{"Paths", paths}});
            text += s.name() + " - NQN=" + s.nqn + "\n\\\n" + lines;
        }
        if (!subsystems.empty()) {
            out.push_back(ojson{
                {"HostNQN", host.first}, {"HostID", host.second}, {"Subsystems", subsystems}});
        }
    }
    if (json) {
        r.out = json_c(old ? ojson{{"Subsystems", old_subsystems}} : out) + "\n";
    } else {
        r.out = text;
    }
    return r;
}

const std::map<std::string, std::string>& connect_aliases() {
    static const std::map<std::string, std::string> aliases = {
        {"t", "transport"},      {"a", "traddr"},
        {"s", "trsvcid"},        {"n", "nqn"},
        {"q", "hostnqn"},        {"I", "hostid"},
        {"w", "host-traddr"},    {"f", "host-iface"},
        {"l", "ctrl-loss-tmo"},  {"c", "reconnect-delay"},
        {"k", "keep-alive-tmo"}, {"Q", "queue-size"},
        {"i", "nr-io-queues"},   {"D", "duplicate-connect"},
        {"o", "output-format"},  {"d", "device"},
        {"v", "verbose"}};
    return aliases;
}

const std::set<std::string>& connect_flags() {
    static const std::set<std::string> flags = {"duplicate-connect", "verbose",
                                                "persistent",        "hdr-digest",
                                                "data-digest",       "disable-sqflow"};
    return flags;
}

ToolResult connect(ToolContext& context, const Options& o) {
    ToolResult r;
    if (!o.has("nqn") || !o.has("transport")) {
        r.exit_status = 1;
        r.err = "required argument [--nqn | -n] not specified\n";
        return r;
    }
    const auto hostnqn = o.get("hostnqn", file_text(context, "/etc/nvme/hostnqn"));
    const auto hostid = o.get("hostid", file_text(context, "/etc/nvme/hostid"));
    std::string text = "nqn=" + o.get("nqn") + ",transport=" + o.get("transport");
    if (o.has("traddr")) {
        text += ",traddr=" + o.get("traddr");
    }
    text += ",trsvcid=" + o.get("trsvcid", "4420");
    if (o.has("host-traddr")) {
        text += ",host_traddr=" + o.get("host-traddr");
    }
    if (o.has("host-iface")) {
        text += ",host_iface=" + o.get("host-iface");
    }
    if (!hostnqn.empty()) {
        text += ",hostnqn=" + hostnqn;
    }
    if (!hostid.empty()) {
        text += ",hostid=" + hostid;
    }
    for (const auto& [option, key] :
         std::vector<std::pair<std::string, std::string>>{{"nr-io-queues", "nr_io_queues"},
                                                          {"queue-size", "queue_size"},
                                                          {"keep-alive-tmo", "keep_alive_tmo"},
                                                          {"reconnect-delay", "reconnect_delay"},
                                                          {"ctrl-loss-tmo", "ctrl_loss_tmo"}}) {
        if (o.has(option)) {
            text += "," + key + "=" + o.get(option);
        }
    }
    if (o.has("duplicate-connect")) {
        text += ",duplicate_connect";
    }
    unsigned duration = 0;
    const int error = context.write("/dev/nvme-fabrics", text, duration);
    r.duration_ms += duration;
    if (error == EALREADY) {
        r.exit_status = 1;
        r.err = "already connected\n";
    } else if (error != 0) {
        r.exit_status = 1;
        r.err = "could not add new controller: failed to write to nvme-fabrics device\n";
    }
    return r;
}

int delete_controller(ToolContext& context, const std::string& name, unsigned& duration) {
    return context.write("/sys/class/nvme/" + name + "/delete_controller", "1", duration);
}

ToolResult disconnect(ToolContext& context, const Options& o) {
    ToolResult r;
    const auto& nvme = context.model.state().nvme;
    if (o.has("nqn")) {
        const auto wanted = o.get("nqn");
        std::vector<std::string> names;
        for (const auto& [i, c] : nvme.controllers) {
            if (c.subsystem_nqn == wanted) {
                names.push_back(c.name());
            }
        }
        unsigned count = 0;
        for (const auto& name : names) {
            unsigned duration = 0;
            if (delete_controller(context, name, duration) == 0) {
                ++count;
            }
            r.duration_ms += duration;
        }
        r.out = "NQN:" + wanted + " disconnected " + std::to_string(count) + " controller(s)\n";
        return r;
    }
    if (o.has("device")) {
        std::string list = o.get("device");
        std::size_t start = 0;
        while (start <= list.size()) {
            auto end = list.find(',', start);
            if (end == std::string::npos) {
                end = list.size();
            }
            const auto name = strip_dev(list.substr(start, end - start));
            start = end + 1;
            unsigned duration = 0;
            if (const int error = delete_controller(context, name, duration); error != 0) {
                r.exit_status = 1;
                r.err += "Failed to disconnect " + name + ": " + std::strerror(error) + "\n";
            }
            r.duration_ms += duration;
        }
        return r;
    }
    r.exit_status = 1;
    r.err = "need a device or NQN to disconnect\n";
    return r;
}

ToolResult disconnect_all(ToolContext& context) {
    ToolResult r;
    std::vector<std::string> names;
    for (const auto& [i, c] : context.model.state().nvme.controllers) {
        names.push_back(c.name());
    }
    for (const auto& name : names) {
        unsigned duration = 0;
        delete_controller(context, name, duration);
        r.duration_ms += duration;
    }
    return r;
}

ToolResult discover(ToolContext& context, const Options& o) {
    ToolResult r;
    const auto& model = context.model;
    const auto transport = o.get("transport", "tcp");
    const auto address = o.get("traddr");
    const auto service = o.get("trsvcid", "4420");
    const auto hostnqn = o.get("hostnqn", file_text(context, "/etc/nvme/hostnqn"));
    const NvmePort* first = nullptr;
    std::vector<std::pair<const NvmeSubsystem*, const NvmePort*>> found;
    for (const auto& s : model.fabric().nvme_subsystems) {
        for (const auto& p : s.ports) {
            if (p.transport == transport && p.address == address &&
                std::to_string(p.service_id) == service) {
                first = first != nullptr ? first : &p;
                if (p.exported && s.allows(hostnqn)) {
                    found.emplace_back(&s, &p);
                }
            }
        }
    }
    r.duration_ms = model.fabric().timing.nvme_connect_ms;
    if (first == nullptr) {
        r.exit_status = 1;
        r.duration_ms = model.fabric().timing.nvme_refused_ms;
        r.err = "failed to add controller, error failed to write to nvme-fabrics device\n";
        return r;
    }
    const auto adrfam = address.find(':') == std::string::npos ? "ipv4" : "ipv6";
    const auto treq = "not specified, sq flow control disable supported";
    auto record = [&](const NvmePort& port, const std::string& subtype, const std::string& nqn) {
        return ojson{{"trtype", port.transport},
                     {"adrfam", adrfam},
                     {"subtype", subtype},
                     {"treq", treq},
                     {"portid", port.id},
                     {"trsvcid", std::to_string(port.service_id)},
                     {"subnqn", nqn},
                     {"traddr", port.address},
                     {"eflags", "none"},
                     {"sectype", "none"}};
    };
    ojson records = ojson::array();
    records.push_back(
        record(*first, "current discovery subsystem", "nqn.2014-08.org.nvmexpress.discovery"));
    for (const auto& [s, p] : found) {
        records.push_back(record(*p, "nvme subsystem", s->nqn));
    }
    const auto generation = model.state().nvme.discovery_generation;
    if (o.get("output-format") == "json") {
        r.out = json_c(ojson{{"genctr", generation}, {"records", records}}) + "\n";
        return r;
    }
    r.out = "\nDiscovery Log Number of Records " + std::to_string(records.size()) +
            ", Generation counter " + std::to_string(generation) + "\n";
    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto& e = records[i];
        r.out += "=====Discovery Log Entry " + std::to_string(i) + "======\n";
        r.out += "trtype:  " + e["trtype"].get<std::string>() + "\n";
        r.out += "adrfam:  " + e["adrfam"].get<std::string>() + "\n";
        r.out += "subtype: " + e["subtype"].get<std::string>() + "\n";
        r.out += "treq:    " + e["treq"].get<std::string>() + "\n";
        r.out += "portid:  " + std::to_string(e["portid"].get<unsigned>()) + "\n";
        r.out += "trsvcid: " + e["trsvcid"].get<std::string>() + "\n";
        r.out += "subnqn:  " + e["subnqn"].get<std::string>() + "\n";
        r.out += "traddr:  " + e["traddr"].get<std::string>() + "\n";
        r.out += "eflags:  none\n";
        r.out += "sectype: none\n";
    }
    return r;
}

ToolResult id_ns(ToolContext& context, const Options& o) {
    ToolResult r;
    if (o.positional.empty()) {
        r.exit_status = 1;
        r.err = "id-ns: a device is required\n";
        return r;
    }
    const auto disk =
        context.model.nvme_disk(strip_dev(device_name_of(context, o.positional[0]).empty()
                                              ? o.positional[0]
                                              : device_name_of(context, o.positional[0])));
    if (!disk) {
        r.exit_status = 1;
        r.err = "identify namespace: No such file or directory\n";
        return r;
    }
    const auto* s = subsystem_state(context.model, disk->subsystem_nqn);
    const auto& head = s->heads.at(disk->nsid);
    const auto blocks = head.size_bytes / head.block_size;
    const int ds = head.block_size == 4096 ? 12 : 9;
    const auto nguid = head.nguid.empty() ? std::string(32, '0') : head.nguid;
    if (o.get("output-format") == "json") {
        ojson j{{"nsze", blocks},
                {"ncap", blocks},
                {"nuse", blocks},
                {"nsfeat", 0},
                {"nlbaf", 0},
                {"flbas", 0},
                {"mc", 0},
                {"dpc", 0},
                {"dps", 0},
                {"nmic", 1},
                {"rescap", 0},
                {"fpi", 0},
                {"dlfeat", 0},
                {"anagrpid", head.ana_group},
                {"nguid", nguid},
                {"eui64", "0000000000000000"},
                {"lbafs", ojson::array({ojson{{"ms", 0}, {"ds", ds}, {"rp", 0}}})}};
        r.out = json_c(j) + "\n";
        return r;
    }
    std::array<char, 64> line{};
    r.out = "NVME Identify Namespace " + std::to_string(disk->nsid) + ":\n";
    std::snprintf(line.data(), line.size(), "nsze    : %#llx\n",
                  static_cast<unsigned long long>(blocks));
    r.out += line.data();
    std::snprintf(line.data(), line.size(), "ncap    : %#llx\n",
                  static_cast<unsigned long long>(blocks));
    r.out += line.data();
    std::snprintf(line.data(), line.size(), "nuse    : %#llx\n",
                  static_cast<unsigned long long>(blocks));
    r.out += line.data();
    r.out += "nguid   : " + nguid + "\n";
    r.out += "eui64   : 0000000000000000\n";
    r.out += "lbaf  0 : ms:0   lbads:" + std::to_string(ds) + " rp:0 (in use)\n";
    return r;
}

}  // namespace

ToolResult run_nvme(ToolContext& context, const std::vector<std::string>& args) {
    ToolResult r;
    if (args.empty()) {
        r.exit_status = 1;
        r.err = "nvme-2.3\nusage: nvme <command> [<device>] [<args>]\n";
        return r;
    }
    const auto& command = args[0];
    const auto options = parse_options(args, 1, connect_aliases(), connect_flags());
    if (command == "list") {
        return list(context, options);
    }
    if (command == "list-subsys") {
        return list_subsys(context, options);
    }
    if (command == "connect") {
        return connect(context, options);
    }
    if (command == "disconnect") {
        return disconnect(context, options);
    }
    if (command == "disconnect-all") {
        return disconnect_all(context);
    }
    if (command == "discover") {
        return discover(context, options);
    }
    if (command == "id-ns") {
        return id_ns(context, options);
    }
    if (command == "show-hostnqn" || command == "gen-hostnqn") {
        auto nqn = command == "show-hostnqn" ? file_text(context, "/etc/nvme/hostnqn") : "";
        if (nqn.empty()) {
            nqn = "nqn.2014-08.org.nvmexpress:uuid:" + context.model.fabric().host.product_uuid;
        }
        r.out = nqn + "\n";
        return r;
    }
    if (command == "version") {
        r.out = "nvme version 2.3 (git 2.3)\nlibnvme version 1.3 (git 1.3)\n";
        return r;
    }
    r.exit_status = 1;
    r.err = "ERROR: Invalid sub-command '" + command + "' for plugin nvme\n";
    return r;
}

}  // namespace brick::sim
