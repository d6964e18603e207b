#!/usr/bin/env bash
# Demo: starts a throwaway sshd on loopback, fills a fake /backup folder, and runs
# scripts/pull.scr against it with psftp's options; then runs scripts/fleet-check.scr on two saved
# sessions at once (both reach the same sshd). Everything lives in a temporary folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/ferry-demo.XXXXXX)
trap 'kill "$(cat "$work/sshd/sshd.pid" 2>/dev/null)" 2>/dev/null || true' EXIT
eval "$("$root/scripts/dev/throwaway-sshd.sh" "$work/sshd")"
mkdir -p "$work/backup" "$work/local"
for name in db-mon db-tue db-wed; do head -c 2000000 /dev/urandom > "$work/backup/$name.tar.gz"; done
echo "not a backup" > "$work/backup/README"
sed "s#^cd .*#cd $work/backup#; s#^lcd .*#lcd $work/local#" "$root/scripts/pull.scr" > "$work/pull.scr"
echo "== $work/pull.scr"; cat "$work/pull.scr"
mkdir -p "$work/sessions"
sed "s#^port: .*#port: $PORT#; s#^identity: .*#identity: $KEY#; s#^known-hosts: .*#known-hosts: $KNOWN_HOSTS#" \
  "$root/sessions/demo.yaml" > "$work/sessions/demo.yaml"
echo "== session demo"; cat "$work/sessions/demo.yaml"
set -x
"$root/.build/release/ferry" -batch --sessions "$work/sessions" -load demo -b "$work/pull.scr" -bc -be
set +x
echo "== exit status 0; local folder now holds:"; ls -l "$work/local"
echo
sed "s#^host: .*#host: localhost#" "$work/sessions/demo.yaml" > "$work/sessions/demo-b.yaml"
echo "[localhost]:$PORT $(cut -d' ' -f1,2 "$work/sshd/host_ed25519.pub")" >> "$KNOWN_HOSTS"
set -x
(cd "$work/local" && "$root/.build/release/ferry" --sessions "$work/sessions" -load demo -load demo-b \
  -b "$root/scripts/fleet-check.scr" --gather)
set +x
echo "== each host's files:"; ls -R "$work/local/demo" "$work/local/demo-b"
