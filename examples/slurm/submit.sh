#!/bin/bash
# Submits the reference statistics of $REAL as an N-task array, the merge after it, and fid of
# $FAKE against the merged file after that; prints the three job ids.
#   REAL=/shared/real STATS_DIR=/shared/stats FAKE=/shared/fake N=16 examples/slurm/submit.sh [extra sbatch options]
# Environment (passed to the jobs): REAL, FAKE, STATS_DIR, N (default 4), FEATURES (default pixels),
# KEEP (default 0), SEED, GAN_EVAL (default gan-eval on the nodes' PATH). Extra arguments go to
# every sbatch (e.g. --partition=gpu --account=lab).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${REAL:?set REAL}" "${STATS_DIR:?set STATS_DIR}" "${FAKE:?set FAKE}"
export N=${N:-4} REAL STATS_DIR FAKE
mkdir -p "$STATS_DIR"
cd "$STATS_DIR"  # the jobs' logs land here
array=$(sbatch --parsable --array="0-$((N - 1))" --export=ALL "$@" "$here/stats-array.sbatch")
merge=$(sbatch --parsable --dependency="afterok:${array%%;*}" --kill-on-invalid-dep=yes --export=ALL "$@" "$here/merge.sbatch")
fid=$(sbatch --parsable --dependency="afterok:${merge%%;*}" --kill-on-invalid-dep=yes --export=ALL "$@" "$here/fid.sbatch")
echo "stats array ${array%%;*}, merge ${merge%%;*}, fid ${fid%%;*}"
