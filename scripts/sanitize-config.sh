#!/usr/bin/env bash
# Configures ./build-sanitize: clang, ASan + UBSan (-fno-sanitize-recover=undefined) on every
# target, the libFuzzer targets (NEUROMESH_FUZZ), CUDA, MPI and Python off. Used by
# scripts/sanitize.sh and scripts/fuzz.sh, which share the build. -O1 with line tables: sanitizer
# reports with file:line, asserts on (no NDEBUG), and a build that fits CI's budget on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
command -v ccache > /dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  -DNEUROMESH_WITH_CUDA=OFF -DNEUROMESH_WITH_MPI=OFF -DNEUROMESH_WITH_PYTHON=OFF -DNEUROMESH_BUILD_BENCHMARKS=OFF \
  -DNEUROMESH_SANITIZE=address,undefined -DNEUROMESH_FUZZ=ON "${launcher[@]}" > /dev/null
