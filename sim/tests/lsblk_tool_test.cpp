// The fake lsblk against the model, in the shapes util-linux 2.38.1 prints.
// No guest golden exists for lsblk; the expected texts follow the real lsblk
// of Debian 12 run on a loop device (64 MiB, losetup on a file):
//
//   $ lsblk -J -b -o NAME,TYPE,SIZE /dev/loop0 /dev/loop1
//   {
//      "blockdevices": [
//         {
//            "name": "loop0",
//            "type": "loop",
//            "size": 67108864
//         },{
//            "name": "loop1",
//            ...
//   $ lsblk /dev/loop0
//   NAME  MAJ:MIN RM SIZE RO TYPE MOUNTPOINTS
//   loop0   7:0    0  64M  0 loop
//
// and its rules: string cells null when empty, RM and RO booleans, SIZE a
// number with -b and "64M" without, MOUNTPOINTS an array, a column as wide as
// its widest cell or header (with -n too), RM, RO and SIZE right-aligned, the
// last cell unpadded, MAJ:MIN as "%3u:%-3u"; exit 32 when no device given is
// one, 64 when some are not. Holders are children (JSON) or drawn as a tree.
#include <catch2/catch.hpp>

#include "sim_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;

namespace {

// single_chap.json with LUN 1 scanned: the local sda and the volume as sdb.
void scan_lun_1(SimHost& host) {
    REQUIRE(login_chap(host).exit_status == 0);
    REQUIRE(host.write_file("/sys/class/scsi_host/host2/scan", "0 0 1", Duration(1000)).ok());
    host.advance(Duration(2000));
}

}  // namespace

TEST_CASE("lsblk lists a disk in the real lsblk's JSON, pairs and table shapes", "[lsblk][tools]") {
    SimHost host(fabric("single_chap.json"));
    scan_lun_1(host);
    CHECK(run(host, {"lsblk", "-J", "-b", "-o", "NAME,TYPE,SIZE", "/dev/sdb"}).out ==
          "{\n"
          "   \"blockdevices\": [\n"
          "      {\n"
          "         \"name\": \"sdb\",\n"
          "         \"type\": \"disk\",\n"
          "         \"size\": 1073741824\n"
          "      }\n"
          "   ]\n"
          "}\n");
    CHECK(run(host, {"lsblk", "--json", "/dev/sdb"}).out ==
          "{\n"
          "   \"blockdevices\": [\n"
          "      {\n"
          "         \"name\": \"sdb\",\n"
          "         \"maj:min\": \"8:16\",\n"
          "         \"rm\": false,\n"
          "         \"size\": \"1G\",\n"
          "         \"ro\": false,\n"
          "         \"type\": \"disk\",\n"
          "         \"mountpoints\": [\n"
          "             null\n"
          "         ]\n"
          "      }\n"
          "   ]\n"
          "}\n");
    CHECK(run(host, {"lsblk", "/dev/sdb"}).out ==
          "NAME MAJ:MIN RM SIZE RO TYPE MOUNTPOINTS\n"
          "sdb    8:16   0   1G  0 disk \n");
    CHECK(run(host, {"lsblk", "-ndo", "SIZE", "/dev/sdb"}).out == "  1G\n");
    CHECK(run(host, {"lsblk", "-n", "-b", "-d", "-o", "SIZE", "/dev/sdb"}).out == "1073741824\n");
    CHECK(run(host, {"lsblk", "-P", "-p", "-o", "NAME,KNAME,TYPE,HCTL,TRAN,VENDOR,WWN",
                     "/dev/disk/by-id/scsi-" + std::string(chap_wwid)})
              .out ==
          "NAME=\"/dev/sdb\" KNAME=\"/dev/sdb\" TYPE=\"disk\" HCTL=\"2:0:0:1\" "
          "TRAN=\"iscsi\" VENDOR=\"LIO-ORG \" WWN=\"0x60014050aabbccdd0000000000000001\"\n");
    // Both LUNs, sizes in bytes and human form, and a device that is not one.
    REQUIRE(host.write_file("/sys/class/scsi_host/host2/scan", "0 0 300", Duration(1000)).ok());
    host.advance(Duration(2000));
    CHECK(run(host, {"lsblk", "-J", "-o", "NAME,SIZE", "/dev/sdc", "/dev/sdb"}).out ==
          "{\n"
          "   \"blockdevices\": [\n"
          "      {\n"
          "         \"name\": \"sdb\",\n"
          "         \"size\": \"1G\"\n"
          "      },{\n"
          "         \"name\": \"sdc\",\n"
          "         \"size\": \"2G\"\n"
          "      }\n"
          "   ]\n"
          "}\n");
    auto missing = run(host, {"lsblk", "-J", "-o", "NAME", "/dev/sdz"});
    CHECK(missing.exit_status == 32);
    CHECK(missing.err == "lsblk: /dev/sdz: not a block device\n");
    CHECK(missing.out == "{\n   \"blockdevices\": [\n\n   ]\n}\n");
    missing = run(host, {"lsblk", "-o", "NAME", "/dev/sdb", "/dev/sdz"});
    CHECK(missing.exit_status == 64);
    CHECK(missing.out == "NAME\nsdb\n");
    const auto unknown = run(host, {"lsblk", "-o", "NAME,FOO"});
    CHECK(unknown.exit_status == 1);
    CHECK(unknown.err == "lsblk: unknown column: FOO\n");
}

TEST_CASE("lsblk shows a multipath map as a child of each path", "[lsblk][tools][multipath]") {
    SimHost host(fabric("two_portals.json"));
    const std::string wwid = "360014050aabbccdd0000000000000002";
    REQUIRE(run(host, {"multipath", "-a", wwid}).exit_status == 0);
    for (const auto* portal : {"192.168.122.10:3260", "[2001:db8::10]:3260"}) {
        REQUIRE(run(host, {"iscsiadm", "-m", "node", "-T", mp_iqn, "-p", portal, "--op", "new"})
                    .exit_status == 0);
        REQUIRE(run(host, {"iscsiadm", "-m", "node", "-T", mp_iqn, "-p", portal, "--login"})
                    .exit_status == 0);
    }
    for (const auto& [sid, session] : host.model().state().sessions) {
        REQUIRE(host.write_file(
                        "/sys/class/scsi_host/host" + std::to_string(session.scsi_host) + "/scan",
                        "0 0 1", Duration(1000))
                    .ok());
    }
    host.advance(Duration(3000));
    REQUIRE(host.model().state().maps.size() == 1);
    CHECK(run(host, {"lsblk", "-J", "-b", "-o", "NAME,KNAME,TYPE,SIZE,PKNAME", "/dev/sdb"}).out ==
          "{\n"
          "   \"blockdevices\": [\n"
          "      {\n"
          "         \"name\": \"sdb\",\n"
          "         \"kname\": \"sdb\",\n"
          "         \"type\": \"disk\",\n"
          "         \"size\": 1073741824,\n"
          "         \"pkname\": null,\n"
          "         \"children\": [\n"
          "            {\n"
          "               \"name\": \"" +
              wwid +
              "\",\n"
              "               \"kname\": \"dm-0\",\n"
              "               \"type\": \"mpath\",\n"
              "               \"size\": 1073741824,\n"
              "               \"pkname\": \"sdb\"\n"
              "            }\n"
              "         ]\n"
              "      }\n"
              "   ]\n"
              "}\n");
    const std::string map_line = "`-" + wwid + " mpath   1G\n";
    CHECK(run(host, {"lsblk", "-o", "NAME,TYPE,SIZE"}).out ==
          "NAME                                TYPE  SIZE\n"
          "sda                                 disk   20G\n"
          "sdb                                 disk    1G\n" +
              map_line + "sdc                                 disk    1G\n" + map_line);
    CHECK(run(host, {"lsblk", "-l", "-n", "-p", "-o", "NAME,TYPE", "/dev/sdc"}).out ==
          "/dev/sdc                                      disk\n"
          "/dev/mapper/" +
              wwid + " mpath\n");
    CHECK(run(host, {"lsblk", "-J", "-d", "-o", "NAME,TYPE", "/dev/dm-0"}).out ==
          "{\n"
          "   \"blockdevices\": [\n"
          "      {\n"
          "         \"name\": \"" +
              wwid +
              "\",\n"
              "         \"type\": \"mpath\"\n"
              "      }\n"
              "   ]\n"
              "}\n");
}

TEST_CASE("lsblk shows NVMe namespaces and an md RAID1 over them", "[lsblk][tools][md]") {
    SimHost host(fabric("nvme_two_ports.json"));
    REQUIRE(host.write_file("/dev/nvme-fabrics",
                            "nqn=nqn.2026-01.org.brickworks:two-ports,transport=tcp,traddr=127.0."
                            "0.1,trsvcid=4420",
                            Duration(5000))
                .ok());
    host.advance(Duration(1000));
    REQUIRE(run(host, {"mdadm", "--create", "/dev/md/mirror", "--run", "--level=1",
                       "--raid-devices=2", "--assume-clean", "/dev/nvme0n1", "/dev/nvme0n2"})
                .exit_status == 0);
    host.advance(Duration(1000));
    const auto out = run(host, {"lsblk", "-l", "-n", "-o", "NAME,TYPE,PKNAME,TRAN"}).out;
    INFO(out);
    CHECK(out.find("nvme0n1 disk          nvme\n") != std::string::npos);
    CHECK(out.find("md127   raid1 nvme0n1 \n") != std::string::npos);
    CHECK(out.find("md127   raid1 nvme0n2 \n") != std::string::npos);
    CHECK(out.find("nvme0c0n1") == std::string::npos);  // hidden path devices
}
