// The fake lsblk (util-linux 2.38): block devices and their holders read, as
// the real one reads them, from the rendered sysfs (/sys/block/<name>: dev,
// size, ro, removable, holders, slaves, dm/name and dm/uuid, md/level, hidden,
// device/...). Options: -J/--json, -P/--pairs, -r/--raw, -l/--list,
// -o/--output LIST, -n/--noheadings, -b/--bytes, -d/--nodeps, -p/--paths, and
// devices as arguments. Not modelled: file systems (FSTYPE, UUID, LABEL read
// as empty), partitions.
#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "sim/tools/tool.hpp"

namespace brick::sim {
namespace {

struct BlockDevice {
    std::string kname;  // sda, dm-0, md127, nvme0n1
    std::string name;   // dm devices: the map's name
    std::string dir;    // the real sysfs directory
    unsigned major = 0;
    unsigned minor = 0;
    std::uint64_t size_bytes = 0;
    bool read_only = false;
    bool removable = false;
    std::string type;
    std::vector<std::string> holders;  // knames
    std::vector<std::string> slaves;
    std::string hctl;
    std::string transport;
    std::string vendor;
    std::string model;
    std::string revision;
    std::string serial;
    std::string wwn;
    std::string mount_point;
};

class SysfsReader {
  public:
    explicit SysfsReader(const Tree& tree) : tree_(tree) {}

    std::optional<std::string> real(const std::string& path) const {
        int error = 0;
        return tree_.resolve(path, true, error);
    }
    // A file's contents without its last newline; empty when missing.
    std::string read(const std::string& path) const {
        const auto resolved = real(path);
        const auto* node = resolved ? tree_.find(*resolved) : nullptr;
        if (node == nullptr || node->type != FileType::regular) {
            return {};
        }
        auto text = node->content;
        if (!text.empty() && text.back() == '\n') {
            text.pop_back();
        }
        return text;
    }
    bool exists(const std::string& path) const { return real(path).has_value(); }
    std::vector<std::string> list(const std::string& path) const {
        const auto resolved = real(path);
        return resolved ? tree_.children(*resolved) : std::vector<std::string>{};
    }

  private:
    const Tree& tree_;
};

bool is_hctl(const std::string& text) {
    unsigned colons = 0;
    for (const char c : text) {
        if (c == ':') {
            ++colons;
        } else if (std::isdigit(static_cast<unsigned char>(c)) == 0) {
            return false;
        }
    }
    return colons == 3 && !text.empty();
}

std::string device_type(const SysfsReader& sysfs, const std::string& dir,
                        const std::string& kname) {
    const auto uuid = sysfs.read(dir + "/dm/uuid");
    if (sysfs.exists(dir + "/dm/name")) {
        const auto prefix = uuid.substr(0, uuid.find('-'));
        if (prefix == "mpath") {
            return "mpath";
        }
        if (prefix == "CRYPT") {
            return "crypt";
        }
        if (prefix == "LVM") {
            return "lvm";
        }
        return "dm";
    }
    if (auto level = sysfs.read(dir + "/md/level"); !level.empty()) {
        return level;
    }
    if (kname.rfind("loop", 0) == 0) {
        return "loop";
    }
    return "disk";
}

// The unit serial number of a SCSI device's vpd_pg80 (after the 4-byte header).
std::string vpd80_serial(const std::string& page) {
    return page.size() > 4 ? page.substr(4) : std::string();
}

BlockDevice read_device(const SysfsReader& sysfs, const Model& model, const std::string& kname) {
    BlockDevice d;
    d.kname = kname;
    d.name = kname;
    d.dir = sysfs.real("/sys/block/" + kname).value_or("/sys/block/" + kname);
    const auto dev = sysfs.read(d.dir + "/dev");
    if (const auto colon = dev.find(':'); colon != std::string::npos) {
        d.major = static_cast<unsigned>(std::stoul(dev.substr(0, colon)));
        d.minor = static_cast<unsigned>(std::stoul(dev.substr(colon + 1)));
    }
    const auto sectors = sysfs.read(d.dir + "/size");
    d.size_bytes = sectors.empty() ? 0 : std::stoull(sectors) * 512;
    d.read_only = sysfs.read(d.dir + "/ro") == "1";
    d.removable = sysfs.read(d.dir + "/removable") == "1";
    d.type = device_type(sysfs, d.dir, kname);
    if (const auto dm_name = sysfs.read(d.dir + "/dm/name"); !dm_name.empty()) {
        d.name = dm_name;
    }
    d.holders = sysfs.list(d.dir + "/holders");
    d.slaves = sysfs.list(d.dir + "/slaves");
    if (const auto device = sysfs.real(d.dir + "/device")) {
        const auto base = device->substr(device->rfind('/') + 1);
        if (is_hctl(base)) {
            d.hctl = base;
            d.transport = device->find("/session") != std::string::npos  ? "iscsi"
                          : device->find("/rport-") != std::string::npos ? "fc"
                                                                         : "";
            d.serial = vpd80_serial(sysfs.read(*device + "/vpd_pg80"));
            d.revision = sysfs.read(*device + "/rev");
        } else {
            d.serial = sysfs.read(*device + "/serial");
            d.revision = sysfs.read(*device + "/firmware_rev");
        }
        d.vendor = sysfs.read(*device + "/vendor");
        d.model = sysfs.read(*device + "/model");
    }
    if (kname.rfind("nvme", 0) == 0) {
        d.transport = "nvme";  // lsblk names every NVMe transport so
    }
    // udev's ID_WWN: the NAA or EUI of a SCSI disk as 0x..., an NVMe namespace's wwid.
    const auto wwid = sysfs.read(d.dir + "/device/wwid");
    if (wwid.rfind("naa.", 0) == 0 || wwid.rfind("eui.", 0) == 0) {
        d.wwn = "0x" + wwid.substr(4);
    } else if (const auto nvme_wwid = sysfs.read(d.dir + "/wwid"); !nvme_wwid.empty()) {
        d.wwn = nvme_wwid;
    }
    for (const auto& mount : model.state().storage.mounts) {
        const auto source = sysfs.real(mount.source);
        if (source && (*source == "/dev/" + kname)) {
            d.mount_point = mount.mount_point;
        }
    }
    return d;
}

// util-linux's size_to_human_string with one-letter suffixes: "64M", "1.5G", "512B".
std::string human_size(std::uint64_t bytes) {
    constexpr std::array<const char*, 7> suffixes = {"B", "K", "M", "G", "T", "P", "E"};
    unsigned exponent = 0;
    for (unsigned shift = 10; shift <= 60; shift += 10) {
        if (bytes < (std::uint64_t{1} << shift)) {
            break;
        }
        exponent = shift;
    }
    const auto whole = exponent == 0 ? bytes : bytes >> exponent;
    auto fraction = exponent == 0 ? 0 : bytes & ((std::uint64_t{1} << exponent) - 1);
    auto value = whole;
    if (fraction != 0) {
        fraction = (fraction / (std::uint64_t{1} << (exponent - 10)) + 50) / 100;
        if (fraction == 10) {
            ++value;
            fraction = 0;
        }
    }
    auto text = std::to_string(value);
    if (fraction != 0) {
        text += "." + std::to_string(fraction);
    }
    return text + suffixes.at(exponent / 10);
}

enum class CellKind { text, number, boolean, none, mount_list };

struct Cell {
    std::string text;
    CellKind kind = CellKind::text;
};

struct Column {
    const char* header;
    bool right = false;
};

constexpr std::array<std::pair<const char*, Column>, 22> known_columns = {{
    {"NAME", {"NAME"}},
    {"KNAME", {"KNAME"}},
    {"PATH", {"PATH"}},
    {"MAJ:MIN", {"MAJ:MIN"}},
    {"RM", {"RM", true}},
    {"SIZE", {"SIZE", true}},
    {"RO", {"RO", true}},
    {"TYPE", {"TYPE"}},
    {"MOUNTPOINT", {"MOUNTPOINT"}},
    {"MOUNTPOINTS", {"MOUNTPOINTS"}},
    {"PKNAME", {"PKNAME"}},
    {"HCTL", {"HCTL"}},
    {"TRAN", {"TRAN"}},
    {"VENDOR", {"VENDOR"}},
    {"MODEL", {"MODEL"}},
    {"REV", {"REV"}},
    {"SERIAL", {"SERIAL"}},
    {"WWN", {"WWN"}},
    {"FSTYPE", {"FSTYPE"}},
    {"UUID", {"UUID"}},
    {"LABEL", {"LABEL"}},
    {"PARTUUID", {"PARTUUID"}},
}};

std::optional<Column> find_column(const std::string& name) {
    std::string upper = name;
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    for (const auto& [key, column] : known_columns) {
        if (upper == key) {
            return column;
        }
    }
    return std::nullopt;
}

struct Options {
    bool json = false;
    bool pairs = false;
    bool raw = false;
    bool list = false;
    bool no_headings = false;
    bool bytes = false;
    bool no_deps = false;
    bool paths = false;
    std::vector<std::string> columns = {"NAME", "MAJ:MIN", "RM",         "SIZE",
                                        "RO",   "TYPE",    "MOUNTPOINTS"};
    std::vector<std::string> devices;
    std::string error;
};

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = std::min(text.find(',', start), text.size());
        if (comma > start) {
            items.push_back(text.substr(start, comma - start));
        }
        start = comma + 1;
    }
    return items;
}

Options parse(const std::vector<std::string>& args) {
    Options o;
    auto set_output = [&](const std::string& list) {
        if (!list.empty() && list.front() == '+') {
            for (const auto& item : split_list(list.substr(1))) {
                o.columns.push_back(item);
            }
        } else {
            o.columns = split_list(list);
        }
    };
    auto flag = [&](char c) {
        switch (c) {
            case 'J':
                o.json = true;
                break;
            case 'P':
                o.pairs = true;
                break;
            case 'r':
                o.raw = true;
                break;
            case 'l':
                o.list = true;
                break;
            case 'n':
                o.no_headings = true;
                break;
            case 'b':
                o.bytes = true;
                break;
            case 'd':
                o.no_deps = true;
                break;
            case 'p':
                o.paths = true;
                break;
            case 'a':
                break;  // every device is listed anyway
            default:
                o.error = std::string("invalid option -- '") + c + "'";
                break;
        }
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& arg = args[i];
        if (arg == "--json") {
            o.json = true;
        } else if (arg == "--pairs") {
            o.pairs = true;
        } else if (arg == "--raw") {
            o.raw = true;
        } else if (arg == "--list") {
            o.list = true;
        } else if (arg == "--noheadings") {
            o.no_headings = true;
        } else if (arg == "--bytes") {
            o.bytes = true;
        } else if (arg == "--nodeps") {
            o.no_deps = true;
        } else if (arg == "--paths") {
            o.paths = true;
        } else if (arg == "--all") {
        } else if (arg.rfind("--output=", 0) == 0) {
            set_output(arg.substr(9));
        } else if (arg == "--output") {
            set_output(i + 1 < args.size() ? args[++i] : "");
        } else if (arg.size() > 1 && arg[0] == '-' && arg[1] != '-') {
            // Clustered short options; -o takes the rest or the next argument.
            for (std::size_t k = 1; k < arg.size(); ++k) {
                if (arg[k] == 'o') {
                    set_output(k + 1 < arg.size() ? arg.substr(k + 1)
                                                  : (i + 1 < args.size() ? args[++i] : ""));
                    break;
                }
                flag(arg[k]);
            }
        } else if (!arg.empty() && arg[0] != '-') {
            o.devices.push_back(arg);
        } else {
            o.error = "unrecognized option '" + arg + "'";
        }
    }
    return o;
}

class Lsblk {
  public:
    Lsblk(ToolContext& context, Options options)
        : sysfs_(context.tree()), context_(context), o_(std::move(options)) {}

    ToolResult run() {
        ToolResult r;
        if (!o_.error.empty()) {
            r.exit_status = 1;
            r.err = "lsblk: " + o_.error + "\nTry 'lsblk --help' for more information.\n";
            return r;
        }
        for (const auto& name : o_.columns) {
            const auto column = find_column(name);
            if (!column) {
                r.exit_status = 1;
                r.err = "lsblk: unknown column: " + name + "\n";
                return r;
            }
            columns_.push_back(*column);
        }
        for (const auto& kname : sysfs_.list("/sys/block")) {
            // Hidden devices (NVMe multipath's per-controller paths, which
            // have no /dev node) are not listed.
            if (sysfs_.read("/sys/block/" + kname + "/hidden") == "1" ||
                !sysfs_.exists("/dev/" + kname)) {
                continue;
            }
            devices_.emplace(kname, read_device(sysfs_, context_.model, kname));
        }
        std::vector<const BlockDevice*> top;
        unsigned missing = 0;
        if (o_.devices.empty()) {
            for (const auto& [kname, device] : devices_) {
                if (device.slaves.empty()) {
                    top.push_back(&device);
                }
            }
        } else {
            for (const auto& path : o_.devices) {
                const auto kname = device_name_of(context_, path);
                const auto it = devices_.find(kname);
                if (kname.empty() || it == devices_.end()) {
                    r.err += "lsblk: " + path + ": not a block device\n";
                    ++missing;
                    continue;
                }
                top.push_back(&it->second);
            }
        }
        std::sort(top.begin(), top.end(), [](const BlockDevice* a, const BlockDevice* b) {
            return std::pair(a->major, a->minor) < std::pair(b->major, b->minor);
        });
        top.erase(std::unique(top.begin(), top.end()), top.end());
        for (const auto* device : top) {
            add_row(*device, nullptr, 0, "", true, rows_);
        }
        r.out = render();
        // 32: none of the devices given found; 64: some of them.
        if (missing > 0) {
            r.exit_status = missing == o_.devices.size() ? 32 : 64;
        }
        return r;
    }

  private:
    struct Row {
        const BlockDevice* device;
        const BlockDevice* parent;
        std::string tree_prefix;  // the NAME column's tree drawing
        std::vector<Row> children;
    };

    bool tree_mode() const { return !o_.list && !o_.raw && !o_.pairs && !o_.no_deps; }

    void add_row(const BlockDevice& device, const BlockDevice* parent, unsigned depth,
                 const std::string& prefix, bool last, std::vector<Row>& into) {
        Row row{&device, parent, {}, {}};
        if (depth > 0 && tree_mode() && !o_.json) {
            row.tree_prefix = prefix + (last ? "`-" : "|-");
        }
        const auto child_prefix = depth == 0 ? std::string() : prefix + (last ? "  " : "| ");
        // JSON nests the holders in "children"; the other outputs list a
        // device's holders right after it.
        const bool nested = o_.json && tree_mode();
        if (!nested) {
            into.push_back(row);
        }
        auto& holders_into = nested ? row.children : into;
        if (!o_.no_deps) {
            for (std::size_t i = 0; i < device.holders.size(); ++i) {
                const auto it = devices_.find(device.holders[i]);
                if (it == devices_.end()) {
                    continue;
                }
                add_row(it->second, &device, depth + 1, child_prefix,
                        i + 1 == device.holders.size(), holders_into);
            }
        }
        if (nested) {
            into.push_back(std::move(row));
        }
    }

    std::string device_path(const BlockDevice& d) const {
        return d.name != d.kname ? "/dev/mapper/" + d.name : "/dev/" + d.kname;
    }

    Cell cell(const Row& row, const std::string& column) const {
        const auto& d = *row.device;
        auto text_or_none = [](const std::string& value) {
            return value.empty() ? Cell{"", CellKind::none} : Cell{value, CellKind::text};
        };
        const bool plain = o_.json || o_.raw || o_.pairs;
        std::string upper = column;
        std::transform(upper.begin(), upper.end(), upper.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        if (upper == "NAME") {
            return {row.tree_prefix + (o_.paths ? device_path(d) : d.name), CellKind::text};
        }
        if (upper == "KNAME") {
            return {o_.paths ? "/dev/" + d.kname : d.kname, CellKind::text};
        }
        if (upper == "PATH") {
            return {device_path(d), CellKind::text};
        }
        if (upper == "MAJ:MIN") {
            if (plain) {
                return {std::to_string(d.major) + ":" + std::to_string(d.minor), CellKind::text};
            }
            // lsblk's "%3u:%-3u".
            auto major = std::to_string(d.major);
            auto minor = std::to_string(d.minor);
            return {std::string(major.size() < 3 ? 3 - major.size() : 0, ' ') + major + ":" +
                        pad(minor, 3),
                    CellKind::text};
        }
        if (upper == "RM" || upper == "RO") {
            const bool value = upper == "RM" ? d.removable : d.read_only;
            return o_.json ? Cell{value ? "true" : "false", CellKind::boolean}
                           : Cell{value ? "1" : "0", CellKind::text};
        }
        if (upper == "SIZE") {
            return o_.bytes ? Cell{std::to_string(d.size_bytes), CellKind::number}
                            : Cell{human_size(d.size_bytes), CellKind::text};
        }
        if (upper == "TYPE") {
            return {d.type, CellKind::text};
        }
        if (upper == "MOUNTPOINTS") {
            return {d.mount_point, CellKind::mount_list};
        }
        if (upper == "PKNAME") {
            return row.parent == nullptr
                       ? Cell{"", CellKind::none}
                       : Cell{o_.paths ? "/dev/" + row.parent->kname : row.parent->kname,
                              CellKind::text};
        }
        // Columns that print a device's text as it is, or nothing when empty.
        static const std::map<std::string, std::string BlockDevice::*, std::less<>> text_columns{
            {"HCTL", &BlockDevice::hctl},
            {"MODEL", &BlockDevice::model},
            {"MOUNTPOINT", &BlockDevice::mount_point},
            {"REV", &BlockDevice::revision},
            {"SERIAL", &BlockDevice::serial},
            {"TRAN", &BlockDevice::transport},
            {"VENDOR", &BlockDevice::vendor},
            {"WWN", &BlockDevice::wwn},
        };
        if (const auto it = text_columns.find(upper); it != text_columns.end()) {
            return text_or_none(d.*(it->second));
        }
        return {"", CellKind::none};  // FSTYPE, UUID, LABEL, PARTUUID: no file systems modelled
    }

    static std::string json_string(const std::string& text) { return nlohmann::json(text).dump(); }

    static std::string lower(std::string text) {
        std::transform(text.begin(), text.end(), text.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        return text;
    }

    void render_json_rows(const std::vector<Row>& rows, unsigned indent, std::string& out) const {
        const std::string pad_object(indent, ' ');
        const std::string pad_key(indent + 3, ' ');
        for (std::size_t i = 0; i < rows.size(); ++i) {
            out += i == 0 ? pad_object + "{\n" : "},{\n";
            const auto& row = rows[i];
            for (std::size_t c = 0; c < o_.columns.size(); ++c) {
                const auto value = cell(row, o_.columns[c]);
                out += pad_key + json_string(lower(o_.columns[c])) + ": ";
                switch (value.kind) {
                    case CellKind::text:
                        out += json_string(value.text);
                        break;
                    case CellKind::number:
                    case CellKind::boolean:
                        out += value.text;
                        break;
                    case CellKind::none:
                        out += "null";
                        break;
                    case CellKind::mount_list:
                        out.append("[\n").append(pad_key).append("    ");
                        out.append(value.text.empty() ? "null" : json_string(value.text));
                        out.append("\n").append(pad_key).append("]");
                        break;
                }
                const bool more = c + 1 < o_.columns.size() || !row.children.empty();
                out += more ? ",\n" : "\n";
            }
            if (!row.children.empty()) {
                out += pad_key + "\"children\": [\n";
                render_json_rows(row.children, indent + 6, out);
                out += pad_key + "]\n";
            }
            out += pad_object;
        }
        if (!rows.empty()) {
            out += "}\n";
        }
    }

    std::string render() const {
        if (o_.json) {
            std::string out = "{\n   \"blockdevices\": [\n";
            if (rows_.empty()) {
                out += "\n";
            }
            render_json_rows(rows_, 6, out);
            return out + "   ]\n}\n";
        }
        std::vector<std::vector<Cell>> table;
        for (const auto& row : rows_) {
            auto& cells = table.emplace_back();
            for (const auto& column : o_.columns) {
                cells.push_back(cell(row, column));
            }
        }
        std::string out;
        if (o_.pairs) {
            for (const auto& cells : table) {
                for (std::size_t c = 0; c < cells.size(); ++c) {
                    out += (c == 0 ? "" : " ") + std::string(columns_[c].header) + "=\"" +
                           cells[c].text + "\"";
                }
                out += "\n";
            }
            return out;
        }
        if (o_.raw) {
            if (!o_.no_headings) {
                for (std::size_t c = 0; c < columns_.size(); ++c) {
                    out += (c == 0 ? "" : " ") + std::string(columns_[c].header);
                }
                out += "\n";
            }
            for (const auto& cells : table) {
                for (std::size_t c = 0; c < cells.size(); ++c) {
                    out += (c == 0 ? "" : " ") + cells[c].text;
                }
                out += "\n";
            }
            return out;
        }
        // libsmartcols: a column is as wide as its widest cell or header;
        // cells are padded and joined by one space, the last one left as it is
        // unless right-aligned.
        std::vector<std::size_t> widths;
        for (const auto& column : columns_) {
            widths.push_back(std::string(column.header).size());
        }
        for (const auto& cells : table) {
            for (std::size_t c = 0; c < cells.size(); ++c) {
                widths[c] = std::max(widths[c], cells[c].text.size());
            }
        }
        auto line = [&](const std::vector<std::string>& texts) {
            std::string text;
            for (std::size_t c = 0; c < texts.size(); ++c) {
                const bool last = c + 1 == texts.size();
                const auto fill = widths[c] - texts[c].size();
                if (columns_[c].right) {
                    text += std::string(fill, ' ') + texts[c];
                } else {
                    text += last ? texts[c] : texts[c] + std::string(fill, ' ');
                }
                text += last ? "\n" : " ";
            }
            return text;
        };
        if (!o_.no_headings) {
            std::vector<std::string> headers;
            for (const auto& column : columns_) {
                headers.emplace_back(column.header);
            }
            out += line(headers);
        }
        for (const auto& cells : table) {
            std::vector<std::string> texts;
            texts.reserve(cells.size());
            for (const auto& value : cells) {
                texts.push_back(value.text);
            }
            out += line(texts);
        }
        return out;
    }

    SysfsReader sysfs_;
    ToolContext& context_;
    Options o_;
    std::vector<Column> columns_;
    std::map<std::string, BlockDevice> devices_;
    std::vector<Row> rows_;
};

}  // namespace

ToolResult run_lsblk(ToolContext& context, const std::vector<std::string>& args) {
    Lsblk tool(context, parse(args));
    return tool.run();
}

}  // namespace brick::sim
