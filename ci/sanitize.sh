#!/usr/bin/env bash
# The sanitizer stage: a clang build with AddressSanitizer and
# UndefinedBehaviorSanitizer (cmake --preset sanitize: the libraries with
# -fsanitize=fuzzer-no-link, the libFuzzer harnesses of fuzz/) of the targets
# the stage runs, then
#   - the unit, simulator, invariant-checker, lab and out-of-process simulator
#     tests and the fuzz corpora under ASan and UBSan (not the Python module: python3 cannot load
#     an ASan-instrumented extension without preloading the runtime; the
#     preset leaves it out), except the tests listed in SANITIZE_EXCLUDE;
#   - a representative scenario run on the simulator: a few scenarios of every
#     protocol (the whole library runs unsanitized in the scenario cells);
#   - each fuzz harness for a bounded time (fuzz/run.sh, BRICK_FUZZ_SECONDS in
#     total, 72 by default: 4 s for each of the 18 harnesses).
# Any failed test, crash, leak or sanitizer report fails the stage. Prints the
# time of each part.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SANITIZE_BUILD=${BRICK_SANITIZE_BUILD:-$BRICK_TOP/build-sanitize}
FUZZ_SECONDS=${BRICK_FUZZ_SECONDS:-72}

# What the tests below run: test programs, the tools they start, the harnesses.
SANITIZE_TARGETS=(brick_lib_tests brick_sim_tests brick_lab_tests brick_cli brick_lab
    brick_isolate brick_sim_tool brick_fuzz brick_check_tests)
# Left out under the sanitizers, each for its reason:
#  - install: cmake --install and a build of another project, nothing of ours
#    runs sanitized;
#  - short seeded runs are fast: a wall-clock throughput check;
#  - the whole scenario library and the whole certification on the simulator
#    (minutes each under ASan): they run in the normal build's tests and
#    scenario cells; the representative run below, the runner tests and the
#    other certify tests (--only, broken provisioners, interrupted runs) cover
#    the same code sanitized.
SANITIZE_EXCLUDE='install|short seeded runs are fast|the iSCSI scenarios pass on the simulator'
SANITIZE_EXCLUDE+='|the simulated array is certified with its declared capabilities'
# The representative scenario run: every protocol, single path, multipath,
# CHAP and a fault.
SANITIZE_SCENARIOS=(iscsi/single-path.json iscsi/mutual-chap.json iscsi/multipath-2-portals.json
    iscsi/device-late.json nvmeof/multipath-2-portals.json nfs/attach-detach.json
    rbd/map-unmap.json local/logical-volume.json luks/iscsi-luks.json)

sanitize_build() {
    (cd "$BRICK_TOP" && cmake --preset sanitize -B "$SANITIZE_BUILD" >/dev/null)
    cmake --build "$SANITIZE_BUILD" -j"$(nproc)" --target "${SANITIZE_TARGETS[@]}"
}
scenario_run() {
    "$SANITIZE_BUILD/lab/brick-lab" run --backend sim --jobs "$(nproc)" \
        --report "$BRICK_TOP/reports/sanitize-scenarios" \
        --junit "$BRICK_TOP/reports/junit-sanitize-scenarios.xml" \
        "${SANITIZE_SCENARIOS[@]/#/$BRICK_TOP/scenarios/}"
}
mkdir -p "$BRICK_TOP/reports"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
stage "sanitizer build" sanitize_build || exit "$BRICK_STATUS"
stage "tests under ASan+UBSan" ctest --test-dir "$SANITIZE_BUILD" -LE hil \
    -R '^(lib|sim|lab|fuzz):' -E "$SANITIZE_EXCLUDE" --output-on-failure -j"$(nproc)" \
    --timeout 600 --output-junit "$BRICK_TOP/reports/junit-sanitize.xml" || true
stage "scenarios under ASan+UBSan" scenario_run || true
stage "fuzzing ($FUZZ_SECONDS s)" "$BRICK_TOP/fuzz/run.sh" "$SANITIZE_BUILD" "$FUZZ_SECONDS" || true
exit "$BRICK_STATUS"
