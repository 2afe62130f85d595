#!/usr/bin/env bash
# Static checks: clang-format on every C++ file, clang-tidy on the C++ files
# changed against a base revision (default: the merge base with main), or on
# every file with --all. Needs a configured build (compile_commands.json).
#
#   ci/lint.sh [--all | --base REV] [--fix-format]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

base=main
all=0
fix_format=0
while (($#)); do
    case $1 in
        --all) all=1 ;;
        --base) base=${2:?revision}; shift ;;
        --fix-format) fix_format=1 ;;
        *) echo "ci/lint.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
cd "$BRICK_TOP"
mapfile -t sources < <(git ls-files '*.cpp' '*.hpp')

check_format() {
    if ((fix_format)); then
        clang-format -i "${sources[@]}"
    else
        clang-format --dry-run -Werror "${sources[@]}"
    fi
}

run_tidy() {
    local files=()
    if ((all)); then
        files=("${sources[@]}")
    else
        mapfile -t files < <(git diff --name-only --diff-filter=AM "$(git merge-base "$base" HEAD)" -- '*.cpp')
    fi
    # Headers are checked through the sources that include them (HeaderFilterRegex).
    local cpp=()
    for file in "${files[@]}"; do
        [[ $file == *.cpp && -f $file ]] && cpp+=("$file")
    done
    if ((${#cpp[@]} == 0)); then
        echo "clang-tidy: no changed C++ sources"
        return 0
    fi
    [[ -f $BRICK_BUILD/compile_commands.json ]] || build_project
    # Each file is checked with the compile command of the build that compiles
    # it: the fuzz/ harnesses exist only in a clang build with BRICK_FUZZ, whose
    # compile commands a configure-only build directory provides (no
    # precompiled headers, nothing compiled). A file no build compiles (the
    # install-test consumer, a separate project) is listed as not checked.
    local fuzz_build=${BRICK_LINT_FUZZ_BUILD:-$BRICK_TOP/build-lint-fuzz}
    if [[ ! -f $fuzz_build/compile_commands.json && " ${cpp[*]}" == *" fuzz/"* ]]; then
        cmake -S "$BRICK_TOP" -B "$fuzz_build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
            -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DBRICK_SANITIZE=ON \
            -DBRICK_FUZZ=ON -DBRICK_PCH=OFF -DBRICK_PYTHON=OFF >/dev/null
    fi
    local main=() fuzz=() file
    for file in "${cpp[@]}"; do
        if grep -qF "\"file\": \"$BRICK_TOP/$file\"" "$BRICK_BUILD/compile_commands.json"; then
            main+=("$file")
        elif [[ -f $fuzz_build/compile_commands.json ]] &&
            grep -qF "\"file\": \"$BRICK_TOP/$file\"" "$fuzz_build/compile_commands.json"; then
            fuzz+=("$file")
        else
            echo "clang-tidy: not checked (in no compile_commands.json): $file"
        fi
    done
    echo "clang-tidy: ${#main[@]} files (build), ${#fuzz[@]} files (clang fuzz build)"
    local rc=0
    if ((${#main[@]})); then
        printf '%s\n' "${main[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p "$BRICK_BUILD" --quiet || rc=$?
    fi
    if ((${#fuzz[@]})); then
        printf '%s\n' "${fuzz[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p "$fuzz_build" --quiet || rc=$?
    fi
    return "$rc"
}

stage "clang-format" check_format || true
stage "clang-tidy" run_tidy || true
exit "$BRICK_STATUS"
