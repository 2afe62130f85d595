#!/usr/bin/env bash
# The install test: `cmake --install` into a fresh prefix, then a project
# outside the tree finds libbrick with find_package(brick) and, separately,
# with pkg-config; both programs run against the fixture host tree.
#   check-install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=${1:?build dir}
source=${2:?source dir}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tree="$source/lib/tests/fixtures/host-tree"
expected_iqn=$(sed -n 's/^InitiatorName=//p' "$tree/etc/iscsi/initiatorname.iscsi")

cmake --install "$build" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/lib/cmake/brick/brickConfig.cmake"
test -x "$work/prefix/bin/brick"

# find_package(brick)
cmake -S "$source/lib/tests/install" -B "$work/consumer" -G Ninja \
    -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
out=$(LD_LIBRARY_PATH="$work/prefix/lib" "$work/consumer/consumer" "$tree")
echo "find_package consumer: $out"
[[ $out == "$expected_iqn "*'"driver_volume_type":"iscsi"'* ]]

# pkg-config
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
read -r -a flags <<<"$(pkg-config --cflags --libs brick)"
c++ -std=c++20 "$source/lib/tests/install/consumer.cpp" -o "$work/pkgconfig-consumer" "${flags[@]}"
out=$(LD_LIBRARY_PATH="$work/prefix/lib" "$work/pkgconfig-consumer" "$tree")
echo "pkg-config consumer: $out"
[[ $out == "$expected_iqn "*'"driver_volume_type":"iscsi"'* ]]

# The installed tool runs from the prefix.
"$work/prefix/bin/brick" --root "$tree" properties | grep -q "\"initiator\": \"$expected_iqn\""
echo "installed brick properties: ok"
