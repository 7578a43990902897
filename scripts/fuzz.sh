#!/usr/bin/env bash
# Runs the libFuzzer targets (tests/fuzz) from the ASan + UBSan build in ./build-sanitize:
#   scripts/fuzz.sh                 CI's smoke run: a fixed number of executions per target
#   scripts/fuzz.sh RUNS [TARGET]   e.g. the long run recorded in docs/reliability.md: 1000000
# Each target starts from its seed corpus (tests/fuzz/corpus/<target>) and every past finding
# (tests/fuzz/regressions/<target>); inputs it finds new go to build-sanitize/fuzz-findings/<target>/
# corpus, never into the repository. A crash, a UB report, a leak, an input taking over 10 s (a
# hang) or over 2 GiB fails the run; libFuzzer saves the input in build-sanitize/fuzz-findings/
# <target>/ -- copy it into tests/fuzz/regressions/<target>/ with the fix, so that ctest's
# fuzz_replay_<target> keeps it fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
# Smoke-run executions per target: under a minute each on CI's 2 cores (docs/reliability.md).
declare -A smoke_runs=([network_json]=100000 [sonata_reader]=15000 [spike_codec]=300000)
# Longest input: the sonata builder uses at most 64 operations; 1 KiB covers them.
declare -A max_len=([network_json]=4096 [sonata_reader]=1024 [spike_codec]=4096)
runs=${1:-}
targets=(network_json sonata_reader spike_codec)
[ -n "${2:-}" ] && targets=("$2")
[ -f build-sanitize/build.ninja ] || bash scripts/sanitize-config.sh
cmake --build build-sanitize -j "$(nproc)" --target "${targets[@]/#/fuzz_}"
for t in "${targets[@]}"; do
  n=${runs:-${smoke_runs[$t]}}
  findings=build-sanitize/fuzz-findings/$t
  scratch=$findings/corpus  # new inputs of this run (merge them into the seed corpus with -merge=1)
  rm -rf "$scratch" && mkdir -p "$scratch"
  echo "fuzz_$t: $n executions"
  start=$(date +%s)
  if ! "build-sanitize/tests/fuzz/fuzz_$t" "$scratch" "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t" \
      -runs="$n" -timeout=10 -rss_limit_mb=2048 -max_len="${max_len[$t]}" -print_final_stats=1 \
      -artifact_prefix="$findings/" > "$findings/log.txt" 2>&1; then
    tail -n 60 "$findings/log.txt"
    echo "fuzz_$t: FAILED after $(($(date +%s) - start)) s; the input is in $findings/ (see scripts/fuzz.sh)"
    exit 1
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+.*DONE" "$findings/log.txt" || true
  echo "fuzz_$t: ok, $(($(date +%s) - start)) s, corpus $(find "$scratch" "tests/fuzz/corpus/$t" -type f | wc -l) files"
done
