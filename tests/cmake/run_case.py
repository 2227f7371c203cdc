#!/usr/bin/python3
"""Runs one CMake test case of AssetFetch.cmake against a loopback server.

Each case makes its files and their hashes in a fresh work directory, starts
serve.py on 127.0.0.1 (port 0), configures (and builds) one of the tiny
projects beside this script with ASSETFETCH_CACHE_DIR in the work directory,
and checks the results: file bytes, exit codes, output regexes.

    run_case.py CASE --work DIR --cli PATH --source-dir DIR --build-dir DIR
                [--cmake PATH] [--generator G] [--make-program P]

Cases that test a failure check CMake's combined output against regexes; the
BadArgs.<Case> cases follow RunCMake: BadArgs/<Case>.cmake is included by a
generated project, BadArgs/<Case>-stderr.txt is the regex its output must
match.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = sys.executable or "/usr/bin/python3"


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def make_bytes(seed, size):
    """Deterministic, incompressible-looking bytes."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(("%s:%d" % (seed, counter)).encode()).digest()
        counter += 1
    return bytes(out[:size])


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


class Server:
    """serve.py on 127.0.0.1; the port comes from the file it writes."""

    def __init__(self, root, work, rate=0):
        self.root = root
        self.port_file = os.path.join(work, "server.port")
        self.stop_file = os.path.join(work, "server.stop")
        self.log = os.path.join(work, "server.log")
        for f in (self.port_file, self.stop_file):
            if os.path.exists(f):
                os.remove(f)
        self.proc = subprocess.Popen(
            [PYTHON, os.path.join(HERE, "serve.py"), root, self.port_file,
             "--stop-file", self.stop_file, "--timeout", "240", "--log", self.log,
             "--rate", str(rate)])
        deadline = time.monotonic() + 15
        while not os.path.exists(self.port_file):
            check(self.proc.poll() is None, "serve.py exited early")
            check(time.monotonic() < deadline, "serve.py did not report its port")
            time.sleep(0.02)
        self.port = int(open(self.port_file).read())
        self.url = "http://127.0.0.1:%d" % self.port

    def requests(self):
        return open(self.log).read().splitlines() if os.path.exists(self.log) else []

    def stop(self):
        if self.proc.poll() is None:
            write(self.stop_file, "stop\n")
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Case:
    def __init__(self, args):
        self.args = args
        self.work = os.path.abspath(args.work)
        if os.path.exists(self.work):
            shutil.rmtree(self.work)
        os.makedirs(self.work)
        self.files = os.path.join(self.work, "files")
        os.makedirs(self.files)
        self.cache = os.path.join(self.work, "cache")
        env = dict(os.environ)
        for k in list(env):
            if k.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy") or \
               k.startswith("ASSETFETCH_") or k in ("CMAKE_PREFIX_PATH", "CMAKE_GENERATOR"):
                del env[k]
        env["ASSETFETCH_CACHE_DIR"] = self.cache
        # PATH without any assetfetch, so only what a case sets is found.
        env["PATH"] = os.pathsep.join(
            p for p in env.get("PATH", "/usr/bin:/bin").split(os.pathsep)
            if p and not os.path.exists(os.path.join(p, "assetfetch")))
        self.env = env
        self.server = None

    # --- helpers -----------------------------------------------------------
    def add_file(self, rel, data):
        write(os.path.join(self.files, rel), data)
        return sha256(data)

    def serve(self, rate=0):
        self.server = Server(self.files, self.work, rate)
        return self.server.url

    def expect_output(self, name, out):
        """Every line of <case dir>/<name> is a regex the output must match
        (whitespace collapsed, as CMake wraps messages)."""
        flat = re.sub(r"\s+", " ", out)
        with open(os.path.join(HERE, name)) as f:
            for rx in (l.strip() for l in f):
                if rx and not rx.startswith("#"):
                    check(re.search(rx, flat), "output does not match %r (from %s):\n%s" % (rx, name, out))

    def cmake(self, argv, env=None, expect_ok=True, what="cmake"):
        p = subprocess.run([self.args.cmake] + argv, env=env or self.env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        log = os.path.join(self.work, "cmake.log")
        with open(log, "a") as f:
            f.write("$ cmake %s\n%s\n[exit %d]\n" % (" ".join(argv), p.stdout, p.returncode))
        if expect_ok is not True:
            # CMake wraps and indents messages: match on single spaces.
            return p.returncode, re.sub(r"\s+", " ", p.stdout)
        if expect_ok is True:
            check(p.returncode == 0, "%s failed (exit %d):\n%s" % (what, p.returncode, p.stdout))
        elif expect_ok is False:
            check(p.returncode != 0, "%s succeeded but should have failed:\n%s" % (what, p.stdout))
        return p.returncode, p.stdout

    def configure(self, project, build, defs=(), env=None, expect_ok=True):
        src = project if os.path.isabs(project) else os.path.join(HERE, project)
        argv = ["-S", src, "-B", build, "-G", self.args.generator]
        if self.args.make_program:
            argv.append("-DCMAKE_MAKE_PROGRAM=" + self.args.make_program)
        argv += ["-D%s=%s" % kv for kv in defs]
        return self.cmake(argv, env, expect_ok, "configure of " + os.path.basename(src))

    def build(self, build, target=None, env=None, expect_ok=True):
        argv = ["--build", build]
        if target:
            argv += ["--target", target]
        return self.cmake(argv, env, expect_ok, "build")

    def cli(self, argv):
        p = subprocess.run([self.args.cli] + argv, env=self.env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        check(p.returncode == 0, "assetfetch %s failed:\n%s" % (" ".join(argv), p.stdout))

    def result_lines(self, build):
        return open(os.path.join(build, "result.txt")).read().splitlines()

    def close(self):
        if self.server:
            self.server.stop()


# --- cases -------------------------------------------------------------------

def case_FindPackage(c):
    """Installed package: find_package, imported targets, failover 404 -> OK."""
    prefix = os.path.join(c.work, "prefix")
    c.cmake(["--install", c.args.build_dir, "--prefix", prefix], what="install")
    for rel in ("lib/cmake/AssetFetch/AssetFetchConfig.cmake",
                "lib/cmake/AssetFetch/AssetFetchConfigVersion.cmake",
                "lib/cmake/AssetFetch/AssetFetch.cmake",
                "lib/pkgconfig/assetfetch.pc",
                "share/assetfetch/schemas/assetfetch-manifest.schema.json",
                "share/assetfetch/schemas/assetfetch-config.schema.json",
                "share/doc/AssetFetch/LICENSE"):
        check(os.path.exists(os.path.join(prefix, rel)), "not installed: " + rel)
    # The library is part of the package once plugin/ builds it.
    built_lib = any(f.startswith("libassetfetch.so")
                    for f in os.listdir(os.path.join(c.args.build_dir, "plugin")))
    libdir = os.path.join(prefix, "lib")
    check(not built_lib or any(f.startswith("libassetfetch.so") for f in os.listdir(libdir)),
          "libassetfetch is built but not installed: list assetfetch in "
          "install(TARGETS ... EXPORT AssetFetchTargets) in plugin/CMakeLists.txt")
    data = make_bytes("blob", 300000)
    h = c.add_file("files/blob.bin", data)
    url = c.serve()
    build = os.path.join(c.work, "build")
    _, out = c.configure("FindPackage", build, [
        ("CMAKE_PREFIX_PATH", prefix), ("BASE_URL", url), ("BLOB_SHA256", h),
        ("EXPECT_LIBRARY", "ON" if built_lib else "OFF")])
    installed_cli = os.path.join(prefix, "bin", "assetfetch")
    check(("ASSETFETCH_EXECUTABLE=" + installed_cli) in out,
          "ASSETFETCH_EXECUTABLE is not the installed tool:\n" + out)
    path = c.result_lines(build)[0]
    check(path == os.path.join(build, "_assets", "blob", "blob.bin"), "unexpected blob_PATH " + path)
    check(read(path) == data, "blob_PATH does not hold the served bytes")
    check(any("/missing/blob.bin" in l for l in c.server.requests()), "the 404 URL was not tried")
    if shutil.which("pkg-config"):
        env = dict(c.env, PKG_CONFIG_PATH=os.path.join(prefix, "lib", "pkgconfig"))
        p = subprocess.run(["pkg-config", "--libs", "--cflags", "assetfetch"], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        check(p.returncode == 0 and "-lassetfetch" in p.stdout and prefix in p.stdout,
              "pkg-config assetfetch: " + p.stdout)


def dead_url():
    """A loopback URL where nothing listens (a port the kernel just freed)."""
    import socket
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return "http://127.0.0.1:%d" % port


def case_WrongHash(c):
    """A hash mismatch then a dead mirror: the headline is the mismatch, at the caller's line."""
    data = make_bytes("wrong", 5000)
    actual = c.add_file("files/blob.bin", data)
    expected = sha256(b"something else")
    url = c.serve()
    build = os.path.join(c.work, "build")
    _, out = c.configure("WrongHash", build, [
        ("ASSETFETCH_EXECUTABLE", c.args.cli), ("BASE_URL", url), ("DEAD_URL", dead_url()),
        ("BLOB_SHA256", expected)],
        expect_ok=False)
    check("; trying " not in out, "a per-miss failover line was printed without -v:\n" + out)
    n = len(re.findall(r"assetfetch: error: blob\.bin", out))
    check(n == 1, "the tool's message is printed %d times:\n%s" % (n, out))
    for what, rx in (("asset name", r"fetch_asset\(wrong_blob\)"),
                     ("expected hash", expected), ("actual hash", actual),
                     ("exit code", r"exit code 3")):
        check(re.search(rx, out, re.I), "output does not name the %s (%s):\n%s" % (what, rx, out))
    c.expect_output("WrongHash/expected-output.txt", out)
    check(not os.path.exists(os.path.join(build, "_assets", "wrong_blob", "blob.bin")),
          "a file with the wrong hash was left in place")


def manifest_assets(c, n, size, prefix="a"):
    """n assets: even ones with a destination, odd ones with the default one."""
    assets, expect = [], {}
    for i in range(n):
        name = "%s%02d" % (prefix, i)
        data = make_bytes(name, size + i)
        h = c.add_file("m/%s.dat" % name, data)
        entry = {"name": name, "urls": ["{BASE}/m/%s.dat?x=1" % name], "sha256": h}
        if i % 2 == 0:
            entry["destination"] = "sub/%s.bin" % name
            expect[name] = ("sub/%s.bin" % name, data)
        else:
            expect[name] = ("%s.dat" % name, data)
        assets.append(entry)
    return assets, expect


def add_spaced_asset(c, assets, expect, size):
    """An asset whose URL's file name is percent-encoded (a%20b.bin): its
    destination is the tool's decoded name ("a b.bin"), which the module must
    take from the tool, not recompute."""
    data = make_bytes("spaced", size)
    assets.append({"name": "spaced", "urls": ["{BASE}/m/a%20b.bin"], "sha256": c.add_file("m/a b.bin", data)})
    expect["spaced"] = ("a b.bin", data)


def write_manifest(path, assets, base):
    text = json.dumps({"assets": assets}, indent=2).replace("{BASE}", base)
    write(path, text)


def case_FetchAssets(c):
    """fetch_assets() over 20 assets sets every <name>_PATH, bytes correct."""
    assets, expect = manifest_assets(c, 20, 20000)
    add_spaced_asset(c, assets, expect, 4321)
    url = c.serve()
    manifest = os.path.join(c.work, "assets.json")
    write_manifest(manifest, assets, url)
    build = os.path.join(c.work, "build")
    c.configure("FetchAssets", build, [
        ("ASSETFETCH_EXECUTABLE", c.args.cli), ("MANIFEST", manifest),
        ("NAMES", ";".join(sorted(expect)))])
    lines = dict(l.split("=", 1) for l in c.result_lines(build))
    for name, (rel, data) in expect.items():
        want = os.path.join(build, "assets", rel)
        check(lines.get(name) == want, "%s_PATH is %r, expected %r" % (name, lines.get(name), want))
        check(read(want) == data, "%s: wrong bytes" % name)


def case_Reconfigure(c):
    """Re-configure with the server gone: stamps skip the tool, the cache refills."""
    one = make_bytes("one", 70000)
    h1 = c.add_file("files/one.bin", one)
    assets, expect = manifest_assets(c, 4, 3000, prefix="r")
    url = c.serve()
    manifest = os.path.join(c.work, "assets.json")
    write_manifest(manifest, assets, url)
    build = os.path.join(c.work, "build")
    defs = [("BASE_URL", url), ("ONE_SHA256", h1), ("MANIFEST", manifest)]
    c.configure("Reconfigure", build, defs + [("ASSETFETCH_EXECUTABLE", c.args.cli)])
    c.server.stop()
    failing = os.path.join(c.work, "failing-tool")
    write(failing, "#!/bin/sh\necho 'failing-tool was run' >&2\nexit 1\n")
    os.chmod(failing, 0o755)

    # 1. Everything in place: no process at all (a tool that always fails is not run).
    _, out = c.configure("Reconfigure", build, defs + [("ASSETFETCH_EXECUTABLE", failing)])
    check("failing-tool was run" not in out, "the tool ran although every stamp matched")
    lines = c.result_lines(build)
    check(read(lines[0]) == one, "one_PATH lost its bytes")

    # 2. A destination removed and one edited: refetched from the cache, no network.
    os.remove(lines[0])
    victim = os.path.join(build, "assets", expect["r01"][0])
    write(victim, b"edited")
    c.configure("Reconfigure", build, defs + [("ASSETFETCH_EXECUTABLE", c.args.cli)])
    check(read(lines[0]) == one, "one was not restored from the cache")
    check(read(victim) == expect["r01"][1], "an edited manifest asset was not restored")

    # 3. VERIFY ALWAYS runs the tool even when the stamps match.
    _, out = c.configure("Reconfigure", build,
                         defs + [("ASSETFETCH_EXECUTABLE", failing), ("ASSETFETCH_VERIFY", "ALWAYS")],
                         expect_ok=False)
    check("failing-tool was run" in out, "VERIFY ALWAYS did not run the tool:\n" + out)


def case_AtBuildTime(c):
    """AT_BUILD_TIME: nothing fetched by configure, everything by the build."""
    early = make_bytes("early", 40000)
    late = make_bytes("late", 50000)
    h1 = c.add_file("files/early.bin", early)
    h2 = c.add_file("files/late.bin", late)
    url = c.serve()
    build = os.path.join(c.work, "build")
    c.configure("AtBuildTime", build, [
        ("ASSETFETCH_EXECUTABLE", c.args.cli), ("BASE_URL", url),
        ("EARLY_SHA256", h1), ("LATE_SHA256", h2)])
    p_early, p_late = c.result_lines(build)
    check(not os.path.exists(p_early) and not os.path.exists(p_late), "configure fetched an asset")
    ninja = os.path.join(build, "build.ninja")
    if os.path.exists(ninja):
        # USES_TERMINAL: the fetch runs in ninja's console pool, so the tool's
        # progress bar reaches the terminal.
        text = open(ninja).read()
        fetches = re.findall(r"\nbuild [^\n]*late\.bin[^\n]*: CUSTOM_COMMAND[^\n]*\n(?:  [^\n]*\n)*", text)
        check(fetches and all("pool = console" in f for f in fetches),
              "the build-time fetch does not run in the console pool:\n" + "".join(fetches))
    check(not c.server.requests(), "configure contacted the server")
    c.build(build)
    check(read(p_early) == early and read(p_late) == late, "the build did not fetch the right bytes")
    check(p_late == os.path.join(build, "data", "late.bin"), "DESTINATION not honoured: " + p_late)


def case_RangesSparse(c):
    """RANGES and SPARSE give the same bytes as the tool run by hand."""
    data = make_bytes("big", 100000)
    h = c.add_file("files/big.bin", data)
    url = c.serve()
    build = os.path.join(c.work, "build")
    c.configure("RangesSparse", build, [
        ("ASSETFETCH_EXECUTABLE", c.args.cli), ("BASE_URL", url), ("BIG_SHA256", h)])
    p_seq, p_sparse = c.result_lines(build)
    by_hand = os.path.join(c.work, "by-hand")
    c.cli(["fetch", url + "/files/big.bin", "--sha256", h, "-o", by_hand + "/seq.bin", "--quiet",
           "--range", "100:100", "--range", "900:100", "--range", "400:100"])
    c.cli(["fetch", url + "/files/big.bin", "--sha256", h, "-o", by_hand + "/sparse.bin", "--quiet",
           "--range", "100:100", "--range", "90000:EOF", "--sparse"])
    seq_expected = data[100:200] + data[900:1000] + data[400:500]
    sparse_expected = bytes(100) + data[100:200] + bytes(90000 - 200) + data[90000:]
    check(read(p_seq) == read(by_hand + "/seq.bin"), "RANGES differs from the tool's output")
    check(read(p_seq) == seq_expected, "RANGES bytes are not the ranges in order")
    check(read(p_sparse) == read(by_hand + "/sparse.bin"), "SPARSE differs from the tool's output")
    check(read(p_sparse) == sparse_expected, "SPARSE bytes are not the ranges at their offsets")


def case_AddSubdirectory(c):
    """add_subdirectory() / FetchContent of the assetfetch tree: commands defined, in-tree CLI for builds."""
    data = make_bytes("sub", 30000)
    h = c.add_file("files/sub.bin", data)
    url = c.serve()
    common = [("ASSETFETCH_SOURCE_DIR", c.args.source_dir), ("BUILD_TESTING", "OFF"),
              ("BASE_URL", url), ("SUB_SHA256", h)]

    # 1. With an explicit executable: configure-time and build-time fetches,
    #    and building asset_bt does not build the in-tree CLI.
    b1 = os.path.join(c.work, "b1")
    c.configure("AddSubdirectory", b1, common + [
        ("ASSETFETCH_EXECUTABLE", c.args.cli), ("WITH_CONFIGURE_FETCH", "ON")])
    p_ct, p_bt = c.result_lines(b1)[:2]
    check(read(p_ct) == data, "configure-time fetch in an add_subdirectory consumer failed")
    c.build(b1, "asset_bt")
    check(read(p_bt) == data, "asset_bt did not fetch")
    check(not os.path.exists(os.path.join(b1, "assetfetch", "plugin", "assetfetch")),
          "building asset_bt built the in-tree CLI although ASSETFETCH_EXECUTABLE was set")

    # 2. FetchContent, no assetfetch installed anywhere (PATH has none): a
    #    configure-time fetch builds the in-tree CLI during the configure
    #    (the CLI only), and uses it; a build-time manifest lists its outputs
    #    with it, and its build command runs the in-tree AssetFetch::cli.
    if c.args.sanitized:
        # It compiles the CLI without sanitizers (the consumer's flags), which
        # the plain build's run already covers: skip a second cold compile.
        print("AddSubdirectory: the FetchContent part is skipped in a sanitizer build (the plain build runs it)")
        return
    b2 = os.path.join(c.work, "b2")
    m_data = make_bytes("m1", 5000)
    hm = c.add_file("files/m1.bin", m_data)
    manifest = os.path.join(c.work, "assets.json")
    write(manifest, json.dumps({"assets": [{"name": "m1", "urls": [url + "/files/m1.bin"], "sha256": hm}]}))
    common.append(("USE_FETCHCONTENT", "ON"))
    common.append(("MANIFEST", manifest))
    if c.args.launcher:
        common += [("CMAKE_C_COMPILER_LAUNCHER", c.args.launcher), ("CMAKE_CXX_COMPILER_LAUNCHER", c.args.launcher)]
    if c.args.build_type:
        common.append(("CMAKE_BUILD_TYPE", c.args.build_type))
    _, out = c.configure("AddSubdirectory", b2, common + [("WITH_CONFIGURE_FETCH", "ON")])
    tool = os.path.join(b2, "assetfetch", "_configure_tool", "plugin", "assetfetch")
    check(os.path.exists(tool), "the in-tree tool was not built at configure time:\n" + out)
    check(out.count("building the in-tree one for configure-time fetches") == 1,
          "the in-tree build is not announced once:\n" + out)
    check(not any(f.startswith("libassetfetch.so") for f in os.listdir(os.path.dirname(tool))),
          "the configure-time tool build built the library too")
    p_ct, p_bt, p_m1 = c.result_lines(b2)
    check(read(p_ct) == data, "the configure-time fetch with the in-tree tool got the wrong bytes")
    check(p_m1 == os.path.join(b2, "m", "m1.bin") and not os.path.exists(p_m1),
          "m1_PATH is %r (or configure fetched it)" % p_m1)
    ninja = os.path.join(b2, "build.ninja")
    if os.path.exists(ninja):
        text = open(ninja).read()
        check(re.search(r"assetfetch/plugin/assetfetch\s+fetch", text), "asset_bt does not run the in-tree CLI")
        check(re.search(r"assetfetch/plugin/assetfetch\s+sync", text), "assets_assets does not run the in-tree CLI")
    # A re-configure reuses it: nothing is built or announced again.
    _, out = c.configure("AddSubdirectory", b2, common + [("WITH_CONFIGURE_FETCH", "ON")])
    check("building the in-tree one" not in out, "a re-configure built the tool again:\n" + out)
    tool_cache = read(os.path.join(b2, "assetfetch", "_configure_tool", "CMakeCache.txt"))
    check(b"ASSETFETCH_UNITY_BUILD:BOOL=ON" in tool_cache,
          "the configure-time tool is not a unity build like the subproject it serves")
    # The unity-built CLI registers its commands in the same order: the same help.
    def help_text(exe):
        p = subprocess.run([exe, "--help"], env=c.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return p.stdout.replace(exe, "assetfetch")  # "Usage: <path> ..."
    check(help_text(tool) == help_text(c.args.cli),
          "the unity-built CLI's --help differs from the top-level CLI's:\n" + help_text(tool))
    # The tool's build compiled the core and the CLI as unity sources; the
    # library's own sources compile that way too (only its unity object: the
    # core's unity sources are the ones the tool's build compiled above).
    if os.path.exists(ninja):
        c.build(b2, "assetfetch/plugin/CMakeFiles/assetfetch.dir/Unity/unity_0_cxx.cxx.o")


def case_PlainInclude(c):
    """include(AssetFetch) alone: the tool from PATH; none at all is a clear error."""
    data = make_bytes("plain", 12345)
    h = c.add_file("files/plain.bin", data)
    url = c.serve()
    defs = [("ASSETFETCH_MODULE_DIR", os.path.join(c.args.source_dir, "cmake-module")),
            ("BASE_URL", url), ("PLAIN_SHA256", h)]
    tooldir = os.path.join(c.work, "tool")
    os.makedirs(tooldir)
    os.symlink(c.args.cli, os.path.join(tooldir, "assetfetch"))
    env = dict(c.env, PATH=tooldir + os.pathsep + c.env["PATH"])
    b1 = os.path.join(c.work, "b1")
    _, out = c.configure("PlainInclude", b1, defs, env=env)
    check(read(c.result_lines(b1)[0]) == data, "plain include: wrong bytes")

    b2 = os.path.join(c.work, "b2")
    _, out = c.configure("PlainInclude", b2, defs, expect_ok=False)
    check(re.search(r"fetch_asset\(plain\): no assetfetch executable found", out)
          and "ASSETFETCH_EXECUTABLE" in out and "PATH" in out,
          "unclear error without an executable:\n" + out)


def run_streaming(c, argv, watch):
    """Runs cmake with its output in a pipe, line by line. `watch` maps a
    substring to a file: the result says, for each, whether a line holding it
    was read while the file did not exist yet (the fetch still running)."""
    p = subprocess.Popen([c.args.cmake] + argv, env=c.env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    during = {k: False for k in watch}
    lines = []
    for line in p.stdout:  # ends when cmake exits (it is bounded by serve.py's timeout)
        lines.append(line)
        for key, path in watch.items():
            if key in line and not os.path.exists(path):
                during[key] = True
    rc = p.wait(timeout=60)
    out = "".join(lines)
    with open(os.path.join(c.work, "cmake.log"), "a") as f:
        f.write("$ cmake %s\n%s\n[exit %d]\n" % (" ".join(argv), out, rc))
    check(rc == 0, "configure failed (exit %d):\n%s" % (rc, out))
    return out, during


def case_Progress(c):
    """Fetches that take seconds show progress lines in a piped configure, while they run."""
    slow = make_bytes("slow", 600000)
    slow2 = make_bytes("slow2", 400000)
    hushed = make_bytes("hushed", 300000)
    h_slow = c.add_file("files/slow.bin", slow)
    h_hushed = c.add_file("files/hushed.bin", hushed)
    h_slow2 = c.add_file("files/slow2.bin", slow2)
    url = c.serve(rate=150000)  # 4 s, 2.7 s and 2 s
    manifest = os.path.join(c.work, "assets.json")
    write(manifest, json.dumps({"assets": [{"name": "slow2", "urls": [url + "/files/slow2.bin"],
                                            "sha256": h_slow2}]}))
    build = os.path.join(c.work, "build")
    argv = ["-S", os.path.join(HERE, "Progress"), "-B", build, "-G", c.args.generator,
            "-DASSETFETCH_EXECUTABLE=" + c.args.cli, "-DBASE_URL=" + url, "-DSLOW_SHA256=" + h_slow,
            "-DHUSHED_SHA256=" + h_hushed, "-DMANIFEST=" + manifest]
    if c.args.make_program:
        argv.append("-DCMAKE_MAKE_PROGRAM=" + c.args.make_program)
    out, during = run_streaming(c, argv, {
        "assetfetch: progress: slow.bin": os.path.join(build, "_assets", "slow", "slow.bin"),
        "assetfetch: progress: slow2": os.path.join(build, "assets", "slow2.bin")})
    check(during["assetfetch: progress: slow.bin"],
          "no progress line for fetch_asset(slow) while it ran:\n" + out)
    check(during["assetfetch: progress: slow2"],
          "no progress line for fetch_assets() while it ran:\n" + out)
    check("progress: hushed" not in out, "QUIET still printed progress:\n" + out)
    c.expect_output("Progress/expected-output.txt", out)
    p_slow, p_slow2, p_hushed = c.result_lines(build)
    check(read(p_slow) == slow and read(p_slow2) == slow2 and read(p_hushed) == hushed, "wrong bytes")


def case_FetchAssetsAtBuildTime(c):
    """fetch_assets(AT_BUILD_TIME): one command, outputs from the tool, nothing fetched by configure."""
    assets, expect = manifest_assets(c, 4, 5000, prefix="b")
    add_spaced_asset(c, assets, expect, 777)
    url = c.serve()
    manifest = os.path.join(c.work, "assets.json")
    write_manifest(manifest, assets, url)
    build = os.path.join(c.work, "build")
    c.configure("FetchAssetsAtBuildTime", build, [
        ("ASSETFETCH_EXECUTABLE", c.args.cli), ("MANIFEST", manifest), ("NAMES", ";".join(sorted(expect)))])
    check(not c.server.requests(), "configure contacted the server")
    lines = dict(l.split("=", 1) for l in c.result_lines(build))
    for name, (rel, _) in expect.items():
        want = os.path.join(build, "assets", rel)
        check(lines.get(name) == want, "%s_PATH is %r, expected %r" % (name, lines.get(name), want))
        check(not os.path.exists(want), "configure fetched " + name)
    ninja = os.path.join(build, "build.ninja")
    if os.path.exists(ninja):
        runs = re.findall(re.escape(c.args.cli) + r"\s+sync\b", open(ninja).read())
        check(len(runs) == 1, "expected one sync command for the manifest, found %d" % len(runs))
    c.build(build)
    for name, (rel, data) in expect.items():
        check(read(os.path.join(build, "assets", rel)) == data, "%s: wrong bytes after the build" % name)
    requests = len(c.server.requests())
    _, out = c.build(build)
    check(len(c.server.requests()) == requests, "a second build fetched again")
    if os.path.exists(ninja):
        check("no work to do" in out, "a second build was not up to date:\n" + out)


def make_tarball(files):
    import io
    import tarfile
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1700000000
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def case_ExtractTo(c):
    """EXTRACT_TO unpacks after verification, once per hash; a new hash replaces the tree."""
    v1 = make_tarball({"pkg/hello.txt": b"hello v1\n", "pkg/old-only.txt": b"old\n"})
    v2 = make_tarball({"pkg/hello.txt": b"hello v2\n"})
    h1 = c.add_file("files/pkg-1.tar.gz", v1)
    h2 = c.add_file("files/pkg-2.tar.gz", v2)
    url = c.serve()
    build = os.path.join(c.work, "build")
    defs = [("ASSETFETCH_EXECUTABLE", c.args.cli), ("BASE_URL", url)]
    c.configure("ExtractTo", build, defs + [("PKG_FILE", "pkg-1.tar.gz"), ("PKG_SHA256", h1)])
    src, src_b = c.result_lines(build)
    check(src == os.path.join(build, "pkg-src"), "pkg_EXTRACT_DIR is " + src)
    hello = os.path.join(src, "pkg", "hello.txt")
    check(read(hello) == b"hello v1\n", "configure-time EXTRACT_TO did not extract")
    check(not os.path.exists(src_b), "AT_BUILD_TIME extracted at configure time")

    # Same hash: not extracted again (a local edit survives the re-configure).
    write(hello, b"edited\n")
    c.configure("ExtractTo", build, defs + [("PKG_FILE", "pkg-1.tar.gz"), ("PKG_SHA256", h1)])
    check(read(hello) == b"edited\n", "re-configure with the same hash extracted again")

    c.build(build)
    check(read(os.path.join(src_b, "pkg", "hello.txt")) == b"hello v1\n", "build-time EXTRACT_TO did not extract")

    # A new hash: the tree is replaced, at configure time and at build time.
    c.configure("ExtractTo", build, defs + [("PKG_FILE", "pkg-2.tar.gz"), ("PKG_SHA256", h2)])
    check(read(hello) == b"hello v2\n", "a new hash was not extracted")
    check(not os.path.exists(os.path.join(src, "pkg", "old-only.txt")), "files of the old archive were left")
    c.build(build)
    check(read(os.path.join(src_b, "pkg", "hello.txt")) == b"hello v2\n", "build-time: a new hash was not extracted")
    check(not os.path.exists(os.path.join(src_b, "pkg", "old-only.txt")), "build-time: old files were left")


def case_Subproject(c):
    """A consumer that add_subdirectory()s assetfetch builds only the CLI and the library, installs nothing of it."""
    build = os.path.join(c.work, "build")
    c.configure("Subproject", build, [("ASSETFETCH_SOURCE_DIR", c.args.source_dir)])
    cache = open(os.path.join(build, "CMakeCache.txt")).read()
    check("ASSETFETCH_BUILD_TESTS:BOOL=OFF" in cache and "ASSETFETCH_INSTALL:BOOL=OFF" in cache,
          "the options do not default to OFF in a subproject")
    check("ASSETFETCH_UNITY_BUILD:BOOL=ON" in cache, "a subproject is not a unity build by default")
    install_script = os.path.join(build, "assetfetch", "plugin", "cmake_install.cmake")
    text = open(install_script).read() if os.path.exists(install_script) else ""
    check("file(INSTALL" not in text, "assetfetch's install rules are part of the consumer's install")
    check(not os.path.exists(os.path.join(build, "assetfetch", "tests")), "assetfetch's tests were configured")
    ninja_exe = c.args.make_program or shutil.which("ninja")
    if os.path.exists(os.path.join(build, "build.ninja")) and ninja_exe:
        q = subprocess.run([ninja_exe, "-C", build, "-n"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        linked = sorted(set(os.path.basename(m) for m in
                            re.findall(r"Linking \w+ (?:executable|shared library|static library) (\S+)", q.stdout)))
        allowed = {"assetfetch", "libassetfetch.so", "libassetfetch_core.a"}
        check(linked and {re.sub(r"\.so(\..*)?$", ".so", l) for l in linked} <= allowed,
              "the consumer's build links more than the CLI and the library: %s" % linked)
        check("assetfetch" in linked, "the consumer's build does not build the CLI: %s" % linked)
    # Switched on explicitly, the install rules come back.
    c.configure("Subproject", build, [("ASSETFETCH_SOURCE_DIR", c.args.source_dir), ("ASSETFETCH_INSTALL", "ON")])
    check("file(INSTALL" in open(install_script).read(), "ASSETFETCH_INSTALL=ON does not add the install rules")


def case_ManifestError(c):
    """A broken manifest: fetch_assets() stops with the tool's text, the same as `assetfetch check`."""
    manifest = os.path.join(c.work, "assets.json")
    write(manifest, json.dumps({"assets": [{"name": "ok", "urls": ["http://127.0.0.1:9/ok.bin"],
                                            "sha256": "ab" * 32},
                                           {"name": "bad", "urls": [], "sha256": "cd" * 32}]}, indent=2))
    p = subprocess.run([c.args.cli, "check", manifest], env=c.env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    check(p.returncode == 2, "check accepted a manifest with an asset without URLs:\n" + p.stderr)
    messages = [re.sub(r"^(assetfetch: )?error: ", "", l).strip()
                for l in p.stderr.splitlines() if "error: " in l]
    check(messages, "check printed no error:\n" + p.stderr)
    build = os.path.join(c.work, "build")
    _, out = c.configure("FetchAssets", build, [("ASSETFETCH_EXECUTABLE", c.args.cli), ("MANIFEST", manifest)],
                         expect_ok=False)
    for m in messages:
        check(re.sub(r"\s+", " ", m) in out, "fetch_assets() does not show check's error %r:\n%s" % (m, out))
    check(re.search(r"CMakeLists\.txt:6: fetch_assets\(MANIFEST [^)]*\): assetfetch sync failed \(exit code 2", out),
          "the error does not lead with the caller's line:\n" + out)


def case_TwoManifests(c):
    """Two manifests, one file name: an error naming both before either is overwritten;
    a DESTINATION of its own for one of them resolves it."""
    a_data, b_data = make_bytes("a-s01", 3000), make_bytes("b-s01", 4000)
    ha = c.add_file("a/s01.bin", a_data)
    hb = c.add_file("b/s01.bin", b_data)
    url = c.serve()
    ma, mb = os.path.join(c.work, "a.json"), os.path.join(c.work, "b.json")
    write(ma, json.dumps({"assets": [{"name": "a_s01", "urls": [url + "/a/s01.bin"], "sha256": ha}]}))
    write(mb, json.dumps({"assets": [{"name": "b_s01", "urls": [url + "/b/s01.bin"], "sha256": hb}]}))
    build = os.path.join(c.work, "build")
    defs = [("ASSETFETCH_EXECUTABLE", c.args.cli), ("MANIFEST_A", ma), ("MANIFEST_B", mb)]
    rc, out = c.configure("TwoManifests", build, defs, expect_ok=None)
    check(rc != 0, "two manifests writing the same file were accepted:\n" + out)
    shared = os.path.join(build, "_assets", "s01.bin")
    for rx in (r"CMakeLists\.txt:11: fetch_assets\(MANIFEST [^)]*b\.json\)", re.escape(shared),
               r"asset a_s01 of manifest " + re.escape(ma), r"asset b_s01 of manifest " + re.escape(mb),
               r"DESTINATION"):
        check(re.search(rx, out), "the error does not name %r:\n%s" % (rx, out))
    check(read(shared) == a_data, "b's bytes overwrote a's file")
    check(not any("/b/s01.bin" in l for l in c.server.requests()), "b was fetched although it clashes")
    # The re-configure takes the stamp's fast path for a: the clash is still an error.
    rc, out = c.configure("TwoManifests", build, defs, expect_ok=None)
    check(rc != 0 and "asset a_s01 of manifest" in out, "the clash went unnoticed on a re-configure:\n" + out)
    c.configure("TwoManifests", build, defs + [("B_DEST", "b-assets")])
    p_a, p_b = c.result_lines(build)
    check(p_a == shared and read(p_a) == a_data, "a_s01_PATH is wrong: " + p_a)
    check(p_b == os.path.join(build, "b-assets", "s01.bin") and read(p_b) == b_data, "b_s01_PATH is wrong: " + p_b)


def case_SeveralCalls(c):
    """The failing call's line among several fetch_assets() calls; a mixed failure
    (404 and wrong hash) named per asset; the tool's message printed once."""
    ok = make_bytes("ok", 2000)
    h_ok = c.add_file("ok.bin", ok)
    c.add_file("wrong.bin", make_bytes("wrong", 100))
    url = c.serve()
    m_ok, m_bad = os.path.join(c.work, "ok.json"), os.path.join(c.work, "bad.json")
    write(m_ok, json.dumps({"assets": [{"name": "ok", "urls": [url + "/ok.bin"], "sha256": h_ok}]}))
    write(m_bad, json.dumps({"assets": [
        {"name": "missing", "urls": [url + "/missing.bin"], "sha256": "ab" * 32},
        {"name": "mismatch", "urls": [url + "/wrong.bin"], "sha256": "cd" * 32}]}))
    build = os.path.join(c.work, "build")
    rc, out = c.configure("SeveralCalls", build, [("ASSETFETCH_EXECUTABLE", c.args.cli), ("MANIFEST_OK", m_ok),
                                                  ("MANIFEST_BAD", m_bad)], expect_ok=None)
    check(rc != 0, "a manifest with a 404 and a wrong hash was accepted:\n" + out)
    check(re.search(r"CMakeLists\.txt:10: fetch_assets\(MANIFEST [^)]*bad\.json\): assetfetch sync failed for "
                    r"(missing, mismatch|mismatch, missing) \(exit code [34], the first failure's", out),
          "the error does not name line 10 and both assets:\n" + out)
    check("on every candidate" not in out, "a mixed failure is summarised as one kind:\n" + out)
    for asset in ("missing", "mismatch"):
        n = len(re.findall(r"assetfetch: error: %s:" % asset, out))
        check(n == 1, "the tool's error for %s is printed %d times:\n%s" % (asset, n, out))
    for d in ("ok", "one", "two"):
        check(read(os.path.join(build, d, "ok.bin")) == ok, "the call for %s did not fetch" % d)


def case_BadArgs(c, sub):
    """RunCMake-style: BadArgs/<sub>.cmake must fail with BadArgs/<sub>-stderr.txt."""
    proj = os.path.join(c.work, "project")
    write(os.path.join(proj, "CMakeLists.txt"),
          "cmake_minimum_required(VERSION 3.20)\nproject(%s NONE)\n"
          "include(\"%s/cmake-module/AssetFetch.cmake\")\ninclude(\"%s/BadArgs/%s.cmake\")\n"
          % (sub, c.args.source_dir, HERE, sub))
    marker = os.path.join(c.work, "tool-ran")
    tool = os.path.join(c.work, "tool")
    write(tool, "#!/bin/sh\ntouch '%s'\nexit 0\n" % marker)
    os.chmod(tool, 0o755)
    build = os.path.join(c.work, "build")
    expected_rc = "1"
    rc_file = os.path.join(HERE, "BadArgs", sub + "-result.txt")
    if os.path.exists(rc_file):
        expected_rc = open(rc_file).read().strip()
    rc, out = c.configure(proj, build, [("ASSETFETCH_EXECUTABLE", tool)], expect_ok=None)
    check(str(rc) == expected_rc, "exit code %d, expected %s:\n%s" % (rc, expected_rc, out))
    rx = open(os.path.join(HERE, "BadArgs", sub + "-stderr.txt")).read().strip()
    check(re.search(rx, out, re.S), "output does not match %r:\n%s" % (rx, out))
    check(not os.path.exists(marker), "the tool ran although the arguments were bad")
    check(not os.path.isdir(os.path.join(build, "_assets")), "a side effect happened (_assets created)")


def main():
    ap = argparse.ArgumentParser(description="Run one AssetFetch.cmake test case.")
    ap.add_argument("case")
    ap.add_argument("--work", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--cmake", default="cmake")
    ap.add_argument("--generator", default="Ninja" if shutil.which("ninja") else "Unix Makefiles")
    ap.add_argument("--make-program", default="")
    ap.add_argument("--launcher", default="", help="compiler launcher (ccache) for a case that compiles assetfetch")
    ap.add_argument("--build-type", default="", help="the build type of the build the tests belong to")
    ap.add_argument("--sanitized", action="store_true", help="the tests belong to a sanitizer build")
    args = ap.parse_args()
    c = Case(args)
    try:
        if args.case.startswith("BadArgs."):
            case_BadArgs(c, args.case.split(".", 1)[1])
        else:
            globals()["case_" + args.case](c)
    except Failure as e:
        print("FAIL %s: %s" % (args.case, e))
        print("(log: %s)" % os.path.join(c.work, "cmake.log"))
        return 1
    finally:
        c.close()
    print("PASS %s" % args.case)
    return 0


if __name__ == "__main__":
    sys.exit(main())
