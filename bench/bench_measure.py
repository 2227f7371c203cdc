"""Measuring for bench/run: run a tool under /usr/bin/time, N reps with untimed prep, check the
output, and sample the disk a run takes. No servers and no report here."""
import hashlib
import os
import shutil
import signal
import subprocess
import threading
import time

TIME = "/usr/bin/time"
MiB = 1024 * 1024
RUN_TIMEOUT = 600  # seconds; a hung tool is killed and reported as failed


def load1():
    """The 1-minute load average: the machine is shared, so every row records it before and after."""
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def rm(*paths):
    for p in paths:
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p)
        elif os.path.lexists(p):
            os.unlink(p)


def fresh(*dirs):
    for d in dirs:
        rm(d)
        os.makedirs(d)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(4 * MiB)
            if not b:
                return h.hexdigest()
            h.update(b)


def check_file(path, sha):
    def f():
        if not os.path.exists(path):
            return f"{path} missing"
        got = sha256_file(path)
        return None if got == sha else f"{path}: sha256 {got} != {sha}"
    return f


def check_dir(d, files):
    def f():
        for n, h in files[:: max(1, len(files) // 20)] + files[-1:]:
            e = check_file(os.path.join(d, n), h)()
            if e:
                return e
        n = len([x for x in os.listdir(d) if not x.startswith(".")])
        return None if n == len(files) else f"{d} holds {n} files, expected {len(files)}"
    return f


def allocated(dirs):
    """Bytes allocated (st_blocks) to the files under dirs; a hardlinked inode counts once."""
    seen, total, stack = set(), 0, list(dirs)
    while stack:
        try:
            it = os.scandir(stack.pop())
        except OSError:
            continue
        with it:
            for e in it:
                try:
                    if e.is_dir(follow_symlinks=False):
                        stack.append(e.path)
                        continue
                    st = e.stat(follow_symlinks=False)
                except OSError:
                    continue  # renamed or removed between listing and stat
                if (st.st_dev, st.st_ino) not in seen:
                    seen.add((st.st_dev, st.st_ino))
                    total += st.st_blocks * 512
    return total


class Tool:
    """A command measured N times. prep() runs untimed before each rep, check() after the first;
    after() (optional) after each rep, its value kept per rep (e.g. the server's request count).
    reps (optional) caps the run's repetitions for a slow row (a process-per-file loop)."""

    def __init__(self, label, argv, prep=None, check=None, env=None, assetfetch=False, after=None, reps=None):
        self.label, self.argv, self.prep, self.check = label, argv, prep, check
        self.env, self.assetfetch, self.after, self.reps = env, assetfetch, after, reps


class Runner:
    """Runs tools in run_dir (its last.log / last.rusage); keeps the results by key:
    measured[key] = dict(label, times, cpu, rss, extra, error, assetfetch), disk[key] from sample_disk."""

    def __init__(self, run_dir, reps, log):
        self.run_dir, self.reps, self.log = run_dir, reps, log
        self.measured, self.disk = {}, {}
        self.current_child = None

    def kill_current(self):
        if self.current_child is not None:
            try:
                os.killpg(self.current_child, signal.SIGKILL)
            except OSError:
                pass

    def run_once(self, argv, env):
        """(exit code, wall s, CPU s of the tree, peak RSS MiB, last 2000 chars of output)."""
        log_path = os.path.join(self.run_dir, "last.log")
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        # /usr/bin/time reports the tool's own rusage: a child of this python process would inherit
        # python's RSS high-water mark across exec, so wait4 here would overstate small tools.
        ru_path = os.path.join(self.run_dir, "last.rusage")
        rm(ru_path)
        with open(log_path, "wb") as lf:
            t0 = time.perf_counter()
            p = subprocess.Popen([TIME, "-f", "%M %U %S", "-o", ru_path] + argv, env=full_env,
                                 stdin=subprocess.DEVNULL, stdout=lf, stderr=lf, start_new_session=True)
            self.current_child = p.pid
            killer = threading.Timer(RUN_TIMEOUT, lambda: os.killpg(p.pid, signal.SIGKILL))
            killer.start()
            p.wait()
            t1 = time.perf_counter()
            killer.cancel()
            self.current_child = None
        with open(log_path, "rb") as lf:
            out = lf.read()[-2000:].decode(errors="replace")
        rss, cpu = 0.0, 0.0
        try:
            with open(ru_path) as f:
                last = f.read().strip().splitlines()[-1].split()
            rss, cpu = int(last[0]) / 1024.0, float(last[1]) + float(last[2])
        except (OSError, IndexError, ValueError):
            pass
        return p.returncode, t1 - t0, cpu, rss, out

    def measure(self, key, tool):
        if key in self.measured:
            return self.measured[key]
        res = dict(label=tool.label, times=[], cpu=[], rss=[], extra=[], error=None, assetfetch=tool.assetfetch,
                   load=(load1(), None))
        reps = min(self.reps, tool.reps) if tool.reps else self.reps
        for i in range(reps):
            if tool.prep:
                tool.prep()
            os.sync()  # no dirty pages of an earlier run are flushed during this one
            rc, wall, cpu, rss, out = self.run_once(tool.argv, tool.env)
            extra = tool.after() if tool.after else None
            if rc != 0:
                res["error"] = f"exit {rc}: {out.strip()[-600:]}"
                self.log(f"  {tool.label}: FAILED (exit {rc})\n{out}")
                break
            if i == 0 and tool.check:
                err = tool.check()
                if err:
                    res["error"] = f"wrong output: {err}"
                    self.log(f"  {tool.label}: WRONG OUTPUT: {err}")
                    break
            res["times"].append(wall)
            res["cpu"].append(cpu)
            res["rss"].append(rss)
            if extra is not None:
                res["extra"].append(extra)
            self.log(f"  {tool.label} [{i + 1}/{reps}]: {wall:.3f} s, cpu {cpu:.2f} s, rss {rss:.1f} MiB"
                     + (f", {extra}" if extra is not None else ""))
        res["load"] = (res["load"][0], load1())
        self.measured[key] = res
        return res

    def sample_disk(self, key, argv, env, prep, dirs, dest_dir):
        """One untimed run of argv while a thread sums the allocated bytes under dirs every ~5 ms.
        Keeps the peak over the run, the peak while dest_dir holds no allocated block yet (the
        transfer, before the destination is installed) and what is left at the end."""
        prep()
        os.sync()
        peak = {"all": 0, "transfer": 0}
        stop = threading.Event()

        def loop():
            while not stop.is_set():
                total = allocated(dirs)
                peak["all"] = max(peak["all"], total)
                if allocated([dest_dir]) == 0:
                    peak["transfer"] = max(peak["transfer"], total)
                stop.wait(0.005)

        t = threading.Thread(target=loop)
        t.start()
        try:
            rc, wall, _cpu, _rss, o = self.run_once(argv, env)
        finally:
            stop.set()
            t.join()
        end = allocated(dirs)
        self.disk[key] = dict(error=None if rc == 0 else f"exit {rc}: {o.strip()[-300:]}", peak=peak["all"],
                              transfer=peak["transfer"], end=end, wall=wall)
        self.log(f"  disk {key}: peak {peak['all'] / MiB:.0f} MiB, during transfer {peak['transfer'] / MiB:.0f} MiB, "
                 f"at end {end / MiB:.0f} MiB")
