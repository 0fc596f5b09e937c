#!/usr/bin/env python3
"""A TCP syslog receiver for `make bench`: discards bytes, counts them and the LF-framed lines.

Prints `listening PORT` first, then, once `--expect` lines arrived and the sender closed its
connection (or after --timeout seconds), one line: `received LINES BYTES`.
"""
import argparse, socket, sys, time

parser = argparse.ArgumentParser()
parser.add_argument("--expect", type=int, required=True)
parser.add_argument("--timeout", type=float, default=600)
args = parser.parse_args()

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 0))
server.listen(4)
print(f"listening {server.getsockname()[1]}", flush=True)

deadline = time.monotonic() + args.timeout
lines = nbytes = 0
while lines < args.expect and time.monotonic() < deadline:
    server.settimeout(max(0.1, deadline - time.monotonic()))
    try:
        conn, _ = server.accept()
    except socket.timeout:
        break
    with conn:
        conn.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            while chunk := conn.recv(1 << 20):
                nbytes += len(chunk)
                lines += chunk.count(b"\n")
        except socket.timeout:
            pass
print(f"received {lines} {nbytes}", flush=True)
