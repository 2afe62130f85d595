// The recording wrapper: one JSON line per interaction, secrets never written.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "brick/core/secrets.hpp"
#include "brick/host/real_host.hpp"
#include "brick/host/recording_host.hpp"
#include "temp_dir.hpp"

TEST_CASE("the trace records each interaction with sequence, kind and result", "[trace]") {
    brick::testing::TempDir dir;
    dir.write("sys/class/iscsi_session/session1/targetname", "iqn.2004-01.test:t1\n");
    brick::RealHostOptions options;
    options.root = dir.path();
    brick::RealHost real(options);
    std::ostringstream out;
    brick::TraceWriter writer(out);
    brick::RecordingHost host(real, writer);

    CHECK(host.read_attribute("/sys/class/iscsi_session/session1/targetname") ==
          "iqn.2004-01.test:t1");
    std::string ignored;
    host.read_file("/sys/missing", ignored);
    host.run(brick::Command{{"true"}, {}, brick::Duration(5000)});

    std::istringstream lines(out.str());
    std::vector<nlohmann::json> records;
    for (std::string line; std::getline(lines, line);) {
        records.push_back(nlohmann::json::parse(line));
    }
    REQUIRE(records.size() == 3);
    CHECK(records[0]["v"] == 1);
    CHECK(records[0]["seq"] == 1);
    CHECK(records[0]["kind"] == "read");
    CHECK(records[0]["result"] == "OK");
    CHECK(records[0]["task"] == "main");
    CHECK(records[1]["result"] == "ENOENT");
    CHECK(records[2]["kind"] == "run");
    CHECK(records[2]["argv"] == nlohmann::json::array({"true"}));
    CHECK(records[2]["exit"] == 0);
    CHECK(records[2]["seq"] == 3);
}

TEST_CASE("a CHAP run's trace contains no secret", "[trace][secrets]") {
    const std::string password = "Zq8-chap-S3cret-value";
    brick::register_secret(password);
    brick::RealHost real;
    std::ostringstream out;
    brick::TraceWriter writer(out);
    brick::RecordingHost host(real, writer);
    // The secret travels on a command line, on stdin and back on stdout.
    host.run(brick::Command{{"echo", "node.session.auth.password", "-v", password},
                            password + "\n",
                            brick::Duration(5000)});
    host.run(brick::Command{{"cat"}, "password=" + password, brick::Duration(5000)});
    writer.write({{"kind", "note"}, {"auth_password", "anything"}, {"nested", {{"x", password}}}});

    const auto trace = out.str();
    CHECK(trace.find(password) == std::string::npos);
    CHECK(trace.find("***") != std::string::npos);
    CHECK(trace.find("anything") == std::string::npos);  // secret-named key masked wholesale
}

TEST_CASE("masking replaces the longest secret first", "[secrets]") {
    brick::register_secret("abcdefgh-long-secret");
    brick::register_secret("abcdefgh");
    CHECK(brick::mask_secrets("x abcdefgh-long-secret y abcdefgh z") == "x *** y *** z");
    CHECK(brick::is_secret_key("auth_password"));
    CHECK(brick::is_secret_key("discovery_auth_password"));
    CHECK(brick::is_secret_key("keyring"));
    CHECK_FALSE(brick::is_secret_key("secret_uuid"));
    CHECK_FALSE(brick::is_secret_key("auth_username"));
}
