// An iSCSI session that lost its connection (sim/model/session_recovery.cpp):
// FAILED, FREE after replacement_timeout, logged in again only by iscsid;
// what a scan and a device delete do meanwhile, in virtual time.
#include <catch2/catch.hpp>

#include "brick/connector/connector.hpp"
#include "brick/core/error.hpp"
#include "sim/host/sim_observer.hpp"
#include "sim/model/daemons.hpp"
#include "sim_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;

namespace {

constexpr const char* session_state = "/sys/class/iscsi_session/session1/state";
constexpr const char* scan = "/sys/class/scsi_host/host2/scan";

// single_chap.json logged in (session 1 on host2) with LUN 1's disk sdb.
void attach_lun1(SimHost& host) {
    REQUIRE(login_chap(host).exit_status == 0);
    REQUIRE(host.write_file(scan, "0 0 1", Duration(10000)).ok());
    host.advance(Duration(2000));
    REQUIRE(host.exists("/dev/sdb"));
}

std::string session_detail(SimHost& host) {
    return run(host, {"iscsiadm", "-m", "session", "-P", "1"}).out;
}

bool shows(const std::string& text, const std::string& what) {
    return text.find(what) != std::string::npos;
}

// Loses session 1's connection right after the interaction in which it was
// first seen logged in (the connector's login), before its scan.
class LoseConnectionAfterLogin final : public SimObserver {
  public:
    LoseConnectionAfterLogin(Model& model, std::int64_t link_back_ms)
        : model_(model), link_back_ms_(link_back_ms) {}
    void on_action(const HostAction& /*action*/, int /*task*/) override {}
    void after_interaction(int /*task*/) override {
        const auto it = model_.state().sessions.find(1);
        if (!fired_ && it != model_.state().sessions.end() && it->second.state == "LOGGED_IN") {
            fired_ = true;
            model_.fail_session(1, link_back_ms_);
        }
    }

  private:
    Model& model_;
    std::int64_t link_back_ms_;
    bool fired_ = false;
};

}  // namespace

TEST_CASE(
    "a session that lost its connection is FAILED, then FREE after replacement_timeout "
    "with its devices transport-offline",
    "[kernel][sessions]") {
    SimHost host(fabric("single_chap.json"), {.seed = 5});
    attach_lun1(host);
    REQUIRE(host.model().write_device("sdb", 0, std::string(512, 'a')) == 0);
    host.inject({{"fault", "session_drop"}});
    CHECK(host.read_attribute(session_state) == "FAILED");
    CHECK(host.read_attribute("/sys/block/sdb/device/state") == "blocked");
    CHECK(shows(session_detail(host), "iSCSI Session State: FAILED"));
    host.advance(Duration(119000));
    CHECK(host.read_attribute(session_state) == "FAILED");
    host.advance(Duration(2000));
    // session_recovery_timedout: FREE, the target unblocked to transport-offline.
    CHECK(host.read_attribute(session_state) == "FREE");
    CHECK(host.read_attribute("/sys/block/sdb/device/state") == "transport-offline");
    const auto detail = session_detail(host);
    CHECK(shows(detail, "iSCSI Session State: FREE"));
    CHECK(shows(detail, "iSCSI Connection State: TRANSPORT WAIT"));
    CHECK(shows(detail, "Internal iscsid Session State: REOPEN"));
    // I/O fails now.
    CHECK(host.model().write_device("sdb", 0, std::string(512, 'b')) != 0);
    std::string out;
    CHECK(host.model().read_device("sdb", 0, 512, out) != 0);
}

TEST_CASE("a FREE session whose portal answers again is logged in again by iscsid",
          "[kernel][sessions]") {
    SimHost host(fabric("single_chap.json"), {.seed = 5});
    attach_lun1(host);
    host.inject({{"fault", "session_drop"}, {"recover_ms", 150000}});
    host.advance(Duration(130000));
    CHECK(host.read_attribute(session_state) == "FREE");
    host.advance(Duration(25000));
    CHECK(host.read_attribute(session_state) == "LOGGED_IN");
    CHECK(host.read_attribute("/sys/block/sdb/device/state") == "running");
    CHECK(host.model().write_device("sdb", 0, std::string(512, 'c')) == 0);
}

TEST_CASE("the session's recovery_tmo is the node's replacement_timeout at login",
          "[kernel][sessions]") {
    SimHost host(fabric("single_chap.json"), {.seed = 5});
    const std::vector<std::string> node = {"iscsiadm",           "-m", "node", "-T", chap_iqn, "-p",
                                           "192.168.122.10:3260"};
    // The connector's record (login_chap), logged out, changed and logged in again.
    REQUIRE(login_chap(host).exit_status == 0);
    auto logout = node;
    logout.emplace_back("--logout");
    REQUIRE(run(host, logout).exit_status == 0);
    auto update = node;
    update.insert(update.end(),
                  {"-o", "update", "-n", "node.session.timeo.replacement_timeout", "-v", "5"});
    REQUIRE(run(host, update).exit_status == 0);
    auto login = node;
    login.emplace_back("--login");
    REQUIRE(run(host, login).exit_status == 0);
    const std::string session2 = "/sys/class/iscsi_session/session2";
    CHECK(host.read_attribute(session2 + "/recovery_tmo") == "5");
    host.inject({{"fault", "session_drop"}});
    host.advance(Duration(4000));
    CHECK(host.read_attribute(session2 + "/state") == "FAILED");
    host.advance(Duration(2000));
    CHECK(host.read_attribute(session2 + "/state") == "FREE");
}

TEST_CASE("a scan of a session that is not logged in returns at once and finds nothing",
          "[kernel][sessions][scan]") {
    SimHost host(fabric("single_chap.json"), {.seed = 5});
    REQUIRE(login_chap(host).exit_status == 0);
    host.inject({{"fault", "session_drop"}, {"recover_ms", 30000}});
    const auto before = host.now_ms();
    // iscsi_user_scan_session skips it.
    CHECK(host.write_file(scan, "0 0 1", Duration(200000)).ok());
    CHECK(host.now_ms() - before <= 10);
    host.advance(Duration(2000));
    CHECK_FALSE(host.exists("/sys/class/scsi_device/2:0:0:1"));
    host.advance(Duration(30000));
    REQUIRE(host.read_attribute(session_state) == "LOGGED_IN");
    CHECK(host.write_file(scan, "0 0 1", Duration(10000)).ok());
    CHECK(host.exists("/sys/class/scsi_device/2:0:0:1"));
}

TEST_CASE(
    "a scan whose session fails under it waits for the session: it finds the LUN when the "
    "session is back, nothing when replacement_timeout ends the wait",
    "[kernel][sessions][scan]") {
    SimHost host(fabric("single_chap.json"), {.seed = 5});
    REQUIRE(login_chap(host).exit_status == 0);
    SECTION("the session is back at 30 s") {
        // The connection is lost while the scan's commands are out.
        host.model().schedule(1, "test: connection lost",
                              [&host] { host.model().fail_session(1, 30000); });
        const auto before = host.now_ms();
        CHECK(host.write_file(scan, "0 0 1", Duration(200000)).ok());
        CHECK(host.now_ms() - before == 30001);
        CHECK(host.read_attribute(session_state) == "LOGGED_IN");
        CHECK(host.exists("/sys/class/scsi_device/2:0:0:1"));
    }
    SECTION("the session never comes back") {
        host.model().schedule(1, "test: connection lost",
                              [&host] { host.model().fail_session(1, 0); });
        const auto before = host.now_ms();
        CHECK(host.write_file(scan, "0 0 1", Duration(200000)).ok());
        CHECK(host.now_ms() - before == 120001);
        CHECK(host.read_attribute(session_state) == "FREE");
        host.advance(Duration(2000));
        CHECK_FALSE(host.exists("/sys/class/scsi_device/2:0:0:1"));
    }
    SECTION("the writer's deadline bounds its wait; the kernel's scan goes on") {
        host.model().schedule(1, "test: connection lost",
                              [&host] { host.model().fail_session(1, 30000); });
        const auto before = host.now_ms();
        CHECK(host.write_file(scan, "0 0 1", Duration(20000)).error == ETIMEDOUT);
        CHECK(host.now_ms() - before == 20000);
        CHECK_FALSE(host.exists("/sys/class/scsi_device/2:0:0:1"));
        host.advance(Duration(11000));
        CHECK(host.exists("/sys/class/scsi_device/2:0:0:1"));
    }
}

TEST_CASE("a delete on a FAILED session does not wait for it; what was dirty is lost",
          "[kernel][sessions]") {
    SimHost host(fabric("single_chap.json"), {.seed = 5});
    attach_lun1(host);
    REQUIRE(host.model().write_device("sdb", 0, std::string(512, 'a')) == 0);
    host.inject({{"fault", "session_drop"}});
    const auto before = host.now_ms();
    // __scsi_remove_device takes a blocked device straight to SDEV_DEL: sd's
    // SYNCHRONIZE CACHE fails at once.
    CHECK(host.write_file("/sys/block/sdb/device/delete", "1", Duration(200000)).ok());
    CHECK(host.now_ms() - before < 1000);
    CHECK_FALSE(host.exists("/sys/class/scsi_device/2:0:0:1"));
    CHECK(host.model().lost_blocks("vol-1") == 1);
}

TEST_CASE("a delete on a host whose scan waits for the failed session waits with it",
          "[kernel][sessions][scan]") {
    SimHost host(fabric("single_chap.json"), {.seed = 5});
    attach_lun1(host);
    host.model().schedule(1, "test: connection lost",
                          [&host] { host.model().fail_session(1, 40000); });
    const auto before = host.now_ms();
    std::int64_t scan_returned = 0;
    auto scanner = host.start_task("scanner", [&] {
        CHECK(host.write_file(scan, "0 0 2", Duration(200000)).ok());
        scan_returned = host.now_ms();
    });
    host.advance(Duration(1000));
    REQUIRE(host.read_attribute(session_state) == "FAILED");
    // scsi_remove_device waits for the host's scan_mutex the scan holds.
    CHECK(host.write_file("/sys/block/sdb/device/delete", "1", Duration(200000)).ok());
    CHECK(host.now_ms() - before >= 40000);
    scanner->join();
    CHECK(scan_returned - before == 40001);
    CHECK_FALSE(host.exists("/sys/class/scsi_device/2:0:0:1"));
}

TEST_CASE("a session that drops while iscsid is down stays FAILED until iscsid runs again",
          "[daemons][sessions]") {
    SimHost host(fabric("single_chap.json"), {.seed = 5});
    attach_lun1(host);
    const auto& timing = host.model().fabric().timing;
    const auto iscsid_back = Duration(timing.daemon_start_ms * 2 + timing.login_ms * 4);
    kill_daemon(host.model(), Daemon::iscsid);
    host.inject({{"fault", "session_drop"}, {"recover_ms", 5000}});
    SECTION("iscsid back within replacement_timeout: the session is logged in again") {
        host.advance(Duration(60000));
        // The portal answers again, but only iscsid reconnects.
        CHECK(host.read_attribute(session_state) == "FAILED");
        CHECK(host.read_attribute("/sys/block/sdb/device/state") == "blocked");
        start_daemon(host.model(), Daemon::iscsid);
        host.advance(iscsid_back);
        CHECK(host.read_attribute(session_state) == "LOGGED_IN");
        CHECK(host.read_attribute("/sys/block/sdb/device/state") == "running");
    }
    SECTION("iscsid back after it: FREE, I/O failing, until iscsid logs the session in") {
        host.advance(Duration(125000));
        CHECK(host.read_attribute(session_state) == "FREE");
        CHECK(host.read_attribute("/sys/block/sdb/device/state") == "transport-offline");
        CHECK(host.model().write_device("sdb", 0, std::string(512, 'a')) != 0);
        host.advance(Duration(600000));
        CHECK(host.read_attribute(session_state) == "FREE");
        start_daemon(host.model(), Daemon::iscsid);
        host.advance(iscsid_back);
        CHECK(host.read_attribute(session_state) == "LOGGED_IN");
        CHECK(host.read_attribute("/sys/block/sdb/device/state") == "running");
    }
}

TEST_CASE("with iscsid_down the session that dropped is logged in when iscsid is restored",
          "[daemons][sessions][faults]") {
    SimHost host(fabric("single_chap.json"), {.seed = 5});
    attach_lun1(host);
    host.inject({{"fault", "iscsid_down"}, {"restore_ms", 20000}});
    host.inject({{"fault", "session_drop"}, {"recover_ms", 5000}});
    host.advance(Duration(10000));
    CHECK(host.read_attribute(session_state) == "FAILED");
    host.advance(Duration(11000));
    CHECK(host.read_attribute(session_state) == "LOGGED_IN");
}

TEST_CASE("a session is FREE while its login runs and LOGGED_IN once it completes",
          "[kernel][sessions]") {
    SimHost host(fabric("single_chap.json"), {.seed = 5});
    auto login = host.start_task("login", [&] { CHECK(login_chap(host).exit_status == 0); });
    while (!host.exists("/sys/class/iscsi_session/session1")) {
        host.advance(Duration(1));
    }
    // iscsi_alloc_session: FREE until iscsid starts the connection.
    CHECK(host.read_attribute(session_state) == "FREE");
    CHECK(host.write_file(scan, "0 0 1", Duration(10000)).ok());
    CHECK_FALSE(host.exists("/sys/class/scsi_device/2:0:0:1"));
    login->join();
    CHECK(host.read_attribute(session_state) == "LOGGED_IN");
}

TEST_CASE(
    "a connect whose session fails after its login and never comes back fails within its "
    "deadline, not replacement_timeout",
    "[connector][sessions][scan]") {
    SimHost host(fabric("single_chap.json"), {.seed = 3});
    ConnectorOptions options;
    options.device_timeout = Duration(20000);
    auto connector = make_connector(Protocol::iscsi, host, options);
    LoseConnectionAfterLogin lose(host.model(), 0);
    host.set_observer(&lose);
    try {
        connector->connect(chap_properties());
        FAIL("the connect succeeded on a failed session");
    } catch (const Error& e) {
        CHECK(e.category() == ErrorCategory::device_not_found);
    }
    host.set_observer(nullptr);
    CHECK(host.now_ms() <= 20000 + 1000);
}

// The kernel skips a scan of a session that is not logged in, so a session
// that fails between the login and the scan and is back at 5 s has no
// device until the connector scans the LUN again once the session is
// logged in (as os-brick scans again while it waits).
TEST_CASE("a connect whose session fails after its login and is back at 5 s attaches",
          "[connector][sessions][scan]") {
    SimHost host(fabric("single_chap.json"), {.seed = 3});
    ConnectorOptions options;
    options.device_timeout = Duration(20000);
    auto connector = make_connector(Protocol::iscsi, host, options);
    LoseConnectionAfterLogin lose(host.model(), 5000);
    host.set_observer(&lose);
    const auto device = connector->connect(chap_properties());
    host.set_observer(nullptr);
    // Scanned again as soon as the session is back: attached within 2 s of it.
    CHECK(host.now_ms() < 7000);
    CHECK(device.path == "/dev/sdb");
    connector->disconnect(chap_properties(), device, {});
    CHECK(host.model().leftovers().empty());
}
