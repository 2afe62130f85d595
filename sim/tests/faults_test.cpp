// Every named fault is observable, and every fired fault is in the trace.
#include <catch2/catch.hpp>

#include "sim_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;
using nlohmann::json;

namespace {

// One fault armed from the start (an empty object: none).
std::vector<json> armed(const json& fault) {
    return fault.empty() ? std::vector<json>{} : std::vector<json>{fault};
}

// Logs in and scans LUN 1 with the faults given armed from the start.
struct Attached {
    explicit Attached(const std::vector<json>& faults, std::uint64_t seed = 1)
        : host(fabric("single_chap.json"), {.seed = seed}) {
        for (const auto& f : faults) {
            host.inject(f);
        }
        login = login_chap(host);
        if (login.exit_status == 0) {
            scan = host.write_file("/sys/class/scsi_host/host2/scan", "0 0 1", Duration(10000));
            host.advance(Duration(2000));
        }
    }
    bool fired(const std::string& name) const {
        return host.trace_text().find(R"("fault":")" + name + "\"") != std::string::npos;
    }
    SimHost host;
    CommandResult login;
    IoStatus scan;
};

}  // namespace

TEST_CASE("login faults: unreachable, timeout, auth failure, iscsid down", "[faults]") {
    {
        Attached a(armed({{"fault", "portal_unreachable"}, {"portal", "192.168.122.10:3260"}}));
        CHECK(a.login.exit_status == 8);
        CHECK(a.fired("portal_unreachable"));
    }
    {
        Attached a(armed({{"fault", "login_timeout"}}));
        CHECK(a.login.exit_status == 8);
        CHECK(a.fired("login_timeout"));
    }
    {
        Attached a(armed({{"fault", "auth_failure"}}));
        CHECK(a.login.exit_status == 24);
        CHECK(a.fired("auth_failure"));
    }
    {
        Attached a(armed({{"fault", "iscsid_down"}}));
        CHECK(a.login.exit_status == 20);
        CHECK(a.fired("iscsid_down"));
    }
}

TEST_CASE("device faults: late, never, udev link missing, empty WWID", "[faults]") {
    {
        Attached a(armed({{"fault", "device_late"}, {"delay_ms", 5000}}));
        CHECK_FALSE(a.host.exists("/dev/sdb"));
        a.host.advance(Duration(5000));
        CHECK(a.host.exists("/dev/sdb"));
        CHECK(a.fired("device_late"));
    }
    {
        Attached a(armed({{"fault", "device_never"}}));
        CHECK(a.host.exists("/sys/class/scsi_device/2:0:0:1"));
        a.host.advance(Duration(60000));
        CHECK_FALSE(a.host.exists("/dev/sdb"));
        CHECK(a.fired("device_never"));
    }
    {
        Attached a(armed({{"fault", "udev_link_missing"}, {"link", "by-path"}}));
        CHECK(a.host.exists("/dev/sdb"));
        CHECK(a.host.glob("/dev/disk/by-path/ip-*").empty());
        CHECK(a.host.exists("/dev/disk/by-id/scsi-" + std::string(chap_wwid)));
        CHECK(a.fired("udev_link_missing"));
    }
    {
        Attached a(armed({{"fault", "empty_wwid"}}));
        CHECK(a.host.read_attribute("/sys/block/sdb/device/wwid") == "");
        CHECK(run(a.host, {"/lib/udev/scsi_id", "--page", "0x83", "--whitelisted", "/dev/sdb"})
                  .exit_status == 1);
        CHECK(a.host.glob("/dev/disk/by-id/scsi-3*").empty());
        CHECK(a.fired("empty_wwid"));
    }
}

TEST_CASE("target faults: LUN removed, LUN remapped, path offline, session drop", "[faults]") {
    {
        Attached a(armed({}));
        a.host.inject({{"fault", "lun_removed"}, {"iqn", chap_iqn}, {"lun", 1}});
        a.host.exists("/dev/sdb");  // a step: the action fires
        CHECK(a.fired("lun_removed"));
        std::string out;
        CHECK(a.host.read_through("/dev/sdb", 0, 512, out) == EIO);
    }
    {
        Attached a(armed({}));
        a.host.inject(
            {{"fault", "lun_remapped"}, {"iqn", chap_iqn}, {"lun", 1}, {"to", {{"size", 8192}}}});
        REQUIRE(a.host.write_file("/sys/block/sdb/device/rescan", "1", Duration(1000)).ok());
        CHECK(a.host.read_attribute("/sys/block/sdb/size") == "16");
        CHECK(a.fired("lun_remapped"));
    }
    {
        Attached a(armed({}));
        a.host.inject({{"fault", "path_offline"}, {"device", "sdb"}});
        CHECK(a.host.read_attribute("/sys/block/sdb/device/state") == "offline");
        CHECK(a.fired("path_offline"));
    }
    {
        Attached a(armed({}));
        a.host.inject({{"fault", "session_drop"}, {"recover_ms", 1000}});
        CHECK(a.host.read_attribute("/sys/class/iscsi_session/session1/state") == "FAILED");
        a.host.advance(Duration(1500));
        CHECK(a.host.read_attribute("/sys/class/iscsi_session/session1/state") == "LOGGED_IN");
        CHECK(a.fired("session_drop"));
    }
}

TEST_CASE("daemon, tool and sysfs write faults", "[faults]") {
    {
        Attached a(armed({}));
        a.host.inject({{"fault", "multipathd_down"}});
        const auto r = run(a.host, {"multipathd", "show", "status"});
        CHECK(r.exit_status == 1);
        CHECK(r.out.empty());
        CHECK(a.fired("multipathd_down"));
    }
    {
        Attached a(armed({}));
        a.host.inject({{"fault", "tool_hangs"}, {"tool", "blockdev"}});
        const auto before = a.host.now_ms();
        const auto r =
            a.host.run(Command{{"blockdev", "--flushbufs", "/dev/sdb"}, {}, Duration(3000)});
        CHECK(r.timed_out);
        CHECK(a.host.now_ms() - before == 3000);
        CHECK(a.fired("tool_hangs"));
    }
    {
        Attached a(armed({}));
        a.host.inject({{"fault", "sysfs_write_fails"}, {"path", "*/delete"}, {"errno", "EBUSY"}});
        CHECK(a.host.write_file("/sys/block/sdb/device/delete", "1", Duration(1000)).error ==
              EBUSY);
        CHECK(a.host.exists("/dev/sdb"));
        CHECK(a.fired("sysfs_write_fails"));
    }
    {
        Attached a(armed({}));
        a.host.inject({{"fault", "sysfs_write_blocks"}, {"path", "*/delete"}, {"ms", 5000}});
        CHECK(a.host.write_file("/sys/block/sdb/device/delete", "1", Duration(1000)).error ==
              ETIMEDOUT);
        CHECK(a.host.exists("/dev/sdb"));  // the kernel still works on it
        a.host.advance(Duration(5000));
        CHECK_FALSE(a.host.exists("/dev/sdb"));  // and completes later
        CHECK(a.fired("sysfs_write_blocks"));
    }
    {
        Attached a(armed({}));
        a.host.inject({{"fault", "device_held_open"}, {"device", "sdb"}});
        CHECK(run(a.host, {"blockdev", "--flushbufs", "/dev/sdb"}).exit_status == 1);
        CHECK(a.host.write_file("/sys/block/sdb/device/delete", "1", Duration(1000)).error ==
              EBUSY);
        CHECK(a.fired("device_held_open"));
    }
}

TEST_CASE("a queueing map with no path makes the flush hang until disablequeueing", "[faults]") {
    Attached a(armed({{"fault", "map_queue_if_no_path"}}));
    run(a.host, {"multipath", "-a", chap_wwid});
    run(a.host, {"multipathd", "add", "path", "sdb"});
    a.host.advance(Duration(2000));
    REQUIRE(a.host.exists("/dev/dm-0"));
    CHECK(run(a.host, {"multipath", "-ll"}).out.find("features='1 queue_if_no_path'") !=
          std::string::npos);
    a.host.inject({{"fault", "path_offline"}, {"device", "sdb"}});
    auto r = a.host.run(Command{{"blockdev", "--flushbufs", "/dev/dm-0"}, {}, Duration(5000)});
    CHECK(r.timed_out);
    CHECK(run(a.host, {"multipathd", "disablequeueing", "map", chap_wwid}).out == "ok\n");
    r = run(a.host, {"blockdev", "--flushbufs", "/dev/dm-0"});
    CHECK_FALSE(r.timed_out);
    CHECK(a.fired("map_queue_if_no_path"));
}

TEST_CASE("seeded probability: a fault fires on some seeds only, reproducibly", "[faults]") {
    int fired = 0;
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        Attached a(armed({{"fault", "auth_failure"}, {"probability", 0.5}}), seed);
        Attached b(armed({{"fault", "auth_failure"}, {"probability", 0.5}}), seed);
        CHECK(a.login.exit_status == b.login.exit_status);
        fired += a.login.exit_status == 24 ? 1 : 0;
    }
    CHECK(fired > 0);
    CHECK(fired < 20);
}

TEST_CASE("every fault kind has a name and parses", "[faults]") {
    for (const auto kind : all_fault_kinds()) {
        const auto spec = parse_fault({{"fault", std::string(fault_name(kind))}, {"at_step", 2}});
        CHECK(spec.kind == kind);
        CHECK(spec.from_step == 2);
    }
    CHECK_THROWS(parse_fault({{"fault", "gremlins"}}));
}
