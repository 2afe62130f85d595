// Links, NIC arguments and job specs: real sockets on 127.0.0.1, no QEMU.

#include "brick/hil/network.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>

#include "brick/core/error.hpp"
#include "brick/hil/job_spec.hpp"

namespace fs = std::filesystem;

namespace {

bool has(const std::vector<std::string>& argv, const std::string& value) {
    return std::find(argv.begin(), argv.end(), value) != argv.end();
}

// A fresh folder for one test's job, removed afterwards.
struct JobFolder {
    fs::path dir;
    explicit JobFolder(const std::string& name)
        : dir(fs::temp_directory_path() /
              ("brick-hil-spec-" + name + "-" + std::to_string(::getpid()))) {
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    JobFolder(const JobFolder&) = delete;
    JobFolder& operator=(const JobFolder&) = delete;
    JobFolder(JobFolder&&) = delete;
    JobFolder& operator=(JobFolder&&) = delete;
    ~JobFolder() { fs::remove_all(dir); }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(dir / name) << text;
    }
};

std::string field_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const brick::Error& error) {
        return error.field();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("a link's two ends carry frames to each other and to nobody else") {
    brick::hil::Link link;
    const std::string frame = "ethernet frame";
    REQUIRE(::send(link.end(0), frame.data(), frame.size(), 0) ==
            static_cast<ssize_t>(frame.size()));
    std::array<char, 64> buffer{};
    const auto got = ::recv(link.end(1), buffer.data(), buffer.size(), 0);
    REQUIRE(got == static_cast<ssize_t>(frame.size()));
    CHECK(std::string(buffer.data(), static_cast<std::size_t>(got)) == frame);
    REQUIRE(::send(link.end(1), "back", 4, 0) == 4);
    CHECK(::recv(link.end(0), buffer.data(), buffer.size(), 0) == 4);

    // A stranger on 127.0.0.1 cannot inject into a connected end.
    const int stranger = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in address{};
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(link.end(1), reinterpret_cast<sockaddr*>(&address), &length) == 0);
    CHECK(::ntohl(address.sin_addr.s_addr) == INADDR_LOOPBACK);
    REQUIRE(::sendto(stranger, "x", 1, 0, reinterpret_cast<sockaddr*>(&address), length) == 1);
    ::close(stranger);
    CHECK(::recv(link.end(1), buffer.data(), buffer.size(), MSG_DONTWAIT) == -1);
}

TEST_CASE("link NICs are dgram netdevs on the inherited sockets, each with its MAC") {
    const auto args = brick::hil::nic_arguments({{.fd = 7, .mac = brick::hil::link_mac(0, 1)},
                                                 {.fd = 9, .mac = brick::hil::link_mac(1, 1)}},
                                                {});
    CHECK(has(args, "dgram,id=link0,local.type=fd,local.str=7"));
    CHECK(has(args, "virtio-net-pci,netdev=link1,mac=52:54:00:99:01:01"));
    CHECK(!has(args, "none"));
    CHECK(brick::hil::link_mac(1, 2) == "52:54:00:99:01:02");
    CHECK(brick::hil::nic_arguments({}, {}) == std::vector<std::string>{"-nic", "none"});
}

TEST_CASE("forwards are a restricted user network reaching 127.0.0.1 only") {
    const auto args = brick::hil::nic_arguments(
        {}, {{.guest_address = "10.0.2.100", .guest_port = 3260, .host_port = 3261}});
    const auto user = std::find_if(args.begin(), args.end(),
                                   [](const auto& arg) { return arg.rfind("user,", 0) == 0; });
    REQUIRE(user != args.end());
    CHECK(user->find("restrict=on") != std::string::npos);
    CHECK(user->find("guestfwd=tcp:10.0.2.100:3260-cmd:") != std::string::npos);
    CHECK(user->find("nc 127.0.0.1 3261") != std::string::npos);
    // libslirp executes the command's words without a shell: the first one is a program.
    CHECK(user->find("-cmd:setpriv --pdeathsig KILL ") != std::string::npos);
    CHECK(user->find("hostfwd") == std::string::npos);  // nothing listens on the host's side

    CHECK_THROWS_AS(brick::hil::nic_arguments(
                        {}, {{.guest_address = "192.168.1.1", .guest_port = 1, .host_port = 1}}),
                    brick::Error);
    CHECK_THROWS_AS(brick::hil::nic_arguments(
                        {}, {{.guest_address = "10.0.2.100", .guest_port = 0, .host_port = 1}}),
                    brick::Error);
}

TEST_CASE("a job folder without hil.json is one plain guest") {
    JobFolder job("plain");
    job.write("job.sh", "true\n");
    const auto spec = brick::hil::read_job_spec(job.dir);
    CHECK(spec.topology == brick::hil::Topology::single);
    CHECK(spec.host_script.empty());
    CHECK(spec.forwards.empty());
}

TEST_CASE("a pair spec names both scripts, the links and per-guest sizes") {
    JobFolder job("pair");
    job.write("target.sh", "true\n");
    job.write("initiator.sh", "true\n");
    job.write("hil.json", R"({"topology": "pair", "links": 2,
        "target": {"script": "target.sh", "smp": 1, "memory_mb": 768},
        "initiator": {"script": "initiator.sh"}})");
    const auto spec = brick::hil::read_job_spec(job.dir);
    CHECK(spec.topology == brick::hil::Topology::pair);
    CHECK(spec.links == 2);
    CHECK(spec.target.script == "target.sh");
    CHECK(spec.target.smp == 1);
    CHECK(spec.target.memory_mb == 768);
    CHECK(!spec.initiator.smp.has_value());
}

TEST_CASE("a bad hil.json is refused with the field that is wrong") {
    JobFolder job("bad");
    job.write("target.sh", "true\n");
    job.write("host.sh", "true\n");
    const auto field = [&](const std::string& json) {
        job.write("hil.json", json);
        return field_of([&] { brick::hil::read_job_spec(job.dir); });
    };
    CHECK(field(R"({"topology": "pair", "links": 9, "target": {"script": "target.sh"},
                   "initiator": {"script": "target.sh"}})") == "links");
    CHECK(field(R"({"topology": "pair", "links": 1, "target": {"script": "target.sh"},
                   "initiator": {"script": "missing.sh"}})") == "script");
    CHECK(field(R"({"topology": "pair", "links": 1, "target": {"script": "../x"},
                   "initiator": {"script": "target.sh"}})") == "script");
    CHECK(field(R"({"topology": "ring"})") == "topology");
    CHECK(field(R"({"linkz": 1})") == "linkz");
    CHECK(
        field(
            R"({"host_script": "host.sh", "forwards": [{"guest": "10.0.2.100", "host_port": 1}]})") ==
        "forwards[0].guest");
    CHECK(
        field(
            R"({"host_script": "host.sh", "forwards": [{"guest": "8.8.8.8:53", "host_port": 53}]})") ==
        "forwards[0].guest");
    CHECK(
        field(
            R"({"host_script": "host.sh", "forwards": [{"guest": "10.0.2.100:3260", "host_port": 70000}]})") ==
        "forwards[0].host_port");
    CHECK(field("[1, 2]") == "hil.json");
}
