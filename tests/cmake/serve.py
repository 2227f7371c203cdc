#!/usr/bin/python3
"""A loopback HTTP server for the CMake tests (stdlib only).

Serves DIR on 127.0.0.1 at a port the kernel picks (port 0), writes that port
to PORT_FILE once it listens (written atomically, so a reader never sees half a
number), answers 404 for missing files, honours a single `Range: bytes=A-B`
(206 with Content-Range), and exits by itself when STOP_FILE appears or after
--timeout seconds, so a crashed test never leaves it behind. Paths are
percent-decoded (a%20b.bin is the file "a b.bin"). --rate paces every body to
that many bytes per second, so a fetch lasts long enough to show progress.

    serve.py DIR PORT_FILE [--stop-file F] [--timeout S] [--log F] [--rate B]
"""
import argparse
import http.server
import os
import re
import sys
import threading
import time
import urllib.parse


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root = "."
    log_file = None
    rate = 0  # bytes per second, 0 = unpaced

    def log_message(self, fmt, *args):
        if self.log_file:
            with open(self.log_file, "a") as f:
                f.write("%s\n" % (fmt % args))

    def _file(self):
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        rel = os.path.normpath(urllib.parse.unquote(path).lstrip("/"))
        if rel.startswith("..") or os.path.isabs(rel):
            return None
        full = os.path.join(self.root, rel)
        return full if os.path.isfile(full) else None

    def _send(self, body_wanted):
        full = self._file()
        if full is None:
            body = b"not found\n"
            self.send_response(404)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body_wanted:
                self.wfile.write(body)
            return
        with open(full, "rb") as f:
            data = f.read()
        size = len(data)
        m = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", "").strip())
        if m and (m.group(1) or m.group(2)):
            if m.group(1):
                start = int(m.group(1))
                end = int(m.group(2)) if m.group(2) else size - 1
            else:
                start, end = max(0, size - int(m.group(2))), size - 1
            end = min(end, size - 1)
            if start >= size or start > end:
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % size)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            part = data[start:end + 1]
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
        else:
            part = data
            self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(part)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if body_wanted:
            self._write_paced(part)

    def _write_paced(self, part):
        if not self.rate:
            self.wfile.write(part)
            return
        chunk = max(1, self.rate // 10)
        for i in range(0, len(part), chunk):
            self.wfile.write(part[i:i + chunk])
            self.wfile.flush()
            time.sleep(0.1)

    def do_GET(self):
        self._send(True)

    def do_HEAD(self):
        self._send(False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root")
    ap.add_argument("port_file")
    ap.add_argument("--stop-file")
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--log")
    ap.add_argument("--rate", type=int, default=0)
    args = ap.parse_args()
    Handler.rate = args.rate

    Handler.root = os.path.abspath(args.root)
    Handler.log_file = args.log
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(tmp, args.port_file)

    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if args.stop_file and os.path.exists(args.stop_file):
            break
        time.sleep(0.05)
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
