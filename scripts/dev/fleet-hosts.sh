# Sourced by the fleet benchmarks: throwaway sshd instances answering on loopback addresses, one
# instance per 16 hosts (sshd listens on at most 16 addresses), in "$work" (set by the caller).
# start_fleet_hosts COUNT writes $work/all-hosts (root@127.0.X.Y:PORT a line), $work/known_hosts,
# the user key $work/id_ed25519 and sets $port; stop_fleet_hosts stops every instance by its PID.
# The sessions get an empty HOME, so a login costs the server's work and not root's start-up files.

start_fleet_hosts() {
  local count=$1 i j dir address instances
  mkdir -p /run/sshd "$work/home"
  ssh-keygen -q -t ed25519 -N '' -f "$work/host_key" -C ferry-bench-host
  ssh-keygen -q -t ed25519 -N '' -f "$work/id_ed25519" -C ferry-bench-user
  cp "$work/id_ed25519.pub" "$work/authorized_keys"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  : > "$work/known_hosts"
  : > "$work/all-hosts"
  instances=$(( (count + 15) / 16 ))
  for i in $(seq 1 "$instances"); do
    dir="$work/sshd-$i"; mkdir -p "$dir"
    {
      echo "Port $port"; echo "HostKey $work/host_key"; echo "PidFile $dir/sshd.pid"
      echo "AuthorizedKeysFile $work/authorized_keys"; echo "PermitRootLogin yes"; echo "UsePAM no"
      echo "StrictModes no"; echo "MaxStartups 400"; echo "Subsystem sftp internal-sftp"
      echo "SetEnv HOME=$work/home"
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
}

stop_fleet_hosts() {
  local pid
  for pid in "$work"/sshd-*/sshd.pid; do kill "$(cat "$pid")" 2>/dev/null || true; done
}
