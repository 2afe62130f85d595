// The checker's tests drive failing operations on purpose: their warnings
// would bury Catch's report, so the library logs nothing here.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "brick/core/log.hpp"

int main(int argc, char** argv) {
    brick::log::configure(brick::log::Level::off, brick::log::Format::human);
    return Catch::Session().run(argc, argv);
}
