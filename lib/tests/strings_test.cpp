// The string helpers of brick/core/strings.hpp.

#include "brick/core/strings.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

TEST_CASE("join puts the separator between each two items", "[strings]") {
    CHECK(brick::join(std::vector<std::string>{}, ", ").empty());
    CHECK(brick::join(std::vector<std::string>{"sdb"}, ", ") == "sdb");
    CHECK(brick::join(std::vector<std::string>{"dm-0", "sdb", "sdc"}, ", ") == "dm-0, sdb, sdc");
    CHECK(brick::join(std::set<std::string>{"vol-b", "vol-a"}, "; ") == "vol-a; vol-b");
}
