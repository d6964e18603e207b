#!/usr/bin/env bash
# Benchmark: Ferry against OpenSSH sftp, psftp and lftp on a throwaway local sshd, in one run.
# Measures a 1 GiB get, a 1 GiB put and an mget of 2,000 files of 4 KiB on loopback, and a 128 MiB get
# and put through scripts/dev/wan-relay.c (20 ms each way, 125 MB/s: a WAN stand-in, where lftp gets
# with `pget -n 4`); prints each tool's median wall time over RUNS runs (default 3) and its ratio to
# Ferry's, then each tool's median CPU time (user + system, its children included: sftp's ssh, lftp's
# ssh) and peak memory. Every tool writes to a fresh file. TASKS picks some of: get put mget wanget wanput.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${RUNS:-3}
limit=${LIMIT:-300}   # seconds one run may take; a slower run is reported as "timeout"
size_mib=${SIZE_MIB:-1024}
files=${FILES:-2000}
wan_mib=${WAN_MIB:-128}
work=$(mktemp -d /tmp/ferry-bench.XXXXXX)
trap 'kill "$(cat "$work/sshd/sshd.pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT
eval "$("$root/scripts/dev/throwaway-sshd.sh" "$work/sshd")"
ferry="$root/.build/release/ferry"
fingerprint=$(ssh-keygen -lf "$work/sshd/host_ed25519.pub" | cut -d' ' -f2)
puttygen "$KEY" -O private -o "$work/key.ppk" >/dev/null
remote="$work/remote"; local="$work/local"
mkdir -p "$remote/small" "$local"
echo "preparing: ${size_mib} MiB file and $files files of 4 KiB"
head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$remote/big.bin"
cp "$remote/big.bin" "$work/upload.bin"
for i in $(seq 1 "$files"); do head -c 4096 /dev/urandom > "$remote/small/f$i.dat"; done
head -c $((wan_mib * 1024 * 1024)) /dev/urandom > "$remote/wan.bin"
cp "$remote/wan.bin" "$work/wan-upload.bin"

# The WAN stand-in: a relay on loopback that delays and rate-limits each direction.
"${CC:-cc}" -O2 -pthread -o "$work/wan-relay" "$root/scripts/dev/wan-relay.c"
relay_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$work/wan-relay" "$relay_port" "$PORT" 20 125000000 &
relay_pid=$!
trap 'kill "$relay_pid" 2>/dev/null; kill "$(cat "$work/sshd/sshd.pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT
sed "s/^\[127.0.0.1\]:$PORT /[127.0.0.1]:$relay_port /" "$KNOWN_HOSTS" > "$work/relay_known_hosts"
cat "$work/relay_known_hosts" >> "$KNOWN_HOSTS"

ssh_cmd="ssh -a -x -i $KEY -o UserKnownHostsFile=$KNOWN_HOSTS -o BatchMode=yes"
printf 'get %s/big.bin\n' "$remote" > "$work/get.scr"
printf 'lcd %s\nput %s/upload.bin %s/uploaded.bin\n' "$work" "$work" "$remote" > "$work/put.scr"
printf 'cd %s/small\nmget *\n' "$remote" > "$work/mget.scr"
# lftp spells a put with another remote name differently.
printf 'put %s/upload.bin -o %s/uploaded.bin\n' "$work" "$remote" > "$work/put.lftp.scr"
printf 'get %s/wan.bin\n' "$remote" > "$work/wanget.scr"
printf 'pget -n 4 %s/wan.bin\n' "$remote" > "$work/wanget.lftp.scr"
printf 'put %s/wan-upload.bin %s/uploaded.bin\n' "$work" "$remote" > "$work/wanput.scr"
printf 'put %s/wan-upload.bin -o %s/uploaded.bin\n' "$work" "$remote" > "$work/wanput.lftp.scr"

run_tool() { # tool script port -> runs it in $local; the last line of $work/usage: user, system, peak KiB
  local tool=$1 script=$2 port=$3
  local measured=(/usr/bin/time -o "$work/usage" -f '%U %S %M' timeout "$limit")
  case $tool in
    ferry) "${measured[@]}" "$ferry" -batch -P "$port" -i "$KEY" --known-hosts "$KNOWN_HOSTS" -b "$script" root@127.0.0.1 ;;
    sftp) "${measured[@]}" sftp -q -b "$script" -P "$port" -i "$KEY" -o UserKnownHostsFile="$KNOWN_HOSTS" root@127.0.0.1 ;;
    psftp) "${measured[@]}" psftp -batch -P "$port" -i "$work/key.ppk" -hostkey "$fingerprint" -b "$script" root@127.0.0.1 ;;
    lftp) "${measured[@]}" lftp -c "set sftp:connect-program '$ssh_cmd'; set xfer:clobber on; set cmd:fail-exit yes;
                   open -u root, -p $port sftp://127.0.0.1; source ${script%.scr}$([ -f "${script%.scr}.lftp.scr" ] && echo .lftp).scr" ;;
  esac
}

clean() { rm -rf "${local:?}"/* "$remote/uploaded.bin"; sync; }

median() { python3 -c 'import sys,statistics; w=[x.strip() for x in sys.stdin if x.strip()]; v=[float(x) for x in w if x not in ("nan","timeout")]; print(f"{statistics.median(v):.3f}" if len(v)*2>len(w) else ("timeout" if "timeout" in w else "nan"))'; }

declare -A results cpu peak
tasks=${TASKS:-"get put mget wanget wanput"}
for task in $tasks; do
  port=$PORT; case $task in wan*) port=$relay_port ;; esac
  for tool in ferry sftp psftp lftp; do
    times=(); cpus=(); peaks=()
    for _ in $(seq 1 "$runs"); do
      clean
      start=$(date +%s.%N)
      if (cd "$local" && run_tool "$tool" "$work/$task.scr" "$port" >/dev/null 2>"$work/err"); then :; else
        status=$?
        if [ $status = 124 ]; then
          echo "  $task $tool: over ${limit}s, stopped; its other runs are skipped" >&2; times+=(timeout); break
        else echo "  $task $tool failed: $(head -c 300 "$work/err")" >&2; times+=(nan); fi
        continue
      fi
      end=$(date +%s.%N)
      times+=("$(echo "$end - $start" | bc)")
      read -r user system kib < <(tail -n 1 "$work/usage")
      cpus+=("$(echo "$user + $system" | bc)"); peaks+=("$(echo "scale=1; $kib / 1024" | bc)")
    done
    results[$task,$tool]=$(printf '%s\n' "${times[@]}" | median)
    cpu[$task,$tool]=$(printf '%s\n' "${cpus[@]}" | median)
    peak[$task,$tool]=$(printf '%s\n' "${peaks[@]}" | median)
    echo "  $task $tool: ${times[*]} -> median ${results[$task,$tool]} s"
  done
done

table() { # title, name of the array -> one line per task with Ferry's ratio to each tool
  local -n values=$2
  echo
  echo "$1"
  printf '%-28s %8s %8s %8s %8s   %s\n' task ferry sftp psftp lftp "ferry/sftp ferry/psftp ferry/lftp"
  for task in $tasks; do
    label=$task; [ $task = get ] && label="get ${size_mib} MiB"; [ $task = put ] && label="put ${size_mib} MiB"
    [ $task = mget ] && label="mget $files x 4 KiB"
    [ $task = wanget ] && label="WAN get ${wan_mib} MiB"; [ $task = wanput ] && label="WAN put ${wan_mib} MiB"
    f=${values[$task,ferry]}
    ratios=""
    for tool in sftp psftp lftp; do
      ratios+=$(python3 -c "f,t='$f','${values[$task,$tool]}'; print(f'{float(f)/float(t):10.2f}' if all(x.replace('.','',1).isdigit() for x in (f,t)) else f'{t:>10}')")
    done
    printf '%-28s %8s %8s %8s %8s %s\n' "$label" "$f" "${values[$task,sftp]}" "${values[$task,psftp]}" "${values[$task,lftp]}" "$ratios"
  done
}

table "median wall time over $runs runs (seconds); ratio = Ferry's time / tool's time" results
table "median CPU time, user + system, children included (seconds)" cpu
table "median peak memory of the largest process (MiB)" peak
