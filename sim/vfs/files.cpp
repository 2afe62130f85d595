#include "sim/vfs/files.hpp"

#include <cerrno>
#include <charconv>

#include "brick/host/trace.hpp"
#include "sim/model/records.hpp"

namespace brick::sim {
namespace {

bool under(const std::string& path, std::string_view prefix) {
    return path.rfind(prefix, 0) == 0 &&
           (path.size() == prefix.size() || path[prefix.size()] == '/');
}

bool kernel_owned(const std::string& path) {
    return under(path, "/sys") || under(path, "/dev") || under(path, "/proc");
}

std::string trimmed(std::string_view data) {
    while (!data.empty() && (data.back() == '\n' || data.back() == ' ' || data.back() == '\0')) {
        data.remove_suffix(1);
    }
    while (!data.empty() && data.front() == ' ') {
        data.remove_prefix(1);
    }
    return std::string(data);
}

// One field of a scan write: a number or "-" (wildcard).
bool scan_field(const std::string& text, std::optional<std::uint64_t>& value) {
    if (text == "-") {
        value.reset();
        return true;
    }
    std::uint64_t number = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc() || ptr != text.data() + text.size()) {
        return false;
    }
    value = number;
    return true;
}

WriteEffect scan_write(Model& model, unsigned host, const std::string& data) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    while (start < data.size()) {
        const auto space = data.find_first_of(" \t", start);
        const auto end = space == std::string::npos ? data.size() : space;
        if (end > start) {
            fields.push_back(data.substr(start, end - start));
        }
        start = end + 1;
    }
    std::optional<std::uint64_t> channel;
    std::optional<std::uint64_t> target;
    std::optional<std::uint64_t> lun;
    if (fields.size() != 3 || !scan_field(fields[0], channel) || !scan_field(fields[1], target) ||
        !scan_field(fields[2], lun)) {
        return WriteEffect{EINVAL, 0, {}, {}};
    }
    auto narrow = [](const std::optional<std::uint64_t>& v) -> std::optional<unsigned> {
        return v ? std::optional<unsigned>(static_cast<unsigned>(*v)) : std::nullopt;
    };
    return model.scan(host, narrow(channel), narrow(target), lun);
}

}  // namespace

IoStatus tree_read(const Tree& tree, const std::string& path, std::string& content) {
    int error = 0;
    const auto real = tree.resolve(path, true, error);
    if (!real) {
        return {error};
    }
    const auto* node = tree.find(*real);
    if (node->type == FileType::directory) {
        return {EISDIR};
    }
    if (!node->readable) {
        return {EACCES};
    }
    if (node->type != FileType::regular) {
        content.clear();  // device nodes: no data through this seam
        return {};
    }
    content = node->content;
    return {};
}

IoStatus tree_list(const Tree& tree, const std::string& path, std::vector<std::string>& names) {
    int error = 0;
    const auto real = tree.resolve(path, true, error);
    if (!real) {
        return {error};
    }
    if (tree.find(*real)->type != FileType::directory) {
        return {ENOTDIR};
    }
    names = tree.children(*real);
    return {};
}

IoStatus tree_read_link(const Tree& tree, const std::string& path, std::string& target) {
    int error = 0;
    const auto real = tree.resolve(path, false, error);
    if (!real) {
        return {error};
    }
    const auto* node = tree.find(*real);
    if (node->type != FileType::symlink) {
        return {EINVAL};
    }
    target = node->link;
    return {};
}

IoStatus tree_stat(const Tree& tree, const std::string& path, FileInfo& info, bool no_follow) {
    int error = 0;
    const auto real = tree.resolve(path, !no_follow, error);
    if (!real) {
        info = FileInfo{};
        return {error};
    }
    const auto* node = tree.find(*real);
    info.type = node->type;
    info.size = node->type != FileType::regular ? 0
                : node->apparent_size           ? *node->apparent_size
                : kernel_owned(*real)           ? 4096
                                                : node->content.size();
    info.major = node->major;
    info.minor = node->minor;
    return {};
}

WriteEffect write_path(Model& model, const Tree& tree, const std::string& path,
                       std::string_view data, bool create_private) {
    int error = 0;
    const auto real = tree.resolve(path, true, error);
    const auto* node = real ? tree.find(*real) : nullptr;
    const bool kernel = real ? kernel_owned(*real) : kernel_owned(normalise_path(path));
    if (node != nullptr && node->type == FileType::directory) {
        return WriteEffect{EISDIR, 0, {}, {}};
    }
    if (kernel && (node == nullptr || node->write == WriteKind::none)) {
        return WriteEffect{node == nullptr ? ENOENT : EACCES, 0, {}, {}};
    }
    if (node != nullptr && node->write != WriteKind::store && node->write != WriteKind::none) {
        const nlohmann::json context{{"path", path}};
        if (const auto* fails = model.consult(FaultKind::sysfs_write_fails, context)) {
            const auto name = fails->params.value("errno", std::string("EIO"));
            int code = EIO;
            for (const int candidate : {EIO, EBUSY, EINVAL, ENODEV, ENXIO, EAGAIN, EPERM, EACCES}) {
                if (errno_name(candidate) == name) {
                    code = candidate;
                }
            }
            return WriteEffect{code, 0, {}, {}};
        }
        WriteEffect effect;
        const auto text = trimmed(data);
        switch (node->write) {
            case WriteKind::scan:
                effect = scan_write(model, node->scsi_host, text);
                break;
            case WriteKind::device_delete:
                effect = model.delete_device(node->address);
                break;
            case WriteKind::device_rescan:
                effect = model.rescan_device(node->address);
                break;
            case WriteKind::device_state:
                effect = model.set_device_state(node->address, text);
                break;
            case WriteKind::nvme_fabrics:
                effect = model.nvme_connect(std::string(data));
                break;
            case WriteKind::nvme_delete:
                effect = model.nvme_delete_controller(node->scsi_host);
                break;
            case WriteKind::nvme_rescan:
                effect = model.nvme_rescan_controller(node->scsi_host);
                break;
            case WriteKind::initiator_name: {
                const auto name = parse_initiator_name_file(std::string(data));
                if (name.empty()) {
                    return WriteEffect{EINVAL, 0, {}, {}};
                }
                model.mutable_state().initiator_name = name;
                model.touch();
                return WriteEffect{};
            }
            default:
                break;
        }
        if (effect.error == 0) {
            if (const auto* blocks = model.consult(FaultKind::sysfs_write_blocks, context)) {
                effect.duration_ms += blocks->params.value("ms", 60000U);
            }
        }
        return effect;
    }
    // The writable store.
    const auto target = real.value_or(normalise_path(path));
    if (node == nullptr) {
        const auto parent = target.substr(0, std::max<std::size_t>(1, target.rfind('/')));
        const auto* dir = tree.find(parent);
        if (dir == nullptr) {
            return WriteEffect{ENOENT, 0, {}, {}};
        }
        if (dir->type != FileType::directory) {
            return WriteEffect{ENOTDIR, 0, {}, {}};
        }
    }
    auto& state = model.mutable_state();
    state.files[target] = std::string(data);
    if (node == nullptr) {
        state.private_files[target] = create_private;
    }
    model.touch();
    return WriteEffect{};
}

IoStatus make_dirs_path(Model& model, const Tree& tree, const std::string& path) {
    const auto target = normalise_path(path);
    int error = 0;
    if (const auto real = tree.resolve(target, true, error)) {
        return {tree.find(*real)->type == FileType::directory ? 0 : EEXIST};
    }
    if (kernel_owned(target)) {
        return {EACCES};
    }
    model.mutable_state().dirs.push_back(target);
    model.touch();
    return {};
}

IoStatus remove_path(Model& model, const Tree& tree, const std::string& path) {
    int error = 0;
    const auto real = tree.resolve(path, false, error);
    if (!real) {
        return {error};
    }
    auto& state = model.mutable_state();
    if (state.files.erase(*real) > 0) {
        state.private_files.erase(*real);
        model.touch();
        return {};
    }
    const auto* node = tree.find(*real);
    if (node->type == FileType::directory) {
        return {EISDIR};
    }
    return {EPERM};  // kernel attributes, device nodes and daemon-owned files stay
}

}  // namespace brick::sim
