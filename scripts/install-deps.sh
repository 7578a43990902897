#!/usr/bin/env bash
# Installs everything neuromesh needs to build and test, from Debian's packages and PyPI.
# clang and libclang-rt-14-dev (libFuzzer, the sanitizer runtimes) are for scripts/sanitize.sh and
# scripts/fuzz.sh. Used by README's two commands and by .ci/run, so all three stay in step.
set -euo pipefail
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake ninja-build pkg-config clang-format git ccache \
  clang libclang-rt-14-dev \
  libhdf5-dev hdf5-tools libboost-graph-dev openmpi-bin libopenmpi-dev \
  libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev >/dev/null
python3 -m pip install -q --disable-pip-version-check numpy h5py pytest jsonschema matplotlib tqdm \
  pybind11 scikit-build-core libsonata neo nixio nest-simulator scipy nir pynn==0.13.0 bmtk
