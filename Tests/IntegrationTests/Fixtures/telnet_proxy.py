#!/usr/bin/env python3
"""A minimal Telnet-style proxy for tests: reads one line 'connect HOST PORT', connects, then relays.

Usage: telnet_proxy.py PORT LOGFILE. Each accepted request is appended to LOGFILE as it was received.
"""
import select
import socket
import sys
import threading


def relay(client, log_path):
    line = b""
    while not line.endswith(b"\n"):
        byte = client.recv(1)
        if not byte:
            client.close()
            return
        line += byte
    words = line.decode(errors="replace").split()
    with open(log_path, "a") as log:
        log.write(" ".join(words) + "\n")
    if len(words) != 3 or words[0] != "connect":
        client.sendall(b"bad request\r\n")
        client.close()
        return
    upstream = socket.create_connection((words[1], int(words[2])))
    pair = {client: upstream, upstream: client}
    while True:
        ready, _, _ = select.select(list(pair), [], [])
        for sock in ready:
            data = sock.recv(65536)
            if not data:
                client.close()
                upstream.close()
                return
            pair[sock].sendall(data)


def main():
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", int(sys.argv[1])))
    server.listen(16)
    while True:
        client, _ = server.accept()
        threading.Thread(target=relay, args=(client, sys.argv[2]), daemon=True).start()


if __name__ == "__main__":
    main()
