#!/usr/bin/env python3
"""Accepts connections on 127.0.0.1:PORT and never says a word: a host that hangs before the SSH banner.

Usage: silent_server.py PORT
"""
import socket
import sys

server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen(64)
held = []
while True:
    connection, _ = server.accept()
    held.append(connection)
