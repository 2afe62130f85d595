#include "tgt.hpp"

#include <algorithm>
#include <fstream>

#include "brick/core/error.hpp"
#include "brick/host/wait.hpp"

namespace brick::lab {
namespace fs = std::filesystem;

namespace {

constexpr Duration tgtadm_timeout{30000};
constexpr std::string_view tgtd_portal = "127.0.0.1:3260";  // where the guest job starts tgtd

std::string join(const std::vector<std::string>& words) {
    std::string line;
    for (const auto& w : words) {
        line += (line.empty() ? "" : " ") + w;
    }
    return line;
}

}  // namespace

TgtTarget::TgtTarget(Host& host, fs::path work_dir) : host_(host), work_dir_(std::move(work_dir)) {}

std::string TgtTarget::unsupported(const Fabric& fabric) {
    for (const auto& target : fabric.iscsi_targets) {
        for (const auto& lun : target.luns) {
            if (lun.lun == 0) {
                return "LUN 0 is tgt's controller LU";
            }
            // Linux addresses a LUN from 256 up as two bytes with the
            // peripheral method (300: 01 2c); tgtd reads only the second
            // byte of that method, so a scan of LUN 300 asks for its LUN 44
            // (seen: the scan of 300 on tgt brought no device).
            if (lun.lun >= 256) {
                return "tgtd reads a LUN from 256 up as LUN & 0xff (Linux's peripheral "
                       "addressing of it)";
            }
        }
        if (target.discovery_chap) {
            return "discovery CHAP is not configured on tgt";
        }
        for (const auto tag : target.portal_tags) {
            if (tag != 1) {
                return "tgtd serves a target in one portal group (tag 1)";
            }
        }
        for (const auto& portal : target.portals) {
            if (portal.is_ipv6()) {
                return "tgtd listens on IPv4 loopback here";
            }
        }
    }
    return {};
}

CommandResult TgtTarget::tgtadm(std::vector<std::string> args, bool must_succeed) {
    args.insert(args.begin(), {"tgtadm", "--lld", "iscsi"});
    CommandResult result;
    // tgtd refuses to delete a logical unit while a command of an initiator is
    // in flight on it ("this logical unit is still active"), even with --force;
    // udev's probe of a new disk is enough. It clears within milliseconds.
    retry(host_, RetryPolicy{8, Duration{100}, 2.0}, [&](int) {
        result = host_.run(Command{args, {}, tgtadm_timeout});
        return result.ok() || result.err.find("still active") == std::string::npos;
    });
    if (must_succeed && !result.ok()) {
        throw Error(ErrorCategory::command_failed, join(args) + " failed (exit " +
                                                       std::to_string(result.exit_status) +
                                                       "): " + result.out + result.err);
    }
    return result;
}

int TgtTarget::tid_of(const std::string& iqn) const {
    for (std::size_t i = 0; i < iqns_.size(); ++i) {
        if (iqns_[i] == iqn) {
            return static_cast<int>(i + 1);
        }
    }
    throw Error(ErrorCategory::internal, "tgt: no target " + iqn);
}

void TgtTarget::configure(const Fabric& fabric) {
    const auto backing = work_dir_ / "tgt";
    fs::create_directories(backing);
    const auto shown = tgtadm({"--op", "show", "--mode", "portal"}).out;
    for (const auto& target : fabric.iscsi_targets) {
        for (const auto& portal : target.portals) {
            const auto text = portal.to_string();
            if (text != tgtd_portal && shown.find(text) == std::string::npos &&
                std::find(portals_.begin(), portals_.end(), text) == portals_.end()) {
                tgtadm({"--op", "new", "--mode", "portal", "--param", "portal=" + text});
                portals_.push_back(text);
            }
        }
    }
    for (const auto& target : fabric.iscsi_targets) {
        iqns_.push_back(target.iqn);
        const auto tid = std::to_string(iqns_.size());
        tgtadm({"--op", "new", "--mode", "target", "--tid", tid, "-T", target.iqn});
        for (const auto& lun : target.luns) {
            const auto file = backing / (lun.serial + ".img");
            std::ofstream(file, std::ios::binary | std::ios::trunc).close();
            fs::resize_file(file, lun.size_mib * 1024 * 1024);
            const auto number = std::to_string(lun.lun);
            tgtadm({"--op", "new", "--mode", "logicalunit", "--tid", tid, "--lun", number, "-b",
                    file.string()});
            tgtadm({"--op", "update", "--mode", "logicalunit", "--tid", tid, "--lun", number,
                    "--params",
                    "scsi_sn=" + lun.serial.substr(0, 16) + ",scsi_id=6001405" +
                        lun.serial.substr(0, 25)});
        }
        tgtadm({"--op", "bind", "--mode", "target", "--tid", tid, "-I", "ALL"});
        if (target.chap) {
            tgtadm({"--op", "new", "--mode", "account", "--user", target.chap->username,
                    "--password", target.chap->password});
            accounts_.push_back(target.chap->username);
            tgtadm({"--op", "bind", "--mode", "account", "--tid", tid, "--user",
                    target.chap->username});
            if (!target.chap->username_in.empty()) {
                tgtadm({"--op", "new", "--mode", "account", "--user", target.chap->username_in,
                        "--password", target.chap->password_in});
                accounts_.push_back(target.chap->username_in);
                tgtadm({"--op", "bind", "--mode", "account", "--tid", tid, "--user",
                        target.chap->username_in, "--outgoing"});
            }
        }
    }
}

void TgtTarget::clear() {
    for (std::size_t i = 0; i < iqns_.size(); ++i) {
        tgtadm({"--op", "delete", "--mode", "target", "--tid", std::to_string(i + 1), "--force"},
               false);
    }
    for (const auto& user : accounts_) {
        tgtadm({"--op", "delete", "--mode", "account", "--user", user}, false);
    }
    for (const auto& portal : portals_) {
        tgtadm({"--op", "delete", "--mode", "portal", "--param", "portal=" + portal}, false);
    }
    iqns_.clear();
    accounts_.clear();
    portals_.clear();
    std::error_code ec;
    fs::remove_all(work_dir_ / "tgt", ec);
}

void TgtTarget::unmap_lun(const std::string& iqn, std::uint64_t lun) {
    tgtadm({"--op", "delete", "--mode", "logicalunit", "--tid", std::to_string(tid_of(iqn)),
            "--lun", std::to_string(lun)});
}

}  // namespace brick::lab
