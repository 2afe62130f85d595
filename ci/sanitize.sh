#!/usr/bin/env bash
# The sanitizer stage: one clang build with AddressSanitizer and
# UndefinedBehaviorSanitizer (cmake --preset sanitize: every target, the
# libraries with -fsanitize=fuzzer-no-link, the libFuzzer harnesses of fuzz/),
# then
#   - every test outside the QEMU guests (ctest -LE hil: unit, simulator, lab,
#     out-of-process simulator, the fuzz corpora) under ASan and UBSan (not the
#     Python module: python3 cannot load an ASan-instrumented extension without
#     preloading the runtime; the preset leaves it out);
#   - each fuzz harness for a bounded time (fuzz/run.sh, BRICK_FUZZ_SECONDS in
#     total, 200 by default).
# Any failed test, crash, leak or sanitizer report fails the stage.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SANITIZE_BUILD=${BRICK_SANITIZE_BUILD:-$BRICK_TOP/build-sanitize}
FUZZ_SECONDS=${BRICK_FUZZ_SECONDS:-200}

sanitize_build() {
    (cd "$BRICK_TOP" && cmake --preset sanitize -B "$SANITIZE_BUILD" >/dev/null)
    cmake --build "$SANITIZE_BUILD" -j"$(nproc)"
}
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
stage "sanitizer build" sanitize_build || exit "$BRICK_STATUS"
# "short seeded runs are fast" measures wall-clock throughput, which the
# sanitizers divide by ten: it runs in the normal build only.
stage "tests under ASan+UBSan" ctest --test-dir "$SANITIZE_BUILD" -LE hil \
    -E 'short seeded runs are fast' --output-on-failure -j2 --timeout 1500 \
    --output-junit "$BRICK_TOP/reports/junit-sanitize.xml"
stage "fuzzing ($FUZZ_SECONDS s)" "$BRICK_TOP/fuzz/run.sh" "$SANITIZE_BUILD" "$FUZZ_SECONDS"
exit "$BRICK_STATUS"
