#!/usr/bin/python3
"""A loopback TCP proxy that adds a round-trip time, and optionally a per-connection bandwidth cap.

  bench/latency_proxy.py UPSTREAM_PORT [--rtt-ms 50] [--rate BYTES_PER_S] [--port 0]

Stands in for a server 20-150 ms away (issue 19): every chunk read from one side is written to the
other side --rtt-ms / 2 later, in each direction, so a request and its answer cost one RTT and a
TCP + TLS handshake costs its real round trips. Chunks are delayed, not serialized: bytes in
flight overlap as on a real path. --rate caps each connection's bytes per second towards the
client (as CDNs and object stores do per connection); 0 is no cap. The payload is forwarded as
is, so TLS and HTTP/2 pass through to the upstream (nginx on 127.0.0.1:UPSTREAM_PORT).

Two threads per direction per connection (a reader that stamps each chunk, a writer that waits
until its time). Prints "PORT <n>" on stdout once listening. Binds 127.0.0.1 only.
"""
import argparse
import collections
import socket
import sys
import threading
import time

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("upstream_port", type=int)
ap.add_argument("--rtt-ms", type=float, default=50.0)
ap.add_argument("--rate", type=float, default=0.0, help="bytes/s per connection towards the client; 0: no cap")
ap.add_argument("--port", type=int, default=0)
args = ap.parse_args()
ONE_WAY = args.rtt_ms / 2000.0
CHUNK = 64 * 1024


class Pipe:
    """One direction of one connection: src -> dst, each chunk delayed ONE_WAY, optionally paced."""

    def __init__(self, src, dst, rate):
        self.src, self.dst, self.rate = src, dst, rate
        self.queue = collections.deque()
        self.cv = threading.Condition()
        self.closed = False

    def start(self):
        threading.Thread(target=self.read, daemon=True).start()
        threading.Thread(target=self.write, daemon=True).start()

    def read(self):
        try:
            while True:
                data = self.src.recv(CHUNK)
                if not data:
                    break
                with self.cv:
                    self.queue.append((time.monotonic() + ONE_WAY, data))
                    self.cv.notify()
        except OSError:
            pass
        with self.cv:
            self.closed = True
            self.cv.notify()

    def write(self):
        free_at = 0.0  # when the capped link is free again
        try:
            while True:
                with self.cv:
                    while not self.queue and not self.closed:
                        self.cv.wait()
                    if not self.queue:
                        break
                    due, data = self.queue.popleft()
                if self.rate > 0:
                    # the chunk leaves the link once the previous ones have and its own bytes are paid
                    free_at = max(free_at, due) + len(data) / self.rate
                    due = free_at
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                self.dst.sendall(data)
            self.dst.shutdown(socket.SHUT_WR)  # a half-close travels on, delayed like the data
        except OSError:
            for s in (self.src, self.dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def serve(client):
    try:
        upstream = socket.create_connection(("127.0.0.1", args.upstream_port))
    except OSError:
        client.close()
        return
    for s in (client, upstream):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    # the connection itself costs one round trip, as a SYN / SYN-ACK would
    time.sleep(2 * ONE_WAY)
    Pipe(client, upstream, 0).start()
    Pipe(upstream, client, args.rate).start()


def main():
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(256)
    print(f"PORT {listener.getsockname()[1]}", flush=True)
    while True:
        client, _ = listener.accept()
        threading.Thread(target=serve, args=(client,), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
