#include "brick/nfs/mounts.hpp"

#include <array>
#include <boost/uuid/detail/md5.hpp>
#include <cstdio>

namespace brick::nfs {
namespace {

// /proc/mounts escapes space, tab, newline and backslash as \ooo.
std::string unescape(const std::string& field) {
    std::string out;
    for (std::size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size()) {
            const auto digits = field.substr(i + 1, 3);
            if (digits.size() == 3 && digits.find_first_not_of("01234567") == std::string::npos) {
                out += static_cast<char>(std::stoi(digits, nullptr, 8));
                i += 3;
                continue;
            }
        }
        out += field[i];
    }
    return out;
}

std::vector<std::string> fields_of(const std::string& line) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    while (start < line.size()) {
        const auto begin = line.find_first_not_of(" \t", start);
        if (begin == std::string::npos) {
            break;
        }
        auto end = line.find_first_of(" \t", begin);
        if (end == std::string::npos) {
            end = line.size();
        }
        fields.push_back(line.substr(begin, end - begin));
        start = end;
    }
    return fields;
}

}  // namespace

std::vector<Mount> parse_mounts(const std::string& text) {
    std::vector<Mount> mounts;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) {
            end = text.size();
        }
        const auto fields = fields_of(text.substr(start, end - start));
        start = end + 1;
        if (fields.size() < 4 || fields[0].front() == '#') {
            continue;
        }
        mounts.push_back(Mount{unescape(fields[0]), unescape(fields[1]), fields[2], fields[3]});
    }
    return mounts;
}

std::vector<Mount> read_mounts(Host& host) {
    std::string text;
    if (!host.read_file("/proc/mounts", text).ok()) {
        return {};
    }
    return parse_mounts(text);
}

std::optional<Mount> mount_at(const std::vector<Mount>& mounts, const std::string& mount_point) {
    std::optional<Mount> found;
    for (const auto& mount : mounts) {
        if (mount.mount_point == mount_point) {
            found = mount;
        }
    }
    return found;
}

std::string md5_hex(const std::string& text) {
    boost::uuids::detail::md5 hash;
    hash.process_bytes(text.data(), text.size());
    boost::uuids::detail::md5::digest_type digest;
    hash.get_digest(digest);
    // Boost 1.74 (Debian 12) returns the digest as four words, most
    // significant byte first when printed.
    std::string out;
    for (const auto word : digest) {
        std::array<char, 9> buffer{};
        std::snprintf(buffer.data(), buffer.size(), "%08x", word);
        out += buffer.data();
    }
    return out;
}

}  // namespace brick::nfs
