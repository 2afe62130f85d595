#include "tree_host.hpp"

#include <cerrno>

namespace brick::fuzz {
namespace {

std::vector<std::string> components(const std::string& path) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto end = path.find('/', start);
        if (end == std::string::npos) {
            end = path.size();
        }
        if (end > start) {
            parts.push_back(path.substr(start, end - start));
        }
        start = end + 1;
    }
    return parts;
}

std::string parent_of(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

std::string child(const std::string& dir, const std::string& name) {
    return dir == "/" ? "/" + name : dir + "/" + name;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

std::string unescape(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\' || i + 1 == text.size()) {
            out.push_back(text[i]);
            continue;
        }
        const char next = text[++i];
        if (next == 'n') {
            out.push_back('\n');
        } else if (next == 't') {
            out.push_back('\t');
        } else if (next == 'x' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 &&
                   hex_digit(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2])));
            i += 2;
        } else {
            out.push_back(next);
        }
    }
    return out;
}

class InlineTask final : public Task {
  public:
    void join() override {}
};

class NoLock final : public LockGuard {};

}  // namespace

void TreeHost::add(const std::string& path, Node node) {
    if (path.empty() || path.front() != '/') {
        return;
    }
    std::string dir;
    const auto parts = components(path);
    if (parts.empty()) {
        return;
    }
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
        dir += "/" + parts[i];
        auto& existing = nodes_[dir];
        existing.type = FileType::directory;
    }
    nodes_[dir + "/" + parts.back()] = std::move(node);
}

void TreeHost::add_file(const std::string& path, const std::string& content) {
    add(path, Node{FileType::regular, content});
}

void TreeHost::add_dir(const std::string& path) {
    add(path, Node{FileType::directory, {}});
}

void TreeHost::add_link(const std::string& path, const std::string& target) {
    add(path, Node{FileType::symlink, target});
}

void TreeHost::add_block(const std::string& path) {
    add(path, Node{FileType::block_device, {}});
}

void TreeHost::set_program(const std::string& name, const std::string& out) {
    programs_[name] = out;
}

void TreeHost::describe(std::string_view text) {
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        const auto line = text.substr(start, end - start);
        start = end + 1;
        if (line.size() < 3 || line[1] != ' ') {
            continue;
        }
        const auto rest = line.substr(2);
        const auto space = rest.find(' ');
        const std::string path(rest.substr(0, space));
        const auto value =
            space == std::string_view::npos ? std::string() : unescape(rest.substr(space + 1));
        switch (line[0]) {
            case 'f':
                add_file(path, value);
                break;
            case 'd':
                add_dir(path);
                break;
            case 'l':
                add_link(path, value);
                break;
            case 'b':
                add_block(path);
                break;
            case 'r':
                set_program(path, value);
                break;
            default:
                break;
        }
    }
}

std::string TreeHost::file(const std::string& path) {
    std::string content;
    read_file(path, content);
    return content;
}

std::string TreeHost::resolve(const std::string& path, bool follow_last) {
    auto pending = components(path);
    std::string current = "/";
    int links = 0;
    for (std::size_t i = 0; i < pending.size(); ++i) {
        const auto& part = pending[i];
        if (part == ".") {
            continue;
        }
        if (part == "..") {
            current = parent_of(current);
            continue;
        }
        const auto next = child(current, part);
        const auto it = nodes_.find(next);
        if (it == nodes_.end()) {
            return {};
        }
        const bool last = i + 1 == pending.size();
        if (it->second.type == FileType::symlink && (!last || follow_last)) {
            if (++links > 40) {
                return {};
            }
            auto target = components(it->second.content);
            target.insert(target.end(), pending.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                          pending.end());
            if (!it->second.content.empty() && it->second.content.front() == '/') {
                current = "/";
            }
            pending = std::move(target);
            i = static_cast<std::size_t>(-1);
            continue;
        }
        if (!last && it->second.type != FileType::directory) {
            return {};
        }
        current = next;
    }
    return current;
}

IoStatus TreeHost::read_file(const std::string& path, std::string& content) {
    const auto real = resolve(path, true);
    const auto it = nodes_.find(real);
    if (real.empty() || it == nodes_.end()) {
        return {ENOENT};
    }
    if (it->second.type == FileType::directory) {
        return {EISDIR};
    }
    content = it->second.content;
    return {};
}

IoStatus TreeHost::write_file(const std::string& path, std::string_view data, Duration /*deadline*/,
                              bool /*create_private*/) {
    const auto dir = resolve(parent_of(path), true);
    if (dir.empty() || nodes_.at(dir).type != FileType::directory) {
        return {ENOENT};
    }
    auto& node = nodes_[child(dir, path.substr(path.rfind('/') + 1))];
    if (node.type == FileType::directory) {
        return {EISDIR};
    }
    node.content = std::string(data);
    return {};
}

IoStatus TreeHost::list_dir(const std::string& path, std::vector<std::string>& names) {
    names.clear();
    const auto real = resolve(path, true);
    const auto it = nodes_.find(real);
    if (real.empty() || it == nodes_.end()) {
        return {ENOENT};
    }
    if (it->second.type != FileType::directory) {
        return {ENOTDIR};
    }
    const auto prefix = real == "/" ? std::string("/") : real + "/";
    for (auto entry = nodes_.lower_bound(prefix);
         entry != nodes_.end() && entry->first.rfind(prefix, 0) == 0; ++entry) {
        const auto name = entry->first.substr(prefix.size());
        if (!name.empty() && name.find('/') == std::string::npos) {
            names.push_back(name);
        }
    }
    return {};
}

IoStatus TreeHost::read_link(const std::string& path, std::string& target) {
    const auto real = resolve(path, false);
    const auto it = nodes_.find(real);
    if (real.empty() || it == nodes_.end()) {
        return {ENOENT};
    }
    if (it->second.type != FileType::symlink) {
        return {EINVAL};
    }
    target = it->second.content;
    return {};
}

IoStatus TreeHost::stat(const std::string& path, FileInfo& info, bool no_follow) {
    const auto real = resolve(path, !no_follow);
    const auto it = nodes_.find(real);
    if (real.empty() || it == nodes_.end()) {
        info.type = FileType::missing;
        return {ENOENT};
    }
    info.type = it->second.type;
    info.size = it->second.content.size();
    return {};
}

IoStatus TreeHost::open_check(const std::string& path) {
    FileInfo info;
    return stat(path, info);
}

IoStatus TreeHost::make_dirs(const std::string& path) {
    add_dir(path);
    return {};
}

IoStatus TreeHost::remove(const std::string& path) {
    const auto real = resolve(path, false);
    if (real.empty() || nodes_.erase(real) == 0) {
        return {ENOENT};
    }
    return {};
}

CommandResult TreeHost::run(const Command& command) {
    CommandResult result;
    const auto it = command.argv.empty() ? programs_.end() : programs_.find(command.argv.front());
    if (it == programs_.end()) {
        result.not_found = true;
        result.exit_status = 127;
        return result;
    }
    result.exit_status = 0;
    result.out = it->second;
    return result;
}

bool TreeHost::wait_until(const std::function<bool()>& ready, Clock::time_point deadline,
                          const WaitHints& hints) {
    while (!ready()) {
        if (now() >= deadline) {
            return false;
        }
        elapsed_ += std::max(hints.poll_interval, Duration(1));
    }
    return true;
}

std::unique_ptr<Task> TreeHost::start_task(std::string /*name*/, std::function<void()> body) {
    body();
    return std::make_unique<InlineTask>();
}

std::unique_ptr<LockGuard> TreeHost::lock(const std::string& /*name*/) {
    return std::make_unique<NoLock>();
}

// One task at a time (tasks run inline): every lock is free.
std::unique_ptr<LockGuard> TreeHost::lock_until(const std::string& /*name*/,
                                                Clock::time_point /*deadline*/) {
    return std::make_unique<NoLock>();
}

std::unique_ptr<LockGuard> TreeHost::lock_shared_until(const std::string& /*name*/,
                                                       Clock::time_point /*deadline*/) {
    return std::make_unique<NoLock>();
}

}  // namespace brick::fuzz
