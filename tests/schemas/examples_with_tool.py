#!/usr/bin/python3
"""Every examples/*.json against the tool itself, not only the schema:

- `assetfetch check FILE` accepts each one (exit 0);
- examples/config-offline-mirror.json works with what `assetfetch mirror`
  writes: a directory filled by `mirror`, put where the example expects it
  (its paths rewritten to a temporary directory), serves an offline `sync`
  with the origin gone.

    examples_with_tool.py ASSETFETCH
"""
import hashlib
import json
import os
import pathlib
import subprocess
import sys
import tempfile

REPO = pathlib.Path(__file__).resolve().parent.parent.parent


def run(cli, args, env):
    p = subprocess.run([cli] + args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=60)
    return p.returncode, p.stdout


def main():
    cli = sys.argv[1]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSETFETCH_")}
        env["ASSETFETCH_CACHE_DIR"] = str(tmp / "cache")

        examples = sorted((REPO / "examples").glob("*.json"))
        for path in examples:
            rc, out = run(cli, ["check", str(path)], env)
            if rc != 0:
                failures.append(f"assetfetch check {path.relative_to(REPO)}: exit {rc}\n{out}")
            else:
                print(f"ok      check {path.relative_to(REPO)}")

        # The offline-mirror example, end to end.
        data = os.urandom(50000)
        origin = tmp / "origin" / "blob.bin"
        origin.parent.mkdir()
        origin.write_bytes(data)
        manifest = tmp / "assets.json"
        manifest.write_text(json.dumps({"assets": [{"name": "blob", "urls": [origin.as_uri()],
                                                    "sha256": hashlib.sha256(data).hexdigest()}]}))
        mirror = tmp / "offline-mirror"
        rc, out = run(cli, ["mirror", str(manifest), "--to", str(mirror), "--no-cache"], env)
        if rc != 0:
            failures.append(f"mirror: exit {rc}\n{out}")
        origin.unlink()
        text = (REPO / "examples" / "config-offline-mirror.json").read_text()
        if "/srv/offline-mirror/" not in text:
            failures.append("config-offline-mirror.json no longer names /srv/offline-mirror/")
        text = text.replace("/srv/offline-mirror", str(mirror)).replace("/srv/assetfetch-cache",
                                                                       str(tmp / "offline-cache"))
        config = tmp / "config-offline-mirror.json"
        config.write_text(text)
        env_off = dict(env)
        del env_off["ASSETFETCH_CACHE_DIR"]  # the example's cache_dir applies
        rc, out = run(cli, ["sync", str(manifest), "--dest", str(tmp / "out"), "--config", str(config)], env_off)
        got = (tmp / "out" / "blob.bin").read_bytes() if (tmp / "out" / "blob.bin").exists() else None
        if rc != 0 or got != data:
            failures.append(f"offline sync through config-offline-mirror.json: exit {rc}, "
                            f"bytes {'right' if got == data else 'wrong or missing'}\n{out}")
        else:
            print("ok      config-offline-mirror.json serves an offline sync from a `mirror` directory")

    for f in failures:
        print(f"FAIL    {f}", file=sys.stderr)
    print(f"{len(examples) + 1 - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
