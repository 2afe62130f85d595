#!/usr/bin/env bash
# Builds the library, the simulator and their tests with AddressSanitizer and
# UndefinedBehaviorSanitizer and runs those tests under them (the QEMU guests and
# the installation check are not part of it: the first run real kernels, the
# second checks files, not memory).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SANITIZE_BUILD=${BRICK_SANITIZE_BUILD:-$BRICK_TOP/build-sanitize}
sanitize_build() {
    cmake -S "$BRICK_TOP" -B "$SANITIZE_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
        -DBRICK_SANITIZE=ON >/dev/null
    cmake --build "$SANITIZE_BUILD" -j"$(nproc)" --target brick_lib_tests brick_sim_tests brick_cli
}
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
stage "sanitizer build" sanitize_build || exit "$BRICK_STATUS"
stage "tests under ASan+UBSan" ctest --test-dir "$SANITIZE_BUILD" -LE hil -R '^(lib|sim):' \
    -E 'install and use' --output-on-failure -j2 \
    --output-junit "$BRICK_TOP/reports/junit-sanitize.xml"
exit "$BRICK_STATUS"
