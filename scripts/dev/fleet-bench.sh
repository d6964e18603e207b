#!/usr/bin/env bash
# Benchmark: Ferry against parallel-ssh (Debian pssh) running one command on many hosts, in one run.
# The hosts are throwaway sshd instances on loopback addresses (sshd listens on at most 16 addresses,
# so one instance per 16 hosts). For 50 and 200 targets and the commands `true` and `sleep 1`, prints
# each tool's median wall time over RUNS runs (default 3), the ratio, and Ferry's peak memory.
# Both tools run PARALLEL hosts at once (default 32, the default of both).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${RUNS:-3}
parallel=${PARALLEL:-32}
counts=${COUNTS:-"50 200"}
ferry="$root/.build/release/ferry"
work=$(mktemp -d /tmp/ferry-fleet-bench.XXXXXX)
cleanup() { for pid in "$work"/sshd-*/sshd.pid; do kill "$(cat "$pid")" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$work/host_key" -C ferry-bench-host
ssh-keygen -q -t ed25519 -N '' -f "$work/id_ed25519" -C ferry-bench-user
cp "$work/id_ed25519.pub" "$work/authorized_keys"
max=$(echo "$counts" | tr ' ' '\n' | sort -n | tail -1)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
: > "$work/known_hosts"
: > "$work/all-hosts"
instances=$(( (max + 15) / 16 ))
for i in $(seq 1 "$instances"); do
  dir="$work/sshd-$i"; mkdir -p "$dir"
  {
    echo "Port $port"; echo "HostKey $work/host_key"; echo "PidFile $dir/sshd.pid"
    echo "AuthorizedKeysFile $work/authorized_keys"; echo "PermitRootLogin yes"; echo "UsePAM no"
    echo "StrictModes no"; echo "MaxStartups 400"; echo "Subsystem sftp internal-sftp"
    for j in $(seq 1 16); do
      address="127.0.$((i + 10)).$j"
      echo "ListenAddress $address"
      echo "[$address]:$port $(cut -d' ' -f1,2 "$work/host_key.pub")" >> "$work/known_hosts"
      echo "root@$address:$port" >> "$work/all-hosts"
    done
  } > "$dir/sshd_config"
  /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
done
sleep 1

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf 'run-on-many-hosts benchmark: %s runs each, %s hosts at once; median wall seconds\n' "$runs" "$parallel"
printf '%-22s %9s %9s %9s %16s\n' task ferry pssh ratio "ferry peak RSS"
for count in $counts; do
  head -n "$count" "$work/all-hosts" > "$work/hosts-$count"
  for command in true "sleep 1"; do
    printf 'run %s\n' "$command" > "$work/script.scr"
    ferry_times=(); pssh_times=(); peak=0
    for _ in $(seq 1 "$runs"); do
      rm -rf "$work/diagnostics"
      start=$(date +%s.%N)
      (cd "$work" && /usr/bin/time -f '%M' -o "$work/rss" "$ferry" -b script.scr --hosts "hosts-$count" \
        --parallel "$parallel" -i "$work/id_ed25519" --known-hosts "$work/known_hosts" > "$work/ferry.out" 2>&1) \
        || { echo "ferry failed: $(tail -3 "$work/ferry.out")" >&2; }
      end=$(date +%s.%N)
      ferry_times+=("$(echo "$end - $start" | bc)")
      rss=$(cat "$work/rss"); [ "$rss" -gt "$peak" ] && peak=$rss
      start=$(date +%s.%N)
      parallel-ssh -h "$work/hosts-$count" -p "$parallel" -t 0 -x "-i $work/id_ed25519" \
        -O UserKnownHostsFile="$work/known_hosts" -O BatchMode=yes "$command" > "$work/pssh.out" 2>&1 \
        || { echo "pssh failed: $(grep -c FAILURE "$work/pssh.out") hosts" >&2; }
      end=$(date +%s.%N)
      pssh_times+=("$(echo "$end - $start" | bc)")
    done
    f=$(median "${ferry_times[@]}"); p=$(median "${pssh_times[@]}")
    printf '%-22s %9.2f %9.2f %9.2f %13s MiB\n' "$count hosts, $command" "$f" "$p" "$(echo "$f / $p" | bc -l)" \
      "$(echo "$peak / 1024" | bc)"
  done
done
