#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# slowloris.py SOURCE HOST PORT N SECONDS: N connections from SOURCE, each
# sending a request a header line every half second, never finishing it,
# for SECONDS. Prints how many the server took at once at most (after its
# first second), how long the longest lasted, and how many are still open.
import socket
import sys
import time

source, host = sys.argv[1], sys.argv[2]
port, n, seconds = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
start = time.monotonic()
alive = {}
for _ in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.settimeout(1)
    try:
        s.connect((host, port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        alive[s] = time.monotonic()
    except OSError:
        s.close()
connected = len(alive)
most = longest = 0.0
while time.monotonic() - start < seconds and alive:
    for s in list(alive):
        try:
            s.sendall(b"X-Slow: 1\r\n")
            s.setblocking(False)
            try:
                if s.recv(1024) == b"":
                    raise ConnectionResetError
            except BlockingIOError:
                pass
            s.setblocking(True)
        except OSError:
            longest = max(longest, time.monotonic() - alive.pop(s))
            s.close()
    if time.monotonic() - start >= 1:
        most = max(most, len(alive))
    time.sleep(0.5)
for s in alive:
    longest = max(longest, time.monotonic() - alive[s])
print(f"connected={connected} most_open={most:.0f} longest={longest:.1f}s held={len(alive)}")
