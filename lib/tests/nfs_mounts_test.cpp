// The mount table parser and os-brick's share naming.
#include <catch2/catch.hpp>

#include "brick/nfs/mount_options.hpp"
#include "brick/nfs/mounts.hpp"

using namespace brick::nfs;

TEST_CASE("share mount points are named by the export's MD5, as os-brick names them", "[nfs]") {
    // Values from os-brick 6.1's RemoteFsClient._get_hash_str (hashlib.md5).
    CHECK(md5_hex("172.18.194.100:/var/nfs") == "df0808229363aad55c27da50c38d6328");
    CHECK(md5_hex("127.0.0.1:/srv/nfs") == "d5c077640592c9381d280865cf41ecf2");
    CHECK(md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");
}

TEST_CASE("/proc/mounts is parsed into typed values, octal escapes decoded", "[nfs]") {
    const auto mounts = parse_mounts(
        "sysfs /sys sysfs rw,nosuid 0 0\n"
        "127.0.0.1:/srv/nfs /var/lib/brick/mnt/d5c0 nfs4 rw,relatime,vers=4.1 0 0\n"
        "\n"
        "server:/a\\040b /mnt/with\\040space nfs rw,vers=3 0 0\n"
        "broken line\n");
    REQUIRE(mounts.size() == 3);
    CHECK(mounts[1].source == "127.0.0.1:/srv/nfs");
    CHECK(mounts[1].type == "nfs4");
    CHECK(mounts[1].options == "rw,relatime,vers=4.1");
    CHECK(mounts[2].source == "server:/a b");
    CHECK(mounts[2].mount_point == "/mnt/with space");
    CHECK(mount_at(mounts, "/mnt/with space"));
    CHECK_FALSE(mount_at(mounts, "/mnt"));
}

TEST_CASE("NFS option lists: versions recognised, options replaced", "[nfs]") {
    CHECK(names_version("vers=4"));
    CHECK(names_version("proto=tcp,nfsvers=3"));
    CHECK(names_version("v4.1"));
    CHECK_FALSE(names_version("proto=tcp,vsize=3"));
    CHECK_FALSE(names_version(""));
    CHECK(with_option("", "vers", "4") == "vers=4");
    CHECK(with_option("vers=3,proto=tcp", "vers", "4") == "proto=tcp,vers=4");
    CHECK(check_option_list("o", "vers=4.1,proto=tcp,nconnect=4") ==
          "vers=4.1,proto=tcp,nconnect=4");
    CHECK_THROWS(check_option_list("o", "bind"));
    CHECK_THROWS(check_option_list("o", "vers=4,,ro"));
}
