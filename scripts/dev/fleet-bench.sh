#!/usr/bin/env bash
# Benchmark: Ferry against parallel-ssh (Debian pssh) running one command on many hosts, in one run.
# The hosts are throwaway sshd instances on loopback addresses (sshd listens on at most 16 addresses,
# so one instance per 16 hosts). Their sessions get an empty HOME, so a login costs the server's
# work and not root's shell start-up files. For each count in COUNTS (default 200 and 1000) and the
# commands `true` and `sleep 1`, prints each tool's median wall time over RUNS runs (default 3),
# the ratio, and each tool's CPU seconds and peak memory (medians). Then, for the largest count,
# Ferry's cost against known_hosts files of 10,000 lines (plain and hashed) beside the same run with
# the key pinned by -hostkey, and OpenSSH's (pssh's) cost with the hashed file.
# Both tools run PARALLEL hosts at once (default 32, the default of both).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${RUNS:-3}
parallel=${PARALLEL:-32}
counts=${COUNTS:-"200 1000"}
extra_lines=${KNOWN_HOSTS_LINES:-10000}
ferry="$root/.build/release/ferry"
work=$(mktemp -d /tmp/ferry-fleet-bench.XXXXXX)
cleanup() { stop_fleet_hosts; rm -rf "$work"; }
trap cleanup EXIT
max=$(echo "$counts" | tr ' ' '\n' | sort -n | tail -1)
# shellcheck source=scripts/dev/fleet-hosts.sh
. "$root/scripts/dev/fleet-hosts.sh"
start_fleet_hosts "$max"

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Runs "$@" RUNS times; sets wall, cpu (user + system, children included) and peak (MiB), medians.
measure() {
  local walls=() cpus=() peaks=()
  for _ in $(seq 1 "$runs"); do
    rm -rf "$work/diagnostics"
    local start end
    start=$(date +%s.%N)
    (cd "$work" && /usr/bin/time -f '%M %U %S' -o "$work/usage" "$@" > "$work/out" 2>&1) \
      || echo "failed: $1: $(tail -2 "$work/out" | tr '\n' ' ')" >&2
    end=$(date +%s.%N)
    walls+=("$(echo "$end - $start" | bc)")
    read -r rss user system < <(tail -1 "$work/usage")
    cpus+=("$(echo "$user + $system" | bc)")
    peaks+=("$((rss / 1024))")
  done
  wall=$(median "${walls[@]}"); cpu=$(median "${cpus[@]}"); peak=$(median "${peaks[@]}")
}

ferry_run() {  # count, then extra options
  local count=$1; shift
  measure "$ferry" -b script.scr --hosts "hosts-$count" --parallel "$parallel" -i "$work/id_ed25519" "$@"
}
pssh_run() {  # count, known_hosts file
  measure parallel-ssh -h "$work/hosts-$1" -p "$parallel" -t 0 -x "-i $work/id_ed25519" \
    -O UserKnownHostsFile="$2" -O BatchMode=yes "$command"
}

printf 'run-on-many-hosts benchmark: %s runs each, %s hosts at once; medians\n' "$runs" "$parallel"
printf '%-22s %8s %8s %7s %10s %10s %10s %10s\n' task "ferry s" "pssh s" ratio "ferry CPU" "pssh CPU" \
  "ferry RSS" "pssh RSS"
for count in $counts; do
  head -n "$count" "$work/all-hosts" > "$work/hosts-$count"
  for command in true "sleep 1"; do
    printf 'run %s\n' "$command" > "$work/script.scr"
    ferry_run "$count" --known-hosts "$work/known_hosts"
    fw=$wall; fc=$cpu; fp=$peak
    pssh_run "$count" "$work/known_hosts"
    printf '%-22s %8.2f %8.2f %7.2f %9.2fs %9.2fs %6s MiB %6s MiB\n' "$count hosts, $command" "$fw" "$wall" \
      "$(echo "$fw / $wall" | bc -l)" "$fc" "$cpu" "$fp" "$peak"
  done
done

# known_hosts of a controller: the hosts' own lines among EXTRA_LINES others, plain and hashed.
python3 - "$work/known_hosts" "$extra_lines" > "$work/known_hosts.big" <<'EOF'
import base64, os, sys
own = open(sys.argv[1]).read().splitlines()
key = own[0].split(" ", 1)[1]
lines = ["[198.51.100.%d]:%d %s" % (n % 250 + 1, 10000 + n, key) for n in range(int(sys.argv[2]))]
step = max(1, len(lines) // (len(own) + 1))
for i, line in enumerate(own):
    lines.insert((i + 1) * step + i, line)
print("\n".join(lines))
EOF
cp "$work/known_hosts.big" "$work/known_hosts.hashed"
ssh-keygen -q -H -f "$work/known_hosts.hashed" > /dev/null 2>&1
rm -f "$work/known_hosts.hashed.old"
fingerprint=$(ssh-keygen -l -E sha256 -f "$work/host_key.pub" | awk '{print $2}')
printf 'run true\n' > "$work/script.scr"
command=true
printf '\nknown_hosts cost, %s hosts, run true: %s other lines; medians\n' "$max" "$extra_lines"
printf '%-40s %8s %10s %10s\n' case "wall s" "CPU" "peak RSS"
ferry_run "$max" -hostkey "$fingerprint" --known-hosts "$work/home/none"
pinned=$cpu
printf '%-40s %8.2f %9.2fs %6s MiB\n' "ferry, -hostkey (no known_hosts)" "$wall" "$cpu" "$peak"
ferry_run "$max" --known-hosts "$work/known_hosts.big"
printf '%-40s %8.2f %9.2fs %6s MiB   (CPU %.2fx the pinned run)\n' "ferry, plain known_hosts" "$wall" "$cpu" \
  "$peak" "$(echo "$cpu / $pinned" | bc -l)"
ferry_run "$max" --known-hosts "$work/known_hosts.hashed"
printf '%-40s %8.2f %9.2fs %6s MiB   (CPU %.2fx the pinned run)\n' "ferry, hashed known_hosts" "$wall" "$cpu" \
  "$peak" "$(echo "$cpu / $pinned" | bc -l)"
head -n "$max" "$work/all-hosts" > "$work/hosts-$max"
pssh_run "$max" "$work/known_hosts.big"
printf '%-40s %8.2f %9.2fs %6s MiB\n' "pssh (OpenSSH), plain known_hosts" "$wall" "$cpu" "$peak"
pssh_run "$max" "$work/known_hosts.hashed"
printf '%-40s %8.2f %9.2fs %6s MiB\n' "pssh (OpenSSH), hashed known_hosts" "$wall" "$cpu" "$peak"
