#!/bin/bash
# The same shards on one big machine, without a scheduler: N shards, P at a time, T threads each;
# then the merge and fid. (GNU parallel: parallel -j P gan-eval stats ... --shard {}/N ::: $(seq 0 $((N-1))).)
#   REAL=real/ FAKE=fake/ STATS_DIR=stats N=8 P=4 T=2 examples/slurm/xargs-one-machine.sh
set -euo pipefail
: "${REAL:?set REAL}" "${STATS_DIR:?set STATS_DIR}"
N=${N:-4} P=${P:-2} T=${T:-1} GAN_EVAL=${GAN_EVAL:-gan-eval} FEATURES=${FEATURES:-pixels} KEEP=${KEEP:-0}
export REAL STATS_DIR N T GAN_EVAL FEATURES KEEP
mkdir -p "$STATS_DIR"
# shellcheck disable=SC2016  # expanded by the inner shell
seq 0 $((N - 1)) | xargs -P "$P" -I{} sh -c \
  '$GAN_EVAL stats "$REAL" --shard {}/$N --features $FEATURES --keep $KEEP --threads $T --quiet --out "$STATS_DIR/shard-{}-of-$N.gestats"'
shards=()
for ((i = 0; i < N; i++)); do shards+=("$STATS_DIR/shard-$i-of-$N.gestats"); done
"$GAN_EVAL" merge "${shards[@]}" --out "$STATS_DIR/reference.gestats"
# shellcheck disable=SC2086
if [ -n "${FAKE:-}" ]; then "$GAN_EVAL" fid "$STATS_DIR/reference.gestats" "$FAKE" --features $FEATURES --out "$STATS_DIR/fid"; fi
