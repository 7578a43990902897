#!/usr/bin/env bash
# README command 1: install everything, build, and run the default network (Vogels-Abbott COBA,
# 1 s) writing SONATA output to run.h5, then summarise the file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
./build/apps/neuromesh run vogels_abbott_coba --duration 1000 -o run.h5
./build/apps/neuromesh info run.h5
