#include "sim/fuse/daemon.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <cerrno>
#include <iomanip>
#include <set>
#include <sstream>

#include "sim/tools/tool.hpp"
#include "sim/vfs/files.hpp"
#include "sim/vfs/render.hpp"

namespace brick::sim {
namespace {

constexpr std::string_view nsdev_prefix = "/nsdev";

bool under(const std::string& path, std::string_view prefix) {
    return path.rfind(prefix, 0) == 0 &&
           (path.size() == prefix.size() || path[prefix.size()] == '/');
}

std::string machine() {
    utsname names{};
    return ::uname(&names) == 0 ? std::string(names.machine) : std::string("x86_64");
}

// The host's own device nodes a namespace keeps under /dev (links into the
// bind mount of the real /dev), and the /proc links every /dev has.
const std::vector<std::pair<std::string, std::string>>& host_nodes() {
    static const std::vector<std::pair<std::string, std::string>> nodes{
        {"console", ""},
        {"full", ""},
        {"hugepages", ""},
        {"kmsg", ""},
        {"log", ""},
        {"mqueue", ""},
        {"null", ""},
        {"ptmx", ""},
        {"pts", ""},
        {"random", ""},
        {"shm", ""},
        {"tty", ""},
        {"urandom", ""},
        {"zero", ""},
        {"fd", "/proc/self/fd"},
        {"stdin", "/proc/self/fd/0"},
        {"stdout", "/proc/self/fd/1"},
        {"stderr", "/proc/self/fd/2"}};
    return nodes;
}

}  // namespace

SimDaemon::SimDaemon(Fabric fabric, DaemonOptions options)
    : options_(std::move(options)),
      model_(std::move(fabric), options_.seed),
      start_(std::chrono::steady_clock::now()) {
    if (!options_.trace_file.empty()) {
        trace_stream_.open(options_.trace_file, std::ios::out | std::ios::app);
        if (trace_stream_) {
            trace_ = std::make_unique<TraceWriter>(trace_stream_);
        }
    }
    model_.set_trace_sink([this](nlohmann::json record) { this->record(std::move(record)); });
    std::lock_guard guard(mu_);
    record({{"kind", "sim_start"}, {"seed", options_.seed}, {"front_end", "fuse"}});
}

SimDaemon::~SimDaemon() {
    stop();
}

void SimDaemon::start() {
    clock_ = std::thread([this] { clock_loop(); });
}

void SimDaemon::stop() {
    {
        std::lock_guard guard(mu_);
        stopping_ = true;
    }
    changed_.notify_all();
    if (clock_.joinable()) {
        clock_.join();
    }
}

std::int64_t SimDaemon::wall_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start_)
        .count();
}

void SimDaemon::sync() {
    const auto now = wall_ms();
    if (now > model_.now_ms()) {
        model_.advance_to(now);
    }
}

void SimDaemon::clock_loop() {
    std::unique_lock guard(mu_);
    while (!stopping_) {
        sync();
        const auto next = model_.next_event_ms();
        const auto wake = next ? start_ + std::chrono::milliseconds(*next)
                               : std::chrono::steady_clock::now() + std::chrono::seconds(1);
        changed_.wait_until(guard, wake);
    }
}

void SimDaemon::wait_model_time(std::unique_lock<std::mutex>& guard, std::int64_t t_ms) {
    changed_.notify_all();
    while (!stopping_ && model_.now_ms() < t_ms) {
        changed_.wait_until(guard, start_ + std::chrono::milliseconds(t_ms));
        sync();
    }
}

void SimDaemon::record(nlohmann::json fields) {
    if (!trace_) {
        return;
    }
    fields["t_ms"] = model_.now_ms();
    if (!fields.contains("task")) {
        fields["task"] = "daemon";
    }
    trace_->write(fields);
    trace_stream_.flush();
}

const Tree& SimDaemon::tree() {
    if (tree_generation_ != model_.generation()) {
        renderer_.update(model_, {{"/proc/sys/kernel/hostname", options_.hostname + "\n"},
                                  {"/proc/sys/kernel/arch", machine() + "\n"},
                                  {"/proc/sys/kernel/random/uuid", ""}});
        tree_generation_ = model_.generation();
    }
    return renderer_.tree();
}

std::optional<SimDaemon::Place> SimDaemon::place(const std::string& path) const {
    for (const std::string_view view : {"/sys", "/dev", "/etc", "/proc"}) {
        if (under(path, view)) {
            return Place{path, false};
        }
    }
    if (under(path, nsdev_prefix)) {
        return Place{"/dev" + path.substr(nsdev_prefix.size()), true};
    }
    return std::nullopt;
}

std::optional<std::string> SimDaemon::host_node_link(const std::string& model_path) const {
    if (model_path.rfind("/dev/", 0) != 0 || model_path.find('/', 5) != std::string::npos) {
        return std::nullopt;
    }
    const auto name = model_path.substr(5);
    for (const auto& [node, target] : host_nodes()) {
        if (node == name) {
            return target.empty() ? options_.host_dev_dir + "/" + name : target;
        }
    }
    return std::nullopt;
}

int SimDaemon::stat_locked(const Place& where, NodeInfo& info) {
    const auto& t = tree();
    const auto* node = t.find(normalise_path(where.model_path));
    if (node == nullptr) {
        if (where.nsdev && !options_.host_dev_dir.empty()) {
            if (host_node_link(where.model_path)) {
                info = NodeInfo{FileType::symlink};
                return 0;
            }
        }
        return ENOENT;
    }
    info = NodeInfo{};
    info.type = node->type;
    info.readable = node->readable;
    info.writable = node->write != WriteKind::none || !under(where.model_path, "/sys");
    if (node->type == FileType::regular) {
        info.size = under(where.model_path, "/sys") ? 4096 : node->content.size();
    } else if (node->type == FileType::symlink) {
        info.size = node->link.size();
    } else if (node->type == FileType::block_device || node->type == FileType::char_device) {
        info.major = node->major;
        info.minor = node->minor;
        if (where.nsdev) {
            // In a namespace a device is a regular file; a block device has its size.
            if (node->type == FileType::block_device) {
                std::string sectors;
                const auto name = where.model_path.substr(where.model_path.rfind('/') + 1);
                if (tree_read(t, "/sys/class/block/" + name + "/size", sectors).ok()) {
                    try {
                        info.size = std::stoull(sectors) * 512ULL;
                    } catch (const std::exception&) {
                        info.size = 0;
                    }
                }
            }
            info.type = FileType::regular;
            info.major = 0;
            info.minor = 0;
            info.writable = true;
        } else if (node->write == WriteKind::nvme_fabrics) {
            // The root view is mounted nodev, so no device node opens there. The
            // fabrics control device is the one node a connector writes (`brick
            // --root` attaching NVMe-oF): served as a regular file whose writes
            // act as the kernel's, as every node does in /nsdev.
            info.type = FileType::regular;
            info.major = 0;
            info.minor = 0;
            info.writable = true;
        }
    }
    return 0;
}

int SimDaemon::stat(const std::string& path, NodeInfo& info) {
    if (path == "/") {
        info = NodeInfo{FileType::directory};
        return 0;
    }
    const auto where = place(path);
    if (!where) {
        return ENOENT;
    }
    std::lock_guard guard(mu_);
    sync();
    return stat_locked(*where, info);
}

int SimDaemon::list(const std::string& path, std::vector<std::string>& names) {
    names.clear();
    if (path == "/") {
        names = {"dev", "etc", "nsdev", "proc", "sys"};
        return 0;
    }
    const auto where = place(path);
    if (!where) {
        return ENOENT;
    }
    std::lock_guard guard(mu_);
    sync();
    const auto status = tree_list(tree(), where->model_path, names);
    if (status.ok() && where->nsdev && where->model_path == "/dev" &&
        !options_.host_dev_dir.empty()) {
        std::set<std::string> all(names.begin(), names.end());
        for (const auto& node : host_nodes()) {
            all.insert(node.first);
        }
        names.assign(all.begin(), all.end());
    }
    return status.error;
}

int SimDaemon::read_link(const std::string& path, std::string& target) {
    const auto where = place(path);
    if (!where) {
        return EINVAL;
    }
    std::lock_guard guard(mu_);
    sync();
    const auto& t = tree();
    const auto* node = t.find(normalise_path(where->model_path));
    if (node == nullptr && where->nsdev) {
        if (auto link = host_node_link(where->model_path)) {
            target = *link;
            return 0;
        }
    }
    if (node == nullptr) {
        return ENOENT;
    }
    if (node->type != FileType::symlink) {
        return EINVAL;
    }
    target = node->link;
    return 0;
}

int SimDaemon::open_read(const std::string& path, std::string& content) {
    const auto where = place(path);
    if (!where) {
        return ENOENT;
    }
    std::lock_guard guard(mu_);
    sync();
    if (where->model_path == "/proc/sys/kernel/random/uuid") {
        // A fresh UUID per open, drawn from a counter mixed with the seed.
        const auto a = (options_.seed * 0x9E3779B97F4A7C15ULL) ^ ++uuid_counter_;
        const auto b = a * 0xBF58476D1CE4E5B9ULL;
        std::ostringstream out;
        out << std::hex << std::setfill('0') << std::setw(8) << (a & 0xffffffffULL) << '-'
            << std::setw(4) << ((a >> 32) & 0xffff) << "-4" << std::setw(3) << ((a >> 48) & 0xfff)
            << '-' << std::setw(4) << (0x8000 | (b & 0x3fff)) << '-' << std::setw(12)
            << ((b >> 16) & 0xffffffffffffULL) << '\n';
        content = out.str();
        return 0;
    }
    const auto status = tree_read(tree(), where->model_path, content);
    return status.error;
}

bool SimDaemon::is_data_file(const std::string& path) {
    const auto where = place(path);
    if (!where || !where->nsdev) {
        return false;
    }
    std::lock_guard guard(mu_);
    const auto* node = tree().find(normalise_path(where->model_path));
    return node != nullptr && node->type == FileType::block_device;
}

int SimDaemon::read_data(const std::string& path, std::uint64_t offset, std::size_t length,
                         std::string& out) {
    const auto where = place(path);
    if (!where) {
        return ENOENT;
    }
    std::lock_guard guard(mu_);
    sync();
    model_.begin_step();
    const auto name = where->model_path.substr(5);
    return model_.read_device(name, offset, length, out);
}

int SimDaemon::write_data(const std::string& path, std::uint64_t offset, std::string_view bytes) {
    const auto where = place(path);
    if (!where) {
        return ENOENT;
    }
    std::lock_guard guard(mu_);
    sync();
    model_.begin_step();
    const auto name = where->model_path.substr(5);
    const int error = model_.write_device(name, offset, std::string(bytes));
    record({{"kind", "io_write"},
            {"path", where->model_path},
            {"offset", offset},
            {"length", bytes.size()},
            {"result", errno_name(error)}});
    return error;
}

int SimDaemon::flush_data(const std::string& path) {
    const auto where = place(path);
    if (!where) {
        return ENOENT;
    }
    std::lock_guard guard(mu_);
    sync();
    model_.begin_step();
    const int error = model_.flush_device(where->model_path.substr(5));
    record({{"kind", "io_flush"}, {"path", where->model_path}, {"result", errno_name(error)}});
    return error;
}

int SimDaemon::apply_write(std::unique_lock<std::mutex>& guard, const std::string& model_path,
                           std::string_view data) {
    model_.begin_step();
    auto effect = write_path(model_, tree(), model_path, data, false);
    int error = effect.error;
    if (effect.duration_ms > 0) {
        // The kernel works on the write: the writer blocks until it is done.
        const auto until = model_.now_ms() + effect.duration_ms;
        if (error == 0 && effect.apply) {
            model_.schedule(effect.duration_ms, "sysfs write completes", effect.apply);
        }
        wait_model_time(guard, until);
    } else if (error == 0 && effect.apply) {
        effect.apply();
        model_.touch();
    }
    // The kernel's work may wait on something (a failed session): the
    // writer blocks until it is done, as on a real host.
    while (error == 0 && effect.finished && !stopping_ && !effect.finished()) {
        changed_.notify_all();
        changed_.wait_for(guard, std::chrono::milliseconds(20));
        sync();
    }
    changed_.notify_all();
    record({{"kind", "write"},
            {"path", model_path},
            {"data", std::string(data)},
            {"result", errno_name(error)}});
    return error;
}

int SimDaemon::write(const std::string& path, std::uint64_t offset, std::string_view data) {
    const auto where = place(path);
    if (!where) {
        return EACCES;
    }
    std::unique_lock guard(mu_);
    sync();
    const auto* node = tree().find(normalise_path(where->model_path));
    if (node != nullptr && node->type == FileType::regular &&
        (node->write == WriteKind::store || node->write == WriteKind::none) &&
        !under(where->model_path, "/sys") && !under(where->model_path, "/proc")) {
        // A file of the store: written at its offset.
        std::string content = node->content;
        if (content.size() < offset + data.size()) {
            content.resize(offset + data.size(), '\0');
        }
        content.replace(offset, data.size(), data);
        return apply_write(guard, where->model_path, content);
    }
    return apply_write(guard, where->model_path, data);
}

int SimDaemon::truncate(const std::string& path, std::uint64_t size) {
    const auto where = place(path);
    if (!where) {
        return EACCES;
    }
    std::unique_lock guard(mu_);
    sync();
    const auto* node = tree().find(normalise_path(where->model_path));
    if (node == nullptr) {
        return ENOENT;
    }
    if (node->type == FileType::directory) {
        return EISDIR;
    }
    if (node->type != FileType::regular || node->write != WriteKind::store) {
        return 0;  // attributes and device nodes ignore truncation
    }
    std::string content = node->content;
    content.resize(size, '\0');
    return apply_write(guard, where->model_path, content);
}

int SimDaemon::create(const std::string& path, bool private_mode) {
    const auto where = place(path);
    if (!where || where->nsdev) {
        return EACCES;
    }
    std::lock_guard guard(mu_);
    sync();
    model_.begin_step();
    const auto effect = write_path(model_, tree(), where->model_path, "", private_mode);
    record({{"kind", "create"}, {"path", where->model_path}, {"result", errno_name(effect.error)}});
    return effect.error;
}

int SimDaemon::make_dir(const std::string& path) {
    const auto where = place(path);
    if (!where || where->nsdev) {
        return EACCES;
    }
    std::lock_guard guard(mu_);
    sync();
    model_.begin_step();
    const auto status = make_dirs_path(model_, tree(), where->model_path);
    record({{"kind", "mkdir"}, {"path", where->model_path}, {"result", errno_name(status.error)}});
    return status.error;
}

int SimDaemon::remove(const std::string& path) {
    const auto where = place(path);
    if (!where || where->nsdev) {
        return EPERM;
    }
    std::lock_guard guard(mu_);
    sync();
    model_.begin_step();
    const auto status = remove_path(model_, tree(), where->model_path);
    record({{"kind", "remove"}, {"path", where->model_path}, {"result", errno_name(status.error)}});
    return status.error;
}

ToolRun SimDaemon::run_tool(const std::vector<std::string>& argv, const std::string& input) {
    register_argument_secrets(argv);
    std::unique_lock guard(mu_);
    sync();
    model_.begin_step();
    ToolRun run;
    const auto tool = argv.empty() ? std::string() : argv[0].substr(argv[0].rfind('/') + 1);
    std::string line;
    for (const auto& arg : argv) {
        line += (line.empty() ? "" : " ") + arg;
    }
    if (model_.consult(FaultKind::tool_hangs, {{"tool", tool}, {"path", line}}) != nullptr) {
        run.hangs = true;
        record({{"kind", "run"}, {"argv", argv}, {"input", input}, {"hangs", true}});
        return run;
    }
    ToolContext context{model_, [this]() -> const Tree& { return tree(); },
                        [this](const std::string& path, std::string_view data, unsigned& duration) {
                            auto effect = write_path(model_, tree(), path, data, false);
                            duration += effect.duration_ms;
                            if (effect.error == 0 && effect.apply) {
                                effect.apply();
                                model_.touch();
                            }
                            return effect.error;
                        }};
    auto result = ::brick::sim::run_tool(context, argv, input);
    wait_model_time(guard, model_.now_ms() + result.duration_ms);
    run.exit_status = result.exit_status;
    run.not_found = result.not_found;
    run.out = std::move(result.out);
    run.err = std::move(result.err);
    nlohmann::json r{{"kind", "run"},           {"argv", argv},   {"input", input},
                     {"exit", run.exit_status}, {"out", run.out}, {"err", run.err}};
    if (run.not_found) {
        r["not_found"] = true;
    }
    record(std::move(r));
    return run;
}

int SimDaemon::inject(const nlohmann::json& fault) {
    std::lock_guard guard(mu_);
    sync();
    const int id = model_.inject(parse_fault(fault));
    changed_.notify_all();
    return id;
}

nlohmann::json SimDaemon::floors(unsigned parallel) {
    std::lock_guard guard(mu_);
    return model_.floors(parallel);
}

nlohmann::json SimDaemon::status() {
    std::lock_guard guard(mu_);
    sync();
    const auto& state = model_.state();
    nlohmann::json devices = nlohmann::json::array();
    for (const auto& [address, device] : state.devices) {
        nlohmann::json d{{"address", address.to_string()}};
        if (device.disk_visible) {
            d["disk"] = device.disk_name();
        }
        devices.push_back(std::move(d));
    }
    nlohmann::json maps = nlohmann::json::array();
    for (const auto& [wwid, map] : state.maps) {
        maps.push_back(map.device());
    }
    return {{"t_ms", model_.now_ms()},
            {"steps", model_.step()},
            {"seed", options_.seed},
            {"sessions", state.sessions.size()},
            {"devices", devices},
            {"wildcard_scans", state.wildcard_scans},
            {"maps", maps},
            {"faults_fired", model_.faults_fired()},
            {"leftovers", model_.leftovers()}};
}

}  // namespace brick::sim
