#!/usr/bin/env python3
"""A proxy that never finishes its answer, for testing that Ferry bounds the wait as a whole.

Usage: stalling_proxy.py PORT MODE

  drip      HTTP: reads the request, then sends "HTTP/1.1 200 OK\\r\\n" and header lines one byte every
            0.2 s, for ever (each byte alone arrives well within any timeout)
  endless   HTTP: reads the request, then sends header lines as fast as it can, for ever
  socks5    SOCKS 5: reads the greeting, then drips its two-byte choice and never more
"""
import socket
import sys
import threading
import time

PORT = int(sys.argv[1])
MODE = sys.argv[2]


def serve(client):
    try:
        client.recv(65536)
        if MODE == "drip":
            text = b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"y" * 1000000
            for byte in text:
                client.sendall(bytes([byte]))
                time.sleep(0.2)
        elif MODE == "endless":
            client.sendall(b"HTTP/1.1 200 OK\r\n")
            while True:
                client.sendall(b"X-Filler: " + b"z" * 100 + b"\r\n")
        elif MODE == "socks5":
            client.sendall(b"\x05")
            time.sleep(3600)
    except OSError:
        pass
    finally:
        client.close()


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", PORT))
listener.listen(16)
while True:
    client, _ = listener.accept()
    threading.Thread(target=serve, args=(client,), daemon=True).start()
