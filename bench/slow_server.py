#!/usr/bin/python3
"""A loopback HTTP/1.1 file server whose every request costs a fixed delay before the first byte.

  bench/slow_server.py ROOT [--delay-ms 100] [--port 0]

Stands in for a server with a per-request cost (a CDN miss, an object store, a CGI): each GET or
HEAD sleeps --delay-ms before the response starts; the body then goes out with sendfile(2), so
once a transfer runs it is about as fast as nginx. Serves regular files under ROOT with single
byte ranges (`bytes=a-b`, `bytes=a-`, `bytes=-n`; a multi-range header gets the whole file),
ETag / Last-Modified / If-Range, keep-alive, one thread per connection.

`GET /__requests` returns the number of file requests served so far (itself not counted), so a
benchmark can report how many requests a client made. Prints "PORT <n>" on stdout once listening.
Binds 127.0.0.1 only.
"""
import argparse
import email.utils
import http.server
import os
import socketserver
import sys
import threading
import time

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("root")
ap.add_argument("--delay-ms", type=float, default=100.0)
ap.add_argument("--port", type=int, default=0)
args = ap.parse_args()
ROOT = os.path.realpath(args.root)
DELAY = args.delay_ms / 1000.0

count_lock = threading.Lock()
request_count = 0


def parse_range(header, size):
    """(first, last) inclusive for one satisfiable byte range, None for 'serve it all', 'bad' for 416."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, sep, last = header[len("bytes="):].strip().partition("-")
    if not sep:
        return None
    try:
        if first == "":
            n = int(last)
            if n <= 0:
                return "bad"
            return (max(0, size - n), size - 1)
        a = int(first)
        b = int(last) if last else size - 1
    except ValueError:
        return None
    if a >= size or b < a:
        return "bad"
    return (a, min(b, size - 1))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "bench-slow-server"

    def log_message(self, *a):  # quiet: the benchmark times this server's clients
        pass

    def do_HEAD(self):
        self.serve(body=False)

    def do_GET(self):
        if self.path == "/__requests":
            with count_lock:
                text = f"{request_count}\n".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)
            return
        self.serve(body=True)

    def serve(self, body):
        global request_count
        with count_lock:
            request_count += 1
        time.sleep(DELAY)  # the per-request cost, before the first byte
        path = os.path.realpath(os.path.join(ROOT, self.path.split("?", 1)[0].lstrip("/")))
        if not path.startswith(ROOT + os.sep) or not os.path.isfile(path):
            self.send_error(404)
            return
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            size = st.st_size
            etag = f'"{st.st_mtime_ns:x}-{size:x}"'
            modified = email.utils.formatdate(st.st_mtime, usegmt=True)
            rng = parse_range(self.headers.get("Range"), size)
            if_range = self.headers.get("If-Range")
            if if_range and if_range not in (etag, modified):
                rng = None
            if rng == "bad":
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            first, last = rng if rng else (0, size - 1)
            self.send_response(206 if rng else 200)
            if rng:
                self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(last - first + 1))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", modified)
            self.end_headers()
            self.wfile.flush()
            if body and last >= first:
                self.connection.sendfile(f, first, last - first + 1)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # a client that drops a connection mid-body (a cut probe, a killed tool) is normal here
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


srv = Server(("127.0.0.1", args.port), Handler)
print(f"PORT {srv.server_address[1]}", flush=True)
try:
    srv.serve_forever(poll_interval=0.2)
except KeyboardInterrupt:
    pass
sys.exit(0)
