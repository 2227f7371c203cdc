#!/usr/bin/env python3
"""A corpus of mutated manifests and configs, each run through
`assetfetch check` and `assetfetch sync --offline`.

For every document the two must agree: check refuses it (exit 2) exactly
when sync exits 2 before fetching anything. Neither may hang (a timeout),
crash (a signal, exit 1, a sanitizer report) or answer anything but 0 or 2
(check). Manifests go to sync directly; configs go through --config with a
fixed valid manifest. Every run has its own empty cache and destination.

One documented exception: `check` reports a ${env:NAME} that is not set as a
warning (the variable may be set where the fetch runs), while sync refuses
it; a check that printed that warning must see sync exit 2.

The mutations are drawn from a fixed seed, so a failure reproduces with the
same arguments; failing documents are copied to --keep (when given).

  mutate_corpus.py --cli build/plugin/assetfetch [--count 400] [--seed 8]
"""

import argparse
import copy
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HASH256 = "a" * 64
HASH512 = "b" * 128
TOKEN_ENV = "AF_CORPUS_TOKEN"

BASE_MANIFEST = {
    "$schema": "https://assetfetch.dev/schemas/assetfetch-manifest.schema.json",
    "assets": [
        {"name": "zlib", "urls": ["https://origin.example/zlib-1.3.tar.gz",
                                  "https://mirror.example/zlib-1.3.tar.gz"],
         "sha256": HASH256, "size": 1048576, "destination": "zlib/zlib-1.3.tar.gz"},
        {"name": "png", "urls": ["https://origin.example/dl/libpng.zip?x=1"], "sha512": HASH512},
        {"name": "model.bin", "urls": ["http://data.example/model.bin"], "sha256": HASH256,
         "sha512": HASH512, "size": 100000, "sparse": True,
         "ranges": [{"offset": 0, "length": 4096, "sha256": HASH256},
                    {"offset": 8192, "length": "EOF"}]},
    ],
}

BASE_CONFIG = {
    "$schema": "https://assetfetch.dev/schemas/assetfetch-config.schema.json",
    "cache_dir": "cache-from-config",
    "offline": False,
    "block_origin": False,
    "require_verified_ranges": False,
    "install": "copy",
    "sources": [
        {"url": "https://cache.example/assets/{sha256}", "access": "readwrite",
         "headers": {"Authorization": "Bearer ${env:" + TOKEN_ENV + "}"}},
        {"url": "file:///nonexistent-af-corpus/{sha512}/{name}", "access": "read"},
    ],
    "rewrites": [{"match": "^https://origin\\.example/(.*)$", "replace": "https://gh.example/$1",
                  "headers": {"X-Team": "build"}}],
    "fallback_mirrors": [{"match": "^https?://[^/]+/(.*)$", "replace": "https://archive.example/$1"}],
    "retry": {"attempts": 2, "backoff_ms": 10, "no_progress_timeout_s": 5, "connect_timeout_s": 5},
    "tls": {"verify": True},
    "vcpkg_asset_sources": "clear;x-azurl,https://cache.example/vcpkg/,,read",
}

# Values a mutation may put anywhere.
HUGE_NUMBERS = ["1e400", "-1e400", "1e-400", "18446744073709551615", "18446744073709551616",
                "9223372036854775807", "9223372036854775808", "-9223372036854775809", "-1", "0",
                "1.5", "99999999999999999999999999999999", "-0"]
UNICODE = ["\u00e9t\u00e9", "\u202ertl", "\U0001f4e6", "\u0000", "a\u0000b", "\u001b[31m", "\ufeff",
           "\u4e2d\u6587", "tab\there", "line\nbreak", "\u00a0"]
PATH_TRICKS = [".", "./", "..", "../x", "a/../../b", "/etc/passwd", "a//b", "a/./b", "C:\\x", "a\\b",
               "sub/", "a/.", "~/.ssh/x", "%2e%2e/x", "con", "a" * 201, ("d/" * 300) + "f",
               "sub/a.bin", "sub/a.bin/inner", " ", "a b"]
BAD_REGEXES = ["(", "[", ")", "(a)\\1", "(?=x)", "(?!x)y", "(?<=x)y", "(?<n>x)", "(?P<n>x)",
               "(a*)*b", "(a|aa)+$", "a{100000}", "x{2,1}", "\\", "*", "a**", "", ".*" * 500,
               "(" * 300 + ")" * 300]
BAD_REPLACES = ["$9", "$0", "$$", "$&", "$", "$1$1$1$1", "", "https://m.example/$10", "ftp://$1"]
URLS = ["ftp://x.example/a", "https://", "https:///x", "http://x.example/a b", "file:///", "x.example/a",
        "https://x.example/" + "u" * 2180, "https://x.example/" + "u" * 2182,
        "https://x.example/" + "u" * 2183, "https://x.example/%00", "https://x.example/a?b#c",
        "HTTPS://X.EXAMPLE/A", "file:///nonexistent-af-corpus/f", "https://user:pw@x.example/a"]


def random_value(rng):
    kind = rng.randrange(9)
    if kind == 0:
        return rng.choice([True, False, None])
    if kind == 1:
        return rng.choice([0, 1, -1, 7, 2 ** 31, 2 ** 63 - 1, 2 ** 64 - 1, 0.5])
    if kind == 2:
        return rng.choice(UNICODE)
    if kind == 3:
        return "x" * rng.choice([0, 1, 64, 128, 129, 200, 1025, 2201, 70000])
    if kind == 4:
        return []
    if kind == 5:
        return {}
    if kind == 6:
        return [rng.choice(UNICODE)]
    if kind == 7:
        return rng.choice(PATH_TRICKS)
    return rng.choice(URLS)


def paths_of(node, prefix=()):
    """Every (container-path) in the document, root first."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths_of(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from paths_of(v, prefix + (i,))


def get(doc, path):
    for p in path:
        doc = doc[p]
    return doc


def set_at(doc, path, value):
    if not path:
        return value
    get(doc, path[:-1])[path[-1]] = value
    return doc


NUMBER_MARK = "\u0001NUMBER:"  # replaced by a raw number token after json.dumps


def structural_mutation(rng, base, kind):
    """Returns (name, JSON text) of one structure-level mutation."""
    doc = copy.deepcopy(base)
    paths = list(paths_of(doc))
    path = rng.choice(paths[1:])
    key = path[-1]
    op = rng.randrange(12)
    if op == 0:
        name = "type-swap"
        doc = set_at(doc, path, random_value(rng))
    elif op == 1:
        name = "huge-number"
        doc = set_at(doc, path, NUMBER_MARK + rng.choice(HUGE_NUMBERS))
    elif op == 2:
        name = "delete-key"
        parent = get(doc, path[:-1])
        del parent[key]
    elif op == 3:
        name = "unknown-key"
        parent = get(doc, path[:-1]) if isinstance(get(doc, path[:-1]), dict) else doc
        if isinstance(parent, dict):
            typo = str(key)
            typo = typo[:-1] if len(typo) > 3 and rng.random() < 0.5 else typo + "s"
            parent[typo] = get(doc, path) if typo not in parent else 1
        else:
            doc = set_at(doc, path, {"surprise": 1})
    elif op == 4:
        name = "path-trick"
        doc = set_at(doc, path, rng.choice(PATH_TRICKS))
    elif op == 5:
        name = "url"
        doc = set_at(doc, path, rng.choice(URLS))
    elif op == 6:
        name = "unicode"
        value = get(doc, path)
        text = value if isinstance(value, str) else "v"
        at = rng.randrange(len(text) + 1)
        doc = set_at(doc, path, text[:at] + rng.choice(UNICODE) + text[at:])
    elif op == 7:
        name = "long-string"
        doc = set_at(doc, path, rng.choice("ab/.{") * rng.choice([200, 201, 1024, 1025, 2200, 2201, 100000]))
    elif op == 8:
        name = "deep-nesting"
        depth = rng.choice([5, 60, 63, 64, 65, 200])
        value = get(doc, path)
        for _ in range(depth):
            value = [value] if rng.random() < 0.5 else {"k": value}
        doc = set_at(doc, path, value)
    elif op == 9:
        name = "duplicate-element"
        parent = get(doc, path[:-1])
        if isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        else:
            doc = set_at(doc, path, [get(doc, path)] * 2)
    elif op == 10:
        name = "empty"
        value = get(doc, path)
        doc = set_at(doc, path, type(value)() if isinstance(value, (str, list, dict)) else None)
    else:
        name = "kind-specific"
        doc, name = kind_specific(rng, doc, kind)
    text = json.dumps(doc, ensure_ascii=rng.random() < 0.5)
    # Raw number tokens json cannot write (1e400 and friends).
    while '"' + NUMBER_MARK in text:
        start = text.index('"' + NUMBER_MARK)
        end = text.index('"', start + 1)
        text = text[:start] + text[start + 1 + len(NUMBER_MARK):end] + text[end + 1:]
    return name, text


def kind_specific(rng, doc, kind):
    if kind == "config":
        rule_list = rng.choice(["rewrites", "fallback_mirrors"])
        rule = {"match": rng.choice(BAD_REGEXES), "replace": rng.choice(BAD_REPLACES + ["https://m.example/$1"])}
        if rng.random() < 0.3:
            rule = {"match": "^https://(.*)$", "replace": rng.choice(BAD_REPLACES)}
        doc.setdefault(rule_list, []).append(rule)
        if rng.random() < 0.3:
            doc["sources"].append({"url": rng.choice([
                "https://c.example/{sha1}", "https://c.example/{name}", "https://c.example/{sha256",
                "https://c.example/}{sha256}", "https://c.example/" + "t" * 2100 + "{sha512}",
                "ftp://c.example/{sha256}", "file:///nonexistent-af-corpus/{sha256}"])})
        if rng.random() < 0.2:
            doc["vcpkg_asset_sources"] = rng.choice(["x-foo", "x-azurl", "clear;x-block-origin,1", "`", "`x",
                                                     "x-azurl,ftp://a,b", "x-script,foo", ";;;"])
        return doc, "regex-and-sources"
    asset = rng.choice(doc["assets"])
    choice = rng.randrange(4)
    if choice == 0:
        asset["ranges"] = [{"offset": rng.choice([0, 10, 2 ** 63 - 1, 2 ** 63]),
                            "length": rng.choice([1, 0, "EOF", "eof", 2 ** 63, 2 ** 64 - 1])}
                           for _ in range(rng.choice([0, 1, 2, 3]))]
        if rng.random() < 0.3:
            asset["size"] = rng.choice([0, 5, 4096])
    elif choice == 1:
        other = copy.deepcopy(asset)
        other["name"] = asset["name"] + "-2"
        other["destination"] = rng.choice(["sub/a.bin/inner", asset.get("destination", "x") + "/inner",
                                           asset.get("destination", "x")])
        asset["destination"] = "sub/a.bin"
        doc["assets"].append(other)
    elif choice == 2:
        asset["name"] = rng.choice(["", "a b", "n" * 128, "n" * 129, "\u00e9", "../x", "a/b"])
    else:
        doc["assets"] = [copy.deepcopy(asset) for _ in range(rng.choice([2, 50]))]
    return doc, "assets"


def text_mutation(rng, base):
    """Returns (name, JSON text) of one text-level mutation."""
    text = json.dumps(base, indent=rng.choice([None, 2]))
    op = rng.randrange(9)
    if op == 0:
        return "truncate", text[:rng.randrange(len(text))]
    if op == 1:
        at = rng.randrange(len(text) + 1)
        return "nul", text[:at] + "\0" + text[at:]
    if op == 2:
        return "trailing-garbage", text + rng.choice(["\0garbage", "}", " x", "{}", "\n\n[]", "\0", ","])
    if op == 3:
        at = rng.randrange(len(text))
        return "byte-flip", text[:at] + chr(rng.randrange(1, 128)) + text[at + 1:]
    if op == 4:
        key = rng.choice(list(base.keys()))
        return "duplicate-key", "{" + json.dumps(key) + ": " + json.dumps(base[key]) + ", " + text[1:]
    if op == 5:
        return "bom-crlf", "\ufeff" + text.replace("\n", "\r\n")
    if op == 6:
        depth = rng.choice([65, 1000, 100000])
        return "raw-deep-nesting", "[" * depth + "]" * rng.choice([0, depth])
    if op == 7:
        return "not-json", rng.choice(["", " ", "null", "[]", "\"assets\"", "1e400", "{\"a\":", "\xff\xfe"])
    return "invalid-utf8", text.replace("zlib", "zl\udcffib", 1)


def write_doc(path, text):
    data = text.encode("utf-8", errors="surrogateescape")
    with open(path, "wb") as f:
        f.write(data)


SANITIZER_MARKS = ("AddressSanitizer", "UndefinedBehaviorSanitizer", "LeakSanitizer", "runtime error:",
                   "ThreadSanitizer")


def run(argv, env, timeout):
    started = time.monotonic()
    try:
        p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "", time.monotonic() - started
    return p.returncode, p.stderr.decode("utf-8", errors="replace"), time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cli", required=True, help="the assetfetch executable")
    parser.add_argument("--count", type=int, default=400, help="documents to generate (half manifests)")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds one run may take")
    parser.add_argument("--keep", help="directory to copy failing documents to")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ASSETFETCH_") and k not in ("X_VCPKG_ASSET_SOURCES",)}
    env[TOKEN_ENV] = "corpus-token"
    failures = []
    verdicts = {}
    slowest = 0.0
    with tempfile.TemporaryDirectory(prefix="af-corpus-") as work:
        valid_manifest = os.path.join(work, "valid-manifest.json")
        write_doc(valid_manifest, json.dumps(BASE_MANIFEST))
        for n in range(args.count):
            kind = "manifest" if n % 2 == 0 else "config"
            base = BASE_MANIFEST if kind == "manifest" else BASE_CONFIG
            name, text = (structural_mutation(rng, base, kind) if rng.random() < 0.7
                          else text_mutation(rng, base))
            label = "%03d-%s-%s" % (n, kind, name)
            doc = os.path.join(work, label + ".json")
            write_doc(doc, text)
            run_dir = os.path.join(work, "run-%03d" % n)
            check_rc, check_err, t1 = run([args.cli, "check", "--kind", kind, doc], env, args.timeout)
            sync_argv = [args.cli, "sync", doc if kind == "manifest" else valid_manifest, "--offline",
                         "--dest", os.path.join(run_dir, "out"), "--cache-dir", os.path.join(run_dir, "cache"),
                         "--job", "corpus"]
            if kind == "config":
                sync_argv += ["--config", doc]
            sync_rc, sync_err, t2 = run(sync_argv, env, args.timeout)
            slowest = max(slowest, t1, t2)
            problems = []
            for what, rc, err in (("check", check_rc, check_err), ("sync", sync_rc, sync_err)):
                if rc is None:
                    problems.append("%s hung (over %.0f s)" % (what, args.timeout))
                elif rc < 0 or rc >= 128:
                    problems.append("%s died of a signal (exit %d)" % (what, rc))
                elif rc == 1:
                    problems.append("%s exited 1 (an internal error): %s" % (what, err.strip()[:300]))
                if any(mark in err for mark in SANITIZER_MARKS):
                    problems.append("%s: sanitizer report: %s" % (what, err.strip()[:300]))
            if check_rc not in (None, 0, 2):
                problems.append("check exited %s (expected 0 or 2)" % check_rc)
            env_warning = check_rc == 0 and "is not set; export" in check_err
            if check_rc is not None and sync_rc is not None:
                if (check_rc == 2 or env_warning) != (sync_rc == 2):
                    problems.append("verdicts differ: check exit %d, sync exit %d\ncheck: %s\nsync: %s" % (
                        check_rc, sync_rc, check_err.strip()[:400], sync_err.strip()[:400]))
                if check_rc == 2 and os.path.exists(os.path.join(run_dir, "out")):
                    problems.append("sync wrote a destination directory for a refused document")
            verdict = "refused" if check_rc == 2 else "accepted"
            verdicts[(kind, verdict)] = verdicts.get((kind, verdict), 0) + 1
            if problems:
                failures.append((label, repr(text[:160]), problems))
                if args.keep:
                    os.makedirs(args.keep, exist_ok=True)
                    shutil.copy(doc, args.keep)
            shutil.rmtree(run_dir, ignore_errors=True)

    print("corpus: %d documents (seed %d): %s; slowest run %.2f s" % (
        args.count, args.seed,
        ", ".join("%s %s %d" % (k, v, c) for (k, v), c in sorted(verdicts.items())), slowest))
    for label, head, problems in failures:
        print("FAIL %s %s" % (label, head), file=sys.stderr)
        for p in problems:
            print("     " + p.replace("\n", "\n     "), file=sys.stderr)
    if args.count < 300:
        print("FAIL the corpus needs at least 300 documents", file=sys.stderr)
        return 1
    # A corpus that refuses everything, or accepts everything, tests nothing.
    for kind in ("manifest", "config"):
        for verdict in ("accepted", "refused"):
            if verdicts.get((kind, verdict), 0) < 10:
                print("FAIL fewer than 10 %s documents %s: the mutations are off balance" % (kind, verdict),
                      file=sys.stderr)
                return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
