#include "brick/host/host.hpp"

#include <fnmatch.h>

#include <algorithm>

namespace brick {
namespace {

std::vector<std::string> split_components(const std::string& pattern) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= pattern.size()) {
        const auto slash = pattern.find('/', start);
        const auto end = slash == std::string::npos ? pattern.size() : slash;
        if (end > start) {
            parts.push_back(pattern.substr(start, end - start));
        }
        if (slash == std::string::npos) {
            break;
        }
        start = slash + 1;
    }
    return parts;
}

// base + "/" + name, built in one string.
std::string child_path(const std::string& base, const std::string& name) {
    std::string path;
    path.reserve(base.size() + 1 + name.size());
    path.append(base).append("/").append(name);
    return path;
}

bool has_magic(const std::string& part) {
    return part.find_first_of("*?[") != std::string::npos;
}

}  // namespace

std::vector<std::string> Host::glob(const std::string& pattern) {
    std::vector<std::string> current{""};
    for (const auto& part : split_components(pattern)) {
        std::vector<std::string> next;
        for (const auto& base : current) {
            if (!has_magic(part)) {
                next.push_back(child_path(base, part));
                continue;
            }
            std::vector<std::string> names;
            if (!list_dir(base.empty() ? "/" : base, names).ok()) {
                continue;
            }
            for (const auto& name : names) {
                if (name.front() == '.' && part.front() != '.') {
                    continue;
                }
                if (fnmatch(part.c_str(), name.c_str(), FNM_PERIOD) == 0) {
                    next.push_back(child_path(base, name));
                }
            }
        }
        current = std::move(next);
    }
    std::vector<std::string> found;
    for (auto& path : current) {
        FileInfo info;
        if (stat(path, info, true).ok()) {
            found.push_back(std::move(path));
        }
    }
    std::sort(found.begin(), found.end());
    return found;
}

std::optional<std::string> Host::read_attribute(const std::string& path) {
    std::string content;
    if (!read_file(path, content).ok()) {
        return std::nullopt;
    }
    while (!content.empty() && (content.back() == '\n' || content.back() == ' ' ||
                                content.back() == '\0' || content.back() == '\t')) {
        content.pop_back();
    }
    return content;
}

bool Host::exists(const std::string& path) {
    FileInfo info;
    return stat(path, info).ok();
}

std::string Host::kernel_name(const std::string& path) {
    std::string resolved = path;
    for (int hops = 0; hops < 8; ++hops) {
        std::string target;
        if (!read_link(resolved, target).ok() || target.empty()) {
            break;
        }
        if (target.front() == '/') {
            resolved = target;
        } else {
            // Relative to the link's directory (npos + 1 == 0: no directory).
            resolved.erase(resolved.rfind('/') + 1);
            resolved += target;
        }
    }
    return resolved.substr(resolved.rfind('/') + 1);
}

}  // namespace brick
