#!/usr/bin/env python3
"""Relays 127.0.0.1:PORT to TARGET_HOST:TARGET_PORT and cuts each connection once LIMIT bytes have come
back from the target: a host whose connection drops in the middle of a transfer. With "stall" as a
fifth argument the connection is kept open instead and nothing more passes either way: a host that
stops answering. With "slow:RATE" instead, nothing is cut and each connection passes at most RATE
bytes a second, either way: a slow link.

With "once" as the last argument only the first connection to reach LIMIT is cut or stalled; the
others pass untouched (a host that comes back). Each connection accepted is logged on standard
output as "accepted N", each cut or stall as "cut N".

With "then:PORT" after "once", the connections after the cut go to that port instead (a host that
comes back as another machine, with another host key).

Usage: cutting_forwarder.py PORT TARGET_HOST TARGET_PORT LIMIT [stall | slow:RATE] [once [then:PORT]]
"""
import select
import socket
import sys
import threading
import time

THEN = int(sys.argv.pop()[5:]) if sys.argv[-1].startswith("then:") else None
ONCE = sys.argv[-1] == "once"
if ONCE:
    sys.argv.pop()
STALL = len(sys.argv) > 5 and sys.argv[5] == "stall"
RATE = float(sys.argv[5][5:]) if len(sys.argv) > 5 and sys.argv[5].startswith("slow:") else None


cuts = 0
lock = threading.Lock()


def take_cut():
    """Whether this connection may be cut: always, or only the first time with "once"."""
    global cuts
    with lock:
        if ONCE and cuts > 0:
            return False
        cuts += 1
        print("cut %d" % cuts, flush=True)
        return True


def relay(client, target_host, target_port, limit):
    upstream = socket.create_connection((target_host, target_port))
    returned = 0
    pair = {client: upstream, upstream: client}
    try:
        while True:
            ready, _, _ = select.select(list(pair), [], [])
            for side in ready:
                data = side.recv(65536)
                if not data:
                    return
                pair[side].sendall(data)
                if RATE:
                    time.sleep(len(data) / RATE)
                if side is upstream:
                    returned += len(data)
                    if returned >= limit and take_cut():
                        while STALL:
                            time.sleep(3600)
                        return
    finally:
        for side in pair:
            try:
                side.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            side.close()


accepted = 0
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen(16)
while True:
    connection, _ = server.accept()
    accepted += 1
    print("accepted %d" % accepted, flush=True)
    port = THEN if THEN and cuts > 0 else int(sys.argv[3])
    threading.Thread(target=relay, args=(connection, sys.argv[2], port, int(sys.argv[4])), daemon=True).start()
