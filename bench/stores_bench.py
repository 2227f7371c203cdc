#!/usr/bin/python3
"""bench/stores_bench.py: one `sync -j8` of 200 x 1 MiB from each team-cache store, warm, against the
same from the origin (issue 20's closing figures). `bench/run --cases stores` runs it.

  bench/stores_bench.py [--reps N] [--files N] [--cli PATH] [--results FILE] [--work DIR]

Everything on 127.0.0.1: nginx (the origin, and a WebDAV `PUT` location as the HTTP team cache),
Azurite (blob) and s3rver (tests/support/s3rver_main.js, which checks SigV4), from .deps/npm as the
integration tests use them. Each store is seeded once, untimed (Azure, S3 and GCS by
`assetfetch mirror --to`, the WebDAV cache by copying the files in), and that seeding is timed
once for information. Then each row is `sync MANIFEST --dest D -j 8` with an empty destination
and an empty local cache per rep, the manifest's URLs on the origin; a store row's config names
only that store (read-only) and sets `block_origin`, so every byte comes from the store (a miss
fails the row). Reported per row: median and min-max wall time, median CPU of the tree, peak RSS,
MiB/s, the ratio to the origin row, and the lowest and highest 1-minute load average seen
around the row's reps (the machine may be shared). The rows' reps are interleaved (rep 1 of every
row, then rep 2, ...), so a change in load spreads over all rows.
"""
import argparse
import base64
import datetime
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request

from bench_measure import Runner, Tool, check_dir, fresh

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
NGINX = "/usr/sbin/nginx"
MiB = 1024 * 1024
NPM = os.path.join(SRC, ".deps", "npm", "node_modules")
AZ_ACCOUNT = "devstoreaccount1"
AZ_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
S3_KEY = "S3RVER"  # s3rver's fixed key pair (access key id = secret)

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                             formatter_class=argparse.RawDescriptionHelpFormatter,
                             epilog="\n".join(__doc__.split("\n")[1:]))
ap.add_argument("--reps", type=int, default=3, help="repetitions per row (default 3)")
ap.add_argument("--files", type=int, default=200, help="files of 1 MiB (default 200)")
ap.add_argument("--cli", default=None, help="assetfetch binary (default: build-bench, then build)")
ap.add_argument("--results", default=None, help="markdown output (default bench/work/RESULTS.stores.md)")
ap.add_argument("--work", default=os.path.join(HERE, "work"), help="work dir (default bench/work)")
args = ap.parse_args()
if not 1 <= args.reps <= 50 or not 1 <= args.files <= 2000:
    sys.exit("bench/stores_bench.py: --reps 1..50, --files 1..2000")

cli = args.cli
if cli is None:
    for cand in (os.path.join(SRC, "build-bench/plugin/assetfetch"), os.path.join(SRC, "build/plugin/assetfetch")):
        if os.access(cand, os.X_OK):
            cli = cand
            break
if not cli or not os.access(cli, os.X_OK):
    sys.exit("bench/stores_bench.py: no assetfetch binary (build assetfetch_cli, or pass --cli)")
cli = os.path.abspath(cli)
for need in (NGINX, shutil.which("node") or "node", os.path.join(NPM, "azurite"), os.path.join(NPM, "@20minutes", "s3rver")):
    if not os.path.exists(need):
        sys.exit(f"bench/stores_bench.py: {need} is missing (scripts/install-deps.sh installs nginx, node and the emulators)")

WORK = os.path.abspath(args.work)
DATA = os.path.join(WORK, "stores-data")  # the files, kept between runs (deterministic)
RUN = os.path.join(WORK, f"stores-run-{os.getpid()}")
os.makedirs(DATA, exist_ok=True)
os.makedirs(RUN)
for d in (WORK, DATA, RUN):
    os.chmod(d, 0o755)  # nginx workers run as an unprivileged user
results_path = args.results or os.path.join(WORK, "RESULTS.stores.md")
for v in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "no_proxy", "NO_PROXY",
          "ASSETFETCH_CONFIG", "ASSETFETCH_OFFLINE", "ASSETFETCH_SERVICE"):
    os.environ.pop(v, None)
# No credential of this machine is used: the emulators' keys only, no profile, no metadata service.
for v in [k for k in os.environ if k.startswith(("AWS_", "AZURE_", "GOOGLE_"))] + ["IDENTITY_ENDPOINT"]:
    os.environ.pop(v, None)
os.environ.update(AWS_SHARED_CREDENTIALS_FILE=os.path.join(RUN, "none"), AWS_CONFIG_FILE=os.path.join(RUN, "none"),
                  AWS_EC2_METADATA_DISABLED="true")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


procs = []  # servers, stopped at exit by pid


def cleanup():
    for p in procs:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    procs.clear()
    shutil.rmtree(RUN, ignore_errors=True)


def on_signal(signum, frame):
    cleanup()
    sys.exit(128 + signum)


signal.signal(signal.SIGINT, on_signal)
signal.signal(signal.SIGTERM, on_signal)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(argv, pattern, name, log_file):
    """Starts a server whose output names its port (the first group of `pattern`)."""
    out = open(log_file, "w+")
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, text=True)
    procs.append(p)
    for _ in range(600):
        out.seek(0)
        m = re.search(pattern, out.read())
        if m:
            return m.group(1)
        if p.poll() is not None:
            break
        time.sleep(0.1)
    out.seek(0)
    log(f"bench/stores_bench.py: {name} did not start:\n{out.read()[-2000:]}")
    cleanup()
    sys.exit(1)


def main():
    # ---- data: 200 x 1 MiB of SHAKE-128 output, the same bytes every run
    files = []
    for i in range(args.files):
        name = f"s{i:04d}.bin"
        path = os.path.join(DATA, "data", name)
        if not os.path.exists(path) or os.path.getsize(path) != MiB:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path + ".tmp", "wb") as f:
                f.write(hashlib.shake_128(f"assetfetch stores bench {i}".encode()).digest(MiB))
            os.replace(path + ".tmp", path)
        with open(path, "rb") as f:
            files.append((name, hashlib.sha256(f.read()).hexdigest()))

    # ---- nginx: the origin (/data/) and the WebDAV team cache (/cache/<sha256>)
    ngx = os.path.join(RUN, "nginx")
    dav = os.path.join(RUN, "dav")
    os.makedirs(ngx)
    os.makedirs(os.path.join(dav, "cache"))
    os.chmod(dav, 0o755)
    os.chmod(os.path.join(dav, "cache"), 0o755)
    port = free_port()
    with open(os.path.join(ngx, "nginx.conf"), "w") as f:
        f.write(f"""daemon off;
worker_processes 2;
pid {ngx}/nginx.pid;
error_log {ngx}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush off;
  keepalive_requests 10000;
  client_body_temp_path {ngx}/client_body;
  proxy_temp_path {ngx}/proxy;
  fastcgi_temp_path {ngx}/fastcgi;
  uwsgi_temp_path {ngx}/uwsgi;
  scgi_temp_path {ngx}/scgi;
  default_type application/octet-stream;
  server {{
    listen 127.0.0.1:{port};
    location /data/ {{ root {DATA}; }}
    location /cache/ {{ root {dav}; dav_methods PUT; create_full_put_path on; client_max_body_size 0; }}
  }}
}}
""")
    p = subprocess.Popen([NGINX, "-p", ngx, "-e", f"{ngx}/error.log", "-c", f"{ngx}/nginx.conf"],
                         stdin=subprocess.DEVNULL)
    procs.append(p)
    origin = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{origin}/data/{files[0][0]}").read()
            break
        except OSError:
            time.sleep(0.05)
    else:
        log("bench/stores_bench.py: nginx did not start")
        cleanup()
        sys.exit(1)

    # ---- Azurite and s3rver
    az_port = start(["node", os.path.join(NPM, "azurite", "dist", "src", "blob", "main.js"), "--blobHost", "127.0.0.1",
                     "--blobPort", "0", "--location", os.path.join(RUN, "azurite"), "--disableTelemetry"],
                    r"listens on http://127\.0\.0\.1:(\d+)", "Azurite", os.path.join(RUN, "azurite.log"))
    s3_port = start(["node", os.path.join(SRC, "tests", "support", "s3rver_main.js"),
                     os.path.join(NPM, "@20minutes", "s3rver"), os.path.join(RUN, "s3rver"), "bench"],
                    r"listening (\d+)", "s3rver", os.path.join(RUN, "s3rver.log"))
    s3_endpoint = f"http://127.0.0.1:{s3_port}"

    # An account SAS signed with Azurite's published key (version 2019-12-12).
    expiry = "2099-01-01T00:00:00Z"
    to_sign = f"{AZ_ACCOUNT}\nrwdlac\nb\nsco\n\n{expiry}\n\n\n2019-12-12\n"
    sig = base64.b64encode(hmac.new(base64.b64decode(AZ_KEY), to_sign.encode(), hashlib.sha256).digest()).decode()
    sas = ("sv=2019-12-12&ss=b&srt=sco&sp=rwdlac&se=" + urllib.parse.quote(expiry, safe="") + "&sig=" +
           urllib.parse.quote(sig, safe=""))
    container = f"http://127.0.0.1:{az_port}/{AZ_ACCOUNT}/bench"
    req = urllib.request.Request(f"{container}?restype=container&{sas}", method="PUT",
                                 headers={"x-ms-version": "2021-08-06", "Content-Length": "0"})
    urllib.request.urlopen(req).read()

    # ---- manifest, configs, environments
    manifest = os.path.join(RUN, "m.json")
    with open(manifest, "w") as f:
        json.dump({"assets": [{"name": n, "urls": [f"{origin}/data/{n}"], "sha256": h, "size": MiB}
                              for n, h in files]}, f)
    s3_env = {"AWS_ACCESS_KEY_ID": S3_KEY, "AWS_SECRET_ACCESS_KEY": S3_KEY}
    gcs_env = {"GOOGLE_HMAC_ACCESS_ID": S3_KEY, "GOOGLE_HMAC_SECRET": S3_KEY}
    stores = [
        ("Azure Blob (Azurite)", {"kind": "azure-blob", "url": f"{container}/{{sha256}}?{sas}"}, {},
         ["--to", f"{container}?{sas}", "--kind", "azure-blob"]),
        ("S3 (s3rver)", {"kind": "s3", "url": "s3://bench/s3/{sha256}", "endpoint": s3_endpoint,
                         "region": "us-east-1"}, s3_env,
         ["--to", "s3://bench/s3", "--endpoint", s3_endpoint, "--region", "us-east-1"]),
        ("GCS (s3rver as GCS, HMAC, region auto)", {"kind": "gcs", "url": "gs://bench/gcs/{sha256}",
                                                    "endpoint": s3_endpoint}, gcs_env,
         ["--to", "gs://bench/gcs", "--endpoint", s3_endpoint]),
        ("HTTP cache (nginx WebDAV)", {"url": f"{origin}/cache/{{sha256}}"}, {}, None),
    ]

    def config(path, sources, block_origin):
        with open(path, "w") as f:
            json.dump({"sources": sources, "block_origin": block_origin}, f)
        return path

    empty = config(os.path.join(RUN, "origin.json"), [], False)

    # ---- seed each store once (untimed for the table; its time is noted)
    seed_times = {}
    for label, source, env, mirror_args in stores:
        t0 = time.perf_counter()
        if mirror_args is None:
            for n, h in files:
                shutil.copyfile(os.path.join(DATA, "data", n), os.path.join(dav, "cache", h))
                os.chmod(os.path.join(dav, "cache", h), 0o644)
            how = "copied into nginx's root"
        else:
            r = subprocess.run([cli, "mirror", manifest, *mirror_args, "-j", "8", "--config", empty, "--cache-dir",
                                os.path.join(RUN, "seed-cache"), "--quiet"], env=dict(os.environ, **env),
                               capture_output=True, text=True)
            if r.returncode != 0:
                log(f"bench/stores_bench.py: seeding {label} failed (exit {r.returncode}):\n{r.stderr[-2000:]}")
                cleanup()
                sys.exit(1)
            how = "`assetfetch mirror --to`"
        seed_times[label] = (time.perf_counter() - t0, how)
        log(f"seeded {label}: {seed_times[label][0]:.2f} s ({how})")

    # ---- the timed rows
    dest, cache = os.path.join(RUN, "dest"), os.path.join(RUN, "cache")
    # Round-robin: rep i of every row, then rep i+1, so a change in the machine's load spreads over
    # all rows instead of favouring the ones that ran first.
    runner = Runner(RUN, 1, log)
    rows = [("origin (nginx), no team cache", empty, {})]
    for label, source, env, _ in stores:
        rows.append((label, config(os.path.join(RUN, f"store{len(rows)}.json"), [dict(source, access="read")], True),
                     env))
    merged = {label: dict(times=[], cpu=[], rss=[], error=None, load=[]) for label, _, _ in rows}
    for rep in range(args.reps):
        for label, cfg, env in rows:
            m = merged[label]
            if m["error"]:
                continue
            before = os.getloadavg()[0]
            tool = Tool(label, [cli, "sync", manifest, "--dest", dest, "-j", "8", "--config", cfg, "--cache-dir",
                                cache, "--quiet"], prep=lambda: fresh(dest, cache),
                        check=check_dir(dest, files) if rep == 0 else None, env=env, assetfetch=True)
            res = runner.measure(f"{label} #{rep}", tool)
            for k in ("times", "cpu", "rss"):
                m[k] += res[k]
            m["error"] = res["error"]
            m["load"] += [before, os.getloadavg()[0]]
    results = [(label, merged[label], min(merged[label]["load"]), max(merged[label]["load"])) for label, _, _ in rows]

    # ---- report
    total_mib = len(files) * MiB / MiB
    base = statistics.median(results[0][1]["times"]) if results[0][1]["times"] else None
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    version = subprocess.run([cli, "--version"], capture_output=True, text=True).stdout.strip()
    lines = [f"### Team-cache stores: `sync -j8` of {len(files)} x 1 MiB, warm store, empty local cache",
             "",
             f"{now}, {version}, {os.cpu_count()} cores, {args.reps} reps; `bench/stores_bench.py` "
             f"(`bench/run --cases stores`), the rows' reps interleaved. Load average (1 min): lowest / highest seen "
             f"around the row's reps (the machine is shared).",
             "",
             "| source | median s | min-max s | CPU s | peak RSS MiB | MiB/s | / origin | load low / high |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for label, res, before, after in results:
        if res["error"] or not res["times"]:
            lines.append(f"| {label} | failed: {(res['error'] or '')[:120]} | | | | | | {before:.1f} / {after:.1f} |")
            continue
        med = statistics.median(res["times"])
        ratio = f"{med / base:.2f}" if base else "-"
        lines.append(f"| {label} | {med:.2f} | {min(res['times']):.2f}-{max(res['times']):.2f} | "
                     f"{statistics.median(res['cpu']):.2f} | {max(res['rss']):.0f} | {total_mib / med:.0f} | {ratio} | "
                     f"{before:.1f} / {after:.1f} |")
    lines.append("")
    lines.append("CPU and RSS are assetfetch's (the servers' are not counted). Seeding, once, untimed in the table "
                 "(the first mirror fetches from the origin, the later ones from its local cache): " + "; ".join(
        f"{label} {t:.1f} s ({how})" for label, (t, how) in seed_times.items()) + ".")
    text = "\n".join(lines) + "\n"
    print(text)
    os.makedirs(os.path.dirname(os.path.abspath(results_path)), exist_ok=True)
    with open(results_path, "w") as f:
        f.write(text)
    log(f"written to {results_path}")
    return 0 if all(not r[1]["error"] for r in results) else 1


try:
    rc = main()
finally:
    cleanup()
sys.exit(rc)
