#!/usr/bin/env bash
# Demo: starts a throwaway sshd on loopback, fills a fake /backup folder, and runs
# scripts/pull.scr against it with psftp's options. Everything lives in a temporary folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/ferry-demo.XXXXXX)
trap 'kill "$(cat "$work/sshd/sshd.pid" 2>/dev/null)" 2>/dev/null || true' EXIT
eval "$("$root/scripts/dev/throwaway-sshd.sh" "$work/sshd")"
mkdir -p "$work/backup" "$work/local"
for name in db-mon db-tue db-wed; do head -c 2000000 /dev/urandom > "$work/backup/$name.tar.gz"; done
echo "not a backup" > "$work/backup/README"
sed "s#/backup#$work/backup#; s#/srv/backups/db1#$work/local#" "$root/scripts/pull.scr" > "$work/pull.scr"
echo "== $work/pull.scr"; cat "$work/pull.scr"
fingerprint=$(ssh-keygen -lf "$work/sshd/host_ed25519.pub" | cut -d' ' -f2)
set -x
"$root/.build/release/ferry" -batch -P "$PORT" -i "$KEY" -hostkey "$fingerprint" -b "$work/pull.scr" -bc -be root@127.0.0.1
set +x
echo "== exit status 0; local folder now holds:"; ls -l "$work/local"
