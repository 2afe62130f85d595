#include "sim/model/udev_names.hpp"

#include <array>
#include <cctype>
#include <cstdio>

namespace brick::sim {

std::string by_path_lun(std::uint64_t lun) {
    if (lun < 256) {
        return std::to_string(lun);
    }
    std::array<char, 32> text{};
    std::snprintf(text.data(), text.size(), "0x%04x%04x00000000",
                  static_cast<unsigned>(lun & 0xFFFFU),
                  static_cast<unsigned>((lun >> 16U) & 0xFFFFU));
    return text.data();
}

std::string iscsi_by_path_link(const Portal& portal, const std::string& iqn, std::uint64_t lun) {
    return "/dev/disk/by-path/ip-" + portal.by_path_string() + "-iscsi-" + iqn + "-lun-" +
           by_path_lun(lun);
}

std::string fc_by_path_link(const std::string& pci_address, const std::string& wwpn,
                            std::uint64_t lun) {
    return "/dev/disk/by-path/pci-" + pci_address + "-fc-0x" + wwpn + "-lun-" + by_path_lun(lun);
}

std::string udev_safe(const std::string& text) {
    std::string out;
    std::string trimmed = text;
    while (!trimmed.empty() && trimmed.back() == ' ') {
        trimmed.pop_back();
    }
    for (const char c : trimmed) {
        out.push_back(std::isspace(static_cast<unsigned char>(c)) != 0 ? '_' : c);
    }
    return out;
}

}  // namespace brick::sim
