#include "brick/nfs/mount_options.hpp"

#include <algorithm>
#include <array>

#include "brick/core/error.hpp"
#include "brick/properties/text.hpp"

namespace brick::nfs {
namespace {

// nfs(5) and the restricting generic options of mount(8).
constexpr std::array<std::string_view, 62> allowed = {
    "vers",       "nfsvers",    "minorversion", "v2",         "v3",         "v4",
    "v4.0",       "v4.1",       "v4.2",         "proto",      "port",       "mountport",
    "mountproto", "mounthost",  "mountvers",    "rsize",      "wsize",      "timeo",
    "retrans",    "retry",      "soft",         "hard",       "softerr",    "intr",
    "nointr",     "sec",        "lookupcache",  "ac",         "noac",       "actimeo",
    "acregmin",   "acregmax",   "acdirmin",     "acdirmax",   "lock",       "nolock",
    "local_lock", "tcp",        "udp",          "rdma",       "nconnect",   "max_connect",
    "namlen",     "clientaddr", "cto",          "nocto",      "sharecache", "nosharecache",
    "resvport",   "noresvport", "rdirplus",     "nordirplus", "fsc",        "nofsc",
    "bg",         "fg",         "ro",           "rw",         "nosuid",     "nodev",
    "noexec",     "noatime"};

std::string_view name_of(std::string_view option) {
    return option.substr(0, option.find('='));
}

std::vector<std::string_view> split_list(std::string_view list) {
    std::vector<std::string_view> items;
    std::size_t start = 0;
    while (start <= list.size()) {
        auto end = list.find(',', start);
        if (end == std::string_view::npos) {
            end = list.size();
        }
        items.push_back(list.substr(start, end - start));
        start = end + 1;
    }
    return items;
}

}  // namespace

std::string check_option_list(const std::string& field, std::string_view list) {
    parse_safe_name(field, list, "NFS mount options \"option[=value],...\"", "-=,._:+@/", 4096);
    for (const auto item : split_list(list)) {
        const auto name = name_of(item);
        if (item.empty() || std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
            throw_invalid(field, "NFS mount options of nfs(5) (got " +
                                     describe_text(item.empty() ? "an empty option" : item) +
                                     ", which is not accepted)");
        }
    }
    return std::string(list);
}

void check_mount_flags(const std::string& field, const std::vector<std::string>& flags) {
    for (std::size_t i = 0; i < flags.size(); ++i) {
        const auto& flag = flags[i];
        if (flag == "-o") {
            if (i + 1 == flags.size()) {
                throw_invalid(field, "an option list after \"-o\"");
            }
            check_option_list(field, flags[++i]);
        } else if (flag.rfind("-o", 0) == 0 && flag.size() > 2) {
            check_option_list(field, std::string_view(flag).substr(2));
        } else {
            throw_invalid(field, "mount flags of the form \"-o option[=value],...\" (got " +
                                     describe_text(flag) + ")");
        }
    }
}

bool names_version(std::string_view list) {
    const auto items = split_list(list);
    return std::any_of(items.begin(), items.end(), [](std::string_view item) {
        const auto name = name_of(item);
        return name == "vers" || name == "nfsvers" ||
               (name.size() >= 2 && name[0] == 'v' && name[1] >= '0' && name[1] <= '9');
    });
}

std::string with_option(std::string_view list, std::string_view option, std::string_view value) {
    std::string out;
    for (const auto item : split_list(list)) {
        if (item.empty() || name_of(item) == option) {
            continue;
        }
        out += (out.empty() ? "" : ",") + std::string(item);
    }
    return out + (out.empty() ? "" : ",") + std::string(option) + "=" + std::string(value);
}

}  // namespace brick::nfs
