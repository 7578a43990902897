#!/usr/bin/env bash
# README command 2: install everything, build, run every test (ctest: GoogleTest + pytest), then
# install the package into a temporary prefix and build + run the C++ examples against it
# (proves find_package(neuromesh) works for C++ users).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# Each stage prints its start and the minutes since the first (CI's budget is ~30 minutes).
t0=$(date +%s)
stage() { echo "== [$(( ($(date +%s) - t0) / 60 )) min] $*"; }
# ccache: the wheel stage (pip install .) compiles the same sources as build/ again. With ccache,
# the same compiler name (ccache hashes it: pip's build would pick g++, CMake's default is c++)
# and a wheel build dir at the same depth as build/ (pyproject.toml: build-dir), those compiles
# are cache hits -- ~7 of CI's minutes (measured: the wheel stage took 8.6 min of 28).
if command -v ccache > /dev/null; then
  export CCACHE_BASEDIR="$PWD" CMAKE_C_COMPILER_LAUNCHER=ccache CMAKE_CXX_COMPILER_LAUNCHER=ccache \
    CMAKE_CUDA_COMPILER_LAUNCHER=ccache
fi
export CC="${CC:-gcc}" CXX="${CXX:-g++}"
stage build
bash scripts/build.sh
# PyNN's own scenario tests (tests/python/test_pynn_scenarios.py) come from its source distribution.
python3 -m pip download -q --disable-pip-version-check --no-binary :all: --no-deps pynn==0.13.0 -d build/pynn-sdist
# Style: the checked-in .clang-format, on every tracked C++ file.
git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run -Werror
stage ctest
(cd build && ctest --output-on-failure -j "$(nproc)")
stage install and examples
prefix=$(mktemp -d)
cmake --install build --prefix "$prefix" > /dev/null
cmake -S examples/cpp -B build/example -G Ninja -DCMAKE_PREFIX_PATH="$prefix" > /dev/null
cmake --build build/example
./build/example/closed_loop
(cd build/example && ./quickstart)
"$prefix/bin/neuromesh" run vogels_abbott_cuba --duration 100 --quiet
# The Python package as users get it: pip install . (scikit-build-core builds the same CMake
# targets), then import it and use its command from outside the source tree.
stage "pip install ."
python3 -m pip install -q --disable-pip-version-check .
(cd "$prefix" && python3 -c "import neuromesh; print('neuromesh', neuromesh.__version__, neuromesh.features()['backends'])" \
  && python3 -c "import pyNN.neuromesh as sim; sim.setup(); sim.run(1.0); print('pyNN.neuromesh imports from', sim.__file__)" \
  && neuromesh run vogels_abbott_cuba --duration 100 --quiet)
# The wheel carries the C++ package too: build the examples against it.
wheel_prefix=$(cd "$prefix" && python3 -c "import neuromesh; print(neuromesh.cmake_prefix())")
cmake -S examples/cpp -B build/example-wheel -G Ninja -DCMAKE_PREFIX_PATH="$wheel_prefix" > /dev/null
cmake --build build/example-wheel
./build/example-wheel/closed_loop | tail -n 1
# Standing guards (docs/reliability.md): the C++ tests under ASan + UBSan, then each libFuzzer
# target for a fixed number of executions; both use ./build-sanitize (clang).
stage sanitizer
bash scripts/sanitize.sh
stage fuzz
bash scripts/fuzz.sh
echo "neuromesh: all tests passed ($(( ($(date +%s) - t0) / 60 )) min after the dependencies)"
