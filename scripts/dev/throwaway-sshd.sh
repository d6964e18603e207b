#!/usr/bin/env bash
# Starts a throwaway OpenSSH sshd on a free loopback port for demos and benchmarks.
# Usage: throwaway-sshd.sh DIR   (prints shell assignments: PORT, KEY, KNOWN_HOSTS, PIDFILE)
# The server runs as root's sshd with keys and config inside DIR; stop it with: kill "$(cat DIR/sshd.pid)".
set -euo pipefail
dir=${1:?usage: throwaway-sshd.sh DIR}
mkdir -p "$dir" /run/sshd
dir=$(cd "$dir" && pwd)
[ -f "$dir/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/host_ed25519" -C ferry-demo-host
[ -f "$dir/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/id_ed25519" -C ferry-demo-user
cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$dir/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_ed25519
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin yes
PasswordAuthentication yes
UsePAM no
StrictModes no
MaxStartups 200
MaxSessions 50
Subsystem sftp internal-sftp
CONF
/usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
for _ in $(seq 50); do [ -s "$dir/sshd.pid" ] && break; sleep 0.1; done
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$dir/host_ed25519.pub")" > "$dir/known_hosts"
echo "PORT=$port"
echo "KEY=$dir/id_ed25519"
echo "KNOWN_HOSTS=$dir/known_hosts"
echo "PIDFILE=$dir/sshd.pid"
