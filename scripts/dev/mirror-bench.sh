#!/usr/bin/env bash
# Benchmark: Ferry's mirror against `lftp mirror -P 8` and rsync over ssh, on a tree of FILES small
# files (default 10,000 of 1 KiB, in 100 folders) served by a throwaway sshd on loopback. Two cases:
# a fresh mirror into an empty folder, and a re-run that finds nothing changed. Prints each tool's
# median wall time over RUNS runs (default 1) and Ferry's ratio to it. Ferry uses 8 connections, as
# lftp does with -P 8; rsync is one ssh connection running rsync on both ends.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${RUNS:-1}
files=${FILES:-10000}
work=$(mktemp -d /tmp/ferry-mirror-bench.XXXXXX)
trap 'kill "$(cat "$work/sshd/sshd.pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT
eval "$("$root/scripts/dev/throwaway-sshd.sh" "$work/sshd")"
ferry="$root/.build/release/ferry"
echo "preparing: $files files of 1 KiB in 100 folders"
python3 - "$work/tree" "$files" <<'PY'
import os, sys
root, count = sys.argv[1], int(sys.argv[2])
for i in range(count):
    folder = os.path.join(root, "d%02d" % (i % 10), "sub%02d" % (i % 100))
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "f%05d.dat" % i), "wb") as out:
        out.write(os.urandom(1024))
PY
ssh_cmd="ssh -a -x -i $KEY -o UserKnownHostsFile=$KNOWN_HOSTS -o BatchMode=yes -p $PORT"

run_tool() { # tool target
  case $1 in
    ferry) "$ferry" -batch -P "$PORT" -i "$KEY" --known-hosts "$KNOWN_HOSTS" --connections 8 \
             -b <(echo "mirror $work/tree $2") root@127.0.0.1 ;;
    lftp) lftp -c "set sftp:connect-program 'ssh -a -x -i $KEY -o UserKnownHostsFile=$KNOWN_HOSTS -o BatchMode=yes';
                   set cmd:fail-exit yes; open -u root, -p $PORT sftp://127.0.0.1; mirror -P 8 $work/tree $2" ;;
    rsync) rsync -a -e "$ssh_cmd" "root@127.0.0.1:$work/tree/" "$2/" ;;
  esac
}

median() { python3 -c 'import sys,statistics; v=[float(x) for x in sys.stdin if x.strip()]; print(f"{statistics.median(v):.2f}")'; }
declare -A fresh again
for tool in ferry lftp rsync; do
  f=(); a=()
  for _ in $(seq 1 "$runs"); do
    rm -rf "$work/copy"; mkdir -p "$work/copy"; sync
    start=$(date +%s.%N); run_tool $tool "$work/copy" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    f+=("$(echo "$(date +%s.%N) - $start" | bc)")
    diff -r "$work/tree" "$work/copy" >/dev/null || { echo "$tool: the copy differs" >&2; exit 1; }
    start=$(date +%s.%N); run_tool $tool "$work/copy" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    a+=("$(echo "$(date +%s.%N) - $start" | bc)")
  done
  fresh[$tool]=$(printf '%s\n' "${f[@]}" | median); again[$tool]=$(printf '%s\n' "${a[@]}" | median)
  echo "  $tool: fresh ${f[*]} s, re-run ${a[*]} s"
done
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
echo
echo "mirror of $files files, median wall time over $runs run(s) (seconds); ratio = Ferry's time / tool's time"
printf '%-10s %8s %8s %8s   %12s %12s\n' case ferry lftp rsync ferry/lftp ferry/rsync
for case in fresh again; do
  declare -n v=$case
  printf '%-10s %8s %8s %8s   %12s %12s\n' "$([ $case = fresh ] && echo fresh || echo re-run)" "${v[ferry]}" "${v[lftp]}" "${v[rsync]}" \
    "$(ratio "${v[ferry]}" "${v[lftp]}")" "$(ratio "${v[ferry]}" "${v[rsync]}")"
done
