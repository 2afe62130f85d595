#include "sim/vfs/tree.hpp"

#include <cerrno>

namespace brick::sim {
namespace {

std::vector<std::string> components(const std::string& path) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start < path.size()) {
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

std::string join(const std::vector<std::string>& parts, std::size_t count) {
    std::string out;
    for (std::size_t i = 0; i < count && i < parts.size(); ++i) {
        out += "/" + parts[i];
    }
    return out.empty() ? "/" : out;
}

std::string parent_of(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

}  // namespace

std::string normalise_path(const std::string& path) {
    std::vector<std::string> out;
    for (const auto& part : components(path)) {
        if (part == ".") {
            continue;
        }
        if (part == "..") {
            if (!out.empty()) {
                out.pop_back();
            }
            continue;
        }
        out.push_back(part);
    }
    return join(out, out.size());
}

std::string relative_link(const std::string& link_path, const std::string& target) {
    const auto from = components(parent_of(link_path));
    const auto to = components(target);
    std::size_t common = 0;
    while (common < from.size() && common < to.size() && from[common] == to[common]) {
        ++common;
    }
    // A link to an ancestor names it ("../../../2:0:0:1"), as sysfs does.
    if (common == to.size() && common > 0) {
        --common;
    }
    std::string out;
    for (std::size_t i = common; i < from.size(); ++i) {
        out += "../";
    }
    for (std::size_t i = common; i < to.size(); ++i) {
        out += to[i] + (i + 1 < to.size() ? "/" : "");
    }
    return out;
}

Tree::Tree() {
    nodes_["/"].refs = 1;
}

void Tree::make_parents(const std::string& path) {
    if (path == "/") {
        return;
    }
    const auto parent = parent_of(path);
    const auto name = path.substr(path.rfind('/') + 1);
    if (!nodes_.contains(parent)) {
        make_parents(parent);
        nodes_.try_emplace(parent);
    }
    children_[parent].insert(name);
}

VNode& Tree::put(const std::string& path, VNode node) {
    resolved_[0].clear();
    resolved_[1].clear();
    make_parents(path);
    if (recording_ != nullptr) {
        recording_->push_back(path);
    }
    const auto [it, inserted] = nodes_.try_emplace(path);
    const auto refs = it->second.refs + 1;
    // A directory stays as it is when it is named again.
    if (inserted || it->second.type != FileType::directory || node.type != FileType::directory) {
        it->second = std::move(node);
    }
    it->second.refs = refs;
    return it->second;
}

void Tree::erase(const std::string& path) {
    resolved_[0].clear();
    resolved_[1].clear();
    auto it = nodes_.find(path);
    if (it == nodes_.end() || path == "/") {
        return;
    }
    if (it->second.refs > 0) {
        --it->second.refs;
    }
    // Up from path, every node with no put left and nothing below it goes.
    auto current = path;
    while (current != "/") {
        it = nodes_.find(current);
        if (it == nodes_.end() || it->second.refs > 0) {
            return;
        }
        if (const auto below = children_.find(current);
            below != children_.end() && !below->second.empty()) {
            if (it->second.type != FileType::directory) {
                it->second = VNode{};  // stays as the directory of what is below
            }
            return;
        }
        children_.erase(current);
        nodes_.erase(it);
        const auto parent = parent_of(current);
        if (auto siblings = children_.find(parent); siblings != children_.end()) {
            siblings->second.erase(current.substr(current.rfind('/') + 1));
        }
        current = parent;
    }
}

void Tree::dir(const std::string& path) {
    put(path, VNode{});
}

void Tree::file(const std::string& path, std::string content) {
    VNode node;
    node.type = FileType::regular;
    node.content = std::move(content);
    put(path, std::move(node));
}

void Tree::sized_file(const std::string& path, std::uint64_t size) {
    VNode node;
    node.type = FileType::regular;
    node.apparent_size = size;
    put(path, std::move(node));
}

void Tree::attribute(const std::string& path, std::string content, WriteKind write, bool readable,
                     unsigned scsi_host, ScsiAddress address) {
    VNode node;
    node.type = FileType::regular;
    node.content = std::move(content);
    node.write = write;
    node.readable = readable;
    node.scsi_host = scsi_host;
    node.address = address;
    put(path, std::move(node));
}

void Tree::link(const std::string& path, const std::string& target) {
    VNode node;
    node.type = FileType::symlink;
    node.link = relative_link(path, target);
    put(path, std::move(node));
}

void Tree::device(const std::string& path, FileType type, unsigned major, unsigned minor,
                  WriteKind write) {
    VNode node;
    node.type = type;
    node.write = write;
    node.major = major;
    node.minor = minor;
    put(path, std::move(node));
}

void Tree::copy_node(const std::string& path, const VNode& node) {
    VNode copy = node;
    copy.refs = 0;
    put(path, std::move(copy));
}

const VNode* Tree::find(const std::string& path) const {
    const auto it = nodes_.find(path);
    return it == nodes_.end() ? nullptr : &it->second;
}

std::optional<std::string> Tree::resolve(const std::string& path, bool follow_last,
                                         int& error) const {
    auto& cache = resolved_[follow_last ? 1 : 0];
    if (const auto it = cache.find(path); it != cache.end()) {
        error = it->second.error;
        return it->second.path;
    }
    auto found = walk(path, follow_last, error);
    cache.emplace(path, Resolved{found, error});
    return found;
}

std::optional<std::string> Tree::walk(const std::string& path, bool follow_last, int& error) const {
    error = 0;
    auto pending = components(normalise_path(path));
    std::vector<std::string> done;
    int links_followed = 0;
    while (!pending.empty()) {
        auto part = pending.front();
        pending.erase(pending.begin());
        done.push_back(part);
        const auto current = join(done, done.size());
        const auto* node = find(current);
        if (node == nullptr) {
            error = ENOENT;
            return std::nullopt;
        }
        const bool last = pending.empty();
        if (node->type == FileType::symlink && (!last || follow_last)) {
            if (++links_followed > 40) {
                error = ELOOP;
                return std::nullopt;
            }
            done.pop_back();
            const auto base =
                node->link.front() == '/' ? std::string("/") : join(done, done.size());
            auto target = components(normalise_path(base + "/" + node->link));
            target.insert(target.end(), pending.begin(), pending.end());
            pending = std::move(target);
            done.clear();
            continue;
        }
        if (!last && node->type != FileType::directory) {
            error = ENOTDIR;
            return std::nullopt;
        }
    }
    return join(done, done.size());
}

std::vector<std::string> Tree::children(const std::string& dir_path) const {
    const auto it = children_.find(dir_path);
    if (it == children_.end()) {
        return {};
    }
    return {it->second.begin(), it->second.end()};
}

}  // namespace brick::sim
