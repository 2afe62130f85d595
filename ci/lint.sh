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
    echo "clang-tidy: ${#cpp[@]} files"
    printf '%s\n' "${cpp[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p "$BRICK_BUILD" --quiet
}

stage "clang-format" check_format || true
stage "clang-tidy" run_tidy || true
exit "$BRICK_STATUS"
