#!/usr/bin/env bash
# Benchmark: one controller against N shards on a SLURM cluster, over COUNT hosts (default 1000, 4
# shards). The hosts are throwaway sshd instances on loopback addresses (scripts/dev/fleet-hosts.sh);
# the cluster is one node on this machine (munged, slurmctld, slurmd started here as root, stopped by
# PID at the end), running examples/slurm/ferry-array.sbatch as a job array and then
# `ferry report merge`. Prints medians over RUNS runs (default 3): wall time of the single run and of
# the array (submitted, waited for with squeue) with its merge, Ferry's peak memory in the single run and the largest per-shard peak.
# All shards share this machine's two cores, so the array measures the overhead of sharding (start-up,
# scheduling, merge) rather than a speed-up; on several nodes each shard has its own.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${RUNS:-3}
count=${COUNT:-1000}
shards=${SHARDS:-4}
parallel=${PARALLEL:-32}
ferry="$root/.build/release/ferry"
work=$(mktemp -d /tmp/ferry-shard-bench.XXXXXX)
slurm="$work/slurm"

stop_cluster() {
  local file
  for file in "$slurm/slurmd.pid" "$slurm/slurmctld.pid" "$slurm/munge/munged.pid"; do
    [ -f "$file" ] && kill "$(cat "$file")" 2>/dev/null || true
  done
}
cleanup() { stop_cluster; stop_fleet_hosts; sleep 1; rm -rf "$work"; }
trap cleanup EXIT
# shellcheck source=scripts/dev/fleet-hosts.sh
. "$root/scripts/dev/fleet-hosts.sh"
start_fleet_hosts "$count"
head -n "$count" "$work/all-hosts" > "$work/hosts"
echo "run true" > "$work/s.scr"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mkdir -p "$slurm/state" "$slurm/spool" "$slurm/munge"
chmod 700 "$slurm/munge"
head -c 1024 /dev/urandom > "$slurm/munge/munge.key"
chmod 400 "$slurm/munge/munge.key"
cat > "$slurm/slurm.conf" <<CONF
ClusterName=ferrybench
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$slurm/munge/munge.socket
StateSaveLocation=$slurm/state
SlurmdSpoolDir=$slurm/spool
SlurmctldPidFile=$slurm/slurmctld.pid
SlurmdPidFile=$slurm/slurmd.pid
SlurmctldLogFile=$slurm/slurmctld.log
SlurmdLogFile=$slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
MpiDefault=none
MailProg=/bin/true
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
NodeName=benchnode NodeAddr=127.0.0.1 CPUs=$((shards * 2)) State=UNKNOWN
PartitionName=bench Nodes=benchnode Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$slurm/slurm.conf"
/usr/sbin/munged --force --key-file="$slurm/munge/munge.key" --socket="$slurm/munge/munge.socket" \
  --pid-file="$slurm/munge/munged.pid" --log-file="$slurm/munge/munged.log" --seed-file="$slurm/munge/seed"
/usr/sbin/slurmctld -i
/usr/sbin/slurmd -N benchnode
for _ in $(seq 1 100); do sinfo -h -o %t | grep -q idle && break; sleep 0.2; done

# Each shard's Ferry under /usr/bin/time, its peak memory in a file named by the task.
cat > "$work/timed-ferry" <<WRAP
#!/bin/sh
exec /usr/bin/time -f %M -o "$work/peak-\${SLURM_ARRAY_JOB_ID}-\${SLURM_ARRAY_TASK_ID}" "$ferry" "\$@"
WRAP
chmod +x "$work/timed-ferry"

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
options="-i $work/id_ed25519 --known-hosts $work/known_hosts --parallel $parallel"
single_walls=() single_peaks=() array_walls=() array_peaks=() spans=()
for _ in $(seq 1 "$runs"); do
  start=$(date +%s.%N)
  # shellcheck disable=SC2086 # options is a list of words
  /usr/bin/time -f %M -o "$work/single-peak" "$ferry" -batch -b "$work/s.scr" --hosts "$work/hosts" \
    --diagnostics "$work/single" $options > /dev/null || true
  single_walls+=("$(echo "$(date +%s.%N) - $start" | bc)")
  single_peaks+=("$(( $(cat "$work/single-peak") / 1024 ))")

  start=$(date +%s.%N)
  job=$(cd "$work" && FERRY="$work/timed-ferry" HOSTS="$work/hosts" SCRIPT="$work/s.scr" \
    DIAGNOSTICS="$work/diagnostics" FERRY_OPTIONS="$options" \
    sbatch --parsable --array="1-$shards" --cpus-per-task=1 "$root/examples/slurm/ferry-array.sbatch")
  job=${job%%;*}
  # sbatch --wait polls at growing intervals (tens of seconds here); squeue is asked every 0.2 s.
  while [ -n "$(squeue -h -j "$job" 2>/dev/null)" ]; do sleep 0.2; done
  "$ferry" report merge "$work/diagnostics/$job" > "$work/merge.out" || true
  array_walls+=("$(echo "$(date +%s.%N) - $start" | bc)")
  merged=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(len(r['hosts']), r['summary'].get('ok', 0))" \
    "$work/diagnostics/$job/report.json")
  [ "$merged" = "$count $count" ] || { echo "merge of job $job: $merged (hosts, ok); expected $count $count" >&2; exit 1; }
  spans+=("$(python3 -c "
import json, sys, glob, datetime
def t(x): return datetime.datetime.fromisoformat(x.replace('Z', '+00:00')).timestamp()
reports = [json.load(open(f)) for f in glob.glob(sys.argv[1] + '/shard-*/report.json')]
print('%.1f' % (max(t(r['finished']) for r in reports) - min(t(r['started']) for r in reports)))" "$work/diagnostics/$job")")
  largest=0
  for file in "$work/peak-$job-"*; do peak=$(( $(cat "$file") / 1024 )); [ "$peak" -gt "$largest" ] && largest=$peak; done
  array_peaks+=("$largest")
done

printf '%s hosts, %s runs (medians), %s hosts at once per controller\n' "$count" "$runs" "$parallel"
printf '  one controller:        %6.2f s wall, peak %s MiB\n' "$(median "${single_walls[@]}")" "$(median "${single_peaks[@]}")"
printf '  %s SLURM shards + merge: %6.2f s wall, largest shard peak %s MiB (every host merged once, ok)\n' \
  "$shards" "$(median "${array_walls[@]}")" "$(median "${array_peaks[@]}")"
printf '  of which the shards ran: %6.1f s from the first start to the last end (the rest is scheduling and the merge)\n' \
  "$(median "${spans[@]}")"
