#!/bin/bash
# `make cluster-test`: proves examples/slurm on a throw-away one-node Slurm cluster on localhost.
#   1. installs Debian's slurm-wlm and munge if missing (apt-get; services are not started);
#   2. starts munged, slurmctld and slurmd from a configuration under a temporary directory
#      (own ports, own key, own state; /etc/slurm is not touched);
#   3. imports the 60,000 Fashion-MNIST training images (and the 10,000 test images as the
#      "generated" set) once, under gan-eval-out/cluster-test/;
#   4. submits examples/slurm/submit.sh: the 4-task stats array, the dependent merge, the fid;
#   5. waits, checks the merged file equals a single-pass `gan-eval stats` (compare_stats.py)
#      and that fid read it; 6. shuts the daemons down (also on failure or Ctrl-C).
# Safe to run twice: daemons a killed earlier run left behind are found by their pid files
# (and checked by command line) and stopped first. Usage: examples/slurm/cluster-test.sh [BINARY]
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
binary=$(cd "$(dirname "${1:-$repo/.build/release/gan-eval}")" && pwd)/$(basename "${1:-gan-eval}")
work=$repo/gan-eval-out/cluster-test
pids=$work/daemons.pids
started=$(date +%s)
mkdir -p "$work"

stop_daemons() {
  [ -f "$pids" ] || return 0
  if [ -n "${SLURM_CONF:-}" ] && [ -f "$SLURM_CONF" ]; then scontrol shutdown >/dev/null 2>&1 || true; fi
  while read -r pid name; do
    # only a process of ours: its command line names the daemon and our temporary configuration
    if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$name.*gan-eval-slurm"; then
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done <"$pids"
  rm -f "$pids"
}
cleanup() {
  status=$?
  stop_daemons
  [ -n "${tmp:-}" ] && rm -rf "$tmp"
  exit $status
}

stop_daemons  # a previous run killed before its trap ran
tmp=$(mktemp -d /tmp/gan-eval-slurm.XXXXXX)
trap cleanup EXIT INT TERM

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  echo "installing slurm-wlm and munge (Debian packages)" >&2
  sudo=$(command -v sudo || true)
  $sudo apt-get update -qq
  # policy-rc.d 101: the packages' services are not started (we start our own throw-away daemons)
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null && $sudo chmod +x /usr/sbin/policy-rc.d && added_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends slurm-wlm munge >&2
  [ -n "${added_policy:-}" ] && $sudo rm -f /usr/sbin/policy-rc.d
fi

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
host=$(hostname -s)
ctld_port=$(free_port)
slurmd_port=$(free_port)
mkdir -p "$tmp/state" "$tmp/spool" "$tmp/munge"
head -c 1024 /dev/urandom >"$tmp/munge/munge.key"
chmod 700 "$tmp/munge" && chmod 400 "$tmp/munge/munge.key"
node=$(slurmd -C | head -1)  # the node as slurmd sees it: NodeName=<host> CPUs=… RealMemory=…
cat >"$tmp/slurm.conf" <<CONF
ClusterName=gan-eval-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/munge.sock
SlurmUser=$(id -un)
SlurmdUser=$(id -un)
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
MailProg=/bin/true
SchedulerParameters=defer_batch
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$tmp/slurm.conf

munged --socket="$tmp/munge/munge.sock" --key-file="$tmp/munge/munge.key" --pid-file="$tmp/munge/munged.pid" \
  --log-file="$tmp/munge/munged.log" --seed-file="$tmp/munge/munged.seed" --force
echo "$(cat "$tmp/munge/munged.pid") munged" >>"$pids"
slurmctld -f "$SLURM_CONF" -i
for _ in $(seq 100); do [ -s "$tmp/slurmctld.pid" ] && break; sleep 0.1; done
echo "$(cat "$tmp/slurmctld.pid") slurmctld" >>"$pids"
slurmd -f "$SLURM_CONF"
for _ in $(seq 100); do [ -s "$tmp/slurmd.pid" ] && break; sleep 0.1; done
echo "$(cat "$tmp/slurmd.pid") slurmd" >>"$pids"
for i in $(seq 120); do
  state=$(sinfo -h -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  [ "$i" = 120 ] && { echo "the node did not come up (state '$state'); logs: $tmp/slurm*.log" >&2; cat "$tmp"/slurm*.log >&2; exit 1; }
  sleep 0.5
done
echo "one-node cluster up: $(sinfo -h -o '%P %D %T %c CPUs')" >&2

# the data: 60,000 training images as the reference, the 10,000 test images as the generated set
count() { find "$1" -name '*.png' 2>/dev/null | wc -l; }
[ "$(count "$work/fashion-train")" = 60000 ] || "$binary" import "$repo/data/fashion-mnist/train-images-idx3-ubyte.gz" --out "$work/fashion-train" --quiet
[ "$(count "$work/fashion-test")" = 10000 ] || "$binary" import "$repo/data/fashion-mnist/t10k-images-idx3-ubyte.gz" --out "$work/fashion-test" --quiet
rm -rf "$work/stats" && mkdir -p "$work/stats"

export GAN_EVAL=$binary REAL=$work/fashion-train FAKE=$work/fashion-test STATS_DIR=$work/stats N=4 FEATURES=pixels KEEP=2000 SEED=7
ids=$("$repo/examples/slurm/submit.sh" --cpus-per-task=1 --mem=1G)
echo "submitted: $ids" >&2
for i in $(seq 1200); do
  left=$(squeue -h | wc -l)
  [ "$left" = 0 ] && break
  [ "$i" = 1200 ] && { echo "jobs still queued after 10 minutes:" >&2; squeue >&2; exit 1; }
  sleep 0.5
done
for log in "$STATS_DIR"/gan-eval-*.log; do [ -s "$log" ] && { echo "== $log" >&2; cat "$log" >&2; }; done
[ -f "$STATS_DIR/reference.gestats" ] || { echo "the merge job wrote no reference.gestats" >&2; exit 1; }
[ -f "$STATS_DIR/fid/summary.json" ] || { echo "the fid job wrote no fid/summary.json" >&2; exit 1; }

# the check: the merged shards equal one pass over the whole set
"$binary" stats "$REAL" --features pixels --keep 2000 --seed 7 --quiet --out "$work/single.gestats" >/dev/null
python3 "$repo/examples/slurm/compare_stats.py" "$STATS_DIR/reference.gestats" "$work/single.gestats"
python3 - "$STATS_DIR/fid/summary.json" <<'PY'
import json, sys
fd = json.load(open(sys.argv[1]))["results"]["pixels"]["frechet_distance"]
print(f"fid job: FD (pixels) of the 10,000 test images against the merged 60,000-image reference = {fd:.4f}")
PY
echo "cluster-test passed in $(($(date +%s) - started)) s" >&2
