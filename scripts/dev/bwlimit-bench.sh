#!/usr/bin/env bash
# Benchmark of transfer caps: how close the rate comes to the cap, and how evenly hosts share it.
# Every host is a throwaway local sshd behind its own scripts/dev/wan-relay.c (20 ms each way,
# 125 MB/s: far faster than the caps measured, so the cap is what the times show).
#
# 1. One host, one get of CAP x 8 seconds' worth, under each cap in CAPS (default "4M 16M"): Ferry's
#    --bwlimit against OpenSSH sftp -l and lftp's net:limit-rate, RUNS runs each (default 3). Prints
#    each tool's median rate from its wall time (connecting included) and its ratio to the cap, and
#    Ferry's rate over the get alone (its duration in the report).
# 2. HOSTS hosts (default 4) with 2 streams each, each getting SHARE_MIB (default 48 MiB), under one
#    --bwlimit FLEET_CAP (default 16M) for the run: the total rate against the cap, the most any 10 s
#    window carried (from --events progress), and the spread between hosts (the bytes of the host that
#    had moved most over the one that had moved least, when the first host finished). Against it, the
#    wrapper way: one sftp -l per host at FLEET_CAP / HOSTS each, all at once.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${RUNS:-3}
caps=${CAPS:-"4M 16M"}
hosts=${HOSTS:-4}
share_mib=${SHARE_MIB:-48}
fleet_cap=${FLEET_CAP:-16M}
work=$(mktemp -d /tmp/ferry-bwbench.XXXXXX)
relays=()
cleanup() {
  for pid in "${relays[@]}"; do kill "$pid" 2>/dev/null || true; done
  kill "$(cat "$work/sshd/sshd.pid" 2>/dev/null)" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
eval "$("$root/scripts/dev/throwaway-sshd.sh" "$work/sshd")"
ferry="$root/.build/release/ferry"
"${CC:-cc}" -O2 -pthread -o "$work/wan-relay" "$root/scripts/dev/wan-relay.c"
bytes() { python3 -c "import sys; u={'K':1<<10,'M':1<<20,'G':1<<30}; t=sys.argv[1]; print(int(float(t[:-1])*u[t[-1]]) if t[-1] in u else int(t))" "$1"; }

# One relay per host; the hosts file names each by its relay's port.
ports=()
: > "$work/hosts"
for _ in $(seq 1 "$hosts"); do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$work/wan-relay" "$port" "$PORT" 20 125000000 &
  relays+=($!)
  ports+=("$port")
  echo "root@127.0.0.1:$port" >> "$work/hosts"
  sed -n "s/^\[127.0.0.1\]:$PORT /[127.0.0.1]:$port /p" "$KNOWN_HOSTS" >> "$work/known_hosts"
done
cat "$work/known_hosts" >> "$KNOWN_HOSTS"
sleep 0.3
remote="$work/remote"; local="$work/local"
mkdir -p "$remote" "$local"
ssh_cmd="ssh -a -x -i $KEY -o UserKnownHostsFile=$KNOWN_HOSTS -o BatchMode=yes"
median() { python3 -c 'import sys,statistics; v=[float(x) for x in sys.stdin.read().split()]; print(f"{statistics.median(v):.3f}")'; }

echo "1. one host, rate against the cap (median of $runs runs)"
printf '%-8s %-10s %14s %14s %14s %14s   %s\n' cap size "ferry MiB/s" "sftp -l MiB/s" "lftp MiB/s" "ferry get only" \
  "rate/cap: ferry sftp lftp, ferry's get"
for cap in $caps; do
  rate=$(bytes "$cap")
  size=$((rate * 8))
  head -c "$size" /dev/urandom > "$remote/file.bin"
  kbits=$((rate * 8 / 1024))
  declare -A took=()
  alone=()
  for tool in ferry sftp lftp; do
    times=()
    for _ in $(seq 1 "$runs"); do
      rm -f "$local/file.bin"
      start=$(date +%s.%N)
      case $tool in
        ferry) (cd "$local" && printf 'get %s/file.bin\n' "$remote" > "$work/get.scr" &&
                "$ferry" -batch -P "${ports[0]}" -i "$KEY" --known-hosts "$KNOWN_HOSTS" --bwlimit "$cap" -b "$work/get.scr" \
                  --diagnostics "$work/single" root@127.0.0.1 >/dev/null)
               # The get alone, without connecting: from the report.
               alone+=("$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hosts"][0]["commands"][0]["duration_seconds"])' \
                 "$(ls -td "$work"/single/*/ | head -n 1)report.json")") ;;
        sftp) (cd "$local" && sftp -q -l "$kbits" -P "${ports[0]}" -i "$KEY" -o UserKnownHostsFile="$KNOWN_HOSTS" -b "$work/get.scr" root@127.0.0.1 >/dev/null) ;;
        lftp) (cd "$local" && lftp -c "set sftp:connect-program '$ssh_cmd'; set xfer:clobber on; set net:limit-rate $rate;
                  open -u root, -p ${ports[0]} sftp://127.0.0.1; get $remote/file.bin" >/dev/null) ;;
      esac
      end=$(date +%s.%N)
      cmp -s "$local/file.bin" "$remote/file.bin" || { echo "  $tool: the copy differs" >&2; exit 1; }
      times+=("$(echo "$end - $start" | bc)")
    done
    took[$tool]=$(printf '%s\n' "${times[@]}" | median)
    echo "  $cap $tool: ${times[*]} s" >&2
  done
  got_alone=$(printf '%s\n' "${alone[@]}" | median)
  python3 - "$cap" "$rate" "$size" "${took[ferry]}" "${took[sftp]}" "${took[lftp]}" "$got_alone" <<'EOF'
import sys
cap, rate, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rates = [size / float(t) for t in sys.argv[4:]]
print(f"{cap:<8} {size >> 20:>6} MiB " + " ".join(f"{r / 2**20:14.2f}" for r in rates)
      + "   " + " ".join(f"{r / rate:.3f}" for r in rates))
EOF
done

echo
echo "2. $hosts hosts x 2 streams, $share_mib MiB each, under --bwlimit $fleet_cap for the run (median of $runs runs)"
head -c $((share_mib * 1024 * 1024)) /dev/urandom > "$remote/share.bin"
printf 'lcd {host}\nget %s/share.bin\n' "$remote" > "$work/share.scr"
cap_bytes=$(bytes "$fleet_cap")
: > "$work/fleet.txt"
for run in $(seq 1 "$runs"); do
  rm -rf "${local:?}"/*
  (cd "$local" && "$ferry" -batch -b "$work/share.scr" --hosts "$work/hosts" -i "$KEY" --known-hosts "$KNOWN_HOSTS" \
    --bwlimit "$fleet_cap" --streams 2 --connections 2 --events "$work/events.jsonl" --diagnostics "$work/diag" >/dev/null)
  python3 - "$work/events.jsonl" "$cap_bytes" "$((share_mib * 1024 * 1024))" >> "$work/fleet.txt" <<'EOF'
import json, sys
from datetime import datetime
cap, share = int(sys.argv[2]), int(sys.argv[3])
events = [json.loads(line) for line in open(sys.argv[1])]
when = lambda e: datetime.fromisoformat(e["time"].replace("Z", "+00:00")).timestamp()
starts = [when(e) for e in events if e["event"] == "command-start" and e["command"].startswith("get")]
ends = sorted((when(e), e["host"]) for e in events if e["event"] == "command-end" and e["command"].startswith("get"))
hosts = sorted({h for _, h in ends})
# Each host's bytes over time: its progress events, and its whole share at its end.
series = {h: [(min(starts), 0)] for h in hosts}
for e in events:
    if e["event"] == "progress":
        series[e["host"]].append((when(e), e["bytes"]))
for t, h in ends:
    series[h].append((t, share))
def at(h, t):
    points = sorted(series[h])
    before = [p for p in points if p[0] <= t]
    after = [p for p in points if p[0] > t]
    if not before: return 0
    if not after: return before[-1][1]
    (t0, b0), (t1, b1) = before[-1], after[0]
    return b0 + (b1 - b0) * (t - t0) / (t1 - t0)
total = lambda t: sum(at(h, t) for h in hosts)
first, last = min(starts), ends[-1][0]
rate = share * len(hosts) / (last - first)
windows = [(total(t + 10) - total(t)) / (10 * cap) for t in [first + i * 0.25 for i in range(int((last - first - 10) / 0.25) + 1)]]
done_first = ends[0][0]
moved = [at(h, done_first) for h in hosts]
print(f"{rate / cap:.3f} {max(windows) if windows else float('nan'):.3f} {max(moved) / max(1, min(moved)):.3f} {last - first:.2f}")
EOF
  echo "  ferry run $run: $(tail -n 1 "$work/fleet.txt") (rate/cap, most in 10 s / cap x 10 s, spread, seconds)" >&2
done
# The wrapper way: a per-host cap of FLEET_CAP / HOSTS with sftp -l, all hosts at once.
kbits=$((cap_bytes / hosts * 8 / 1024))
wrapper=()
for run in $(seq 1 "$runs"); do
  rm -rf "${local:?}"/*
  printf 'get %s/share.bin\n' "$remote" > "$work/share.sftp"
  start=$(date +%s.%N)
  copies=()
  for port in "${ports[@]}"; do
    mkdir -p "$local/$port"
    (cd "$local/$port" && sftp -q -l "$kbits" -P "$port" -i "$KEY" -o UserKnownHostsFile="$KNOWN_HOSTS" -b "$work/share.sftp" root@127.0.0.1 >/dev/null) &
    copies+=($!)
  done
  wait "${copies[@]}"
  end=$(date +%s.%N)
  wrapper+=("$(python3 -c "print(f'{$share_mib * 2**20 * $hosts / ($end - $start) / $cap_bytes:.3f}')")")
done
python3 - "$work/fleet.txt" "${wrapper[@]}" <<'EOF'
import statistics, sys
rows = [list(map(float, line.split())) for line in open(sys.argv[1])]
column = lambda i: statistics.median(r[i] for r in rows)
print(f"ferry --bwlimit:          total rate / cap {column(0):.3f}; most in any 10 s / cap x 10 s {column(1):.3f};"
      f" spread between hosts {column(2):.2f}x; {column(3):.1f} s")
print(f"one sftp -l per host:     total rate / cap {statistics.median(map(float, sys.argv[2:])):.3f}"
      " (each host held to cap / hosts, whatever the others do)")
EOF
