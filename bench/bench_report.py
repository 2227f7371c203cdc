"""Markdown for bench/run: one table per case, the disk table and the targets table.

measured: key -> dict(label, times, cpu, rss, extra, error, assetfetch, load), as bench/run's measure()
fills it; disk: key -> dict(error, transfer, peak, end) in bytes, from sample_disk().
"""
import statistics

MiB = 1024 * 1024
DISK_MODES = {"1.af": "default (cache, destination copied or cloned after the download)",
              "1.af_nocache": "`--no-cache` (destination written directly)",
              "1.af_hardlink": "`install: hardlink`"}


def med(r):
    return statistics.median(r["times"]) if r and r["times"] and not r["error"] else None


def load_cell(r):
    """The 1-minute load average before the row's first rep and after its last ("6.1-7.3")."""
    a, b = (r or {}).get("load") or (None, None)
    return "?" if a is None or b is None else f"{a:.1f}-{b:.1f}"


def tool_row(measured, key, af_key):
    r = measured.get(key)
    if r is None:
        return None
    if r["error"]:
        return f"| {r['label']} | FAILED | | | | {r['error'].splitlines()[0][:120]} | {load_cell(r)} |"
    m = med(r)
    ratio = ""
    if key != af_key and med(measured.get(af_key)):
        ratio = f"{med(measured[af_key]) / m:.2f}x"
    return (f"| {r['label']} | {m:.3f} | {min(r['times']):.3f}-{max(r['times']):.3f} | "
            f"{statistics.median(r['cpu']):.2f} | {max(r['rss']):.1f} | {ratio} | {load_cell(r)} |")


def case_tables(tables, measured):
    """tables: [(title, note, [keys])]; ratios are against the first assetfetch row of each."""
    lines = []
    for title, note, keys in tables:
        af_key = next((k for k in keys if measured.get(k, {}).get("assetfetch")), keys[0])
        lines += [f"## {title}", ""]
        if note:
            lines += [note, ""]
        lines.append("| tool | median s | min-max s | CPU s | peak RSS MiB | assetfetch / this | load before-after |")
        lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        lines += [row for row in (tool_row(measured, k, af_key) for k in keys) if row]
        lines.append("")
    return lines


def disk_table(disk, size, size_desc):
    if not disk:
        return []
    lines = [f"## Disk during one {size_desc} fetch (fresh cache)", "",
             "Allocated bytes (st_blocks; a hardlinked inode once) under the cache dir and the destination dir, "
             "sampled every ~5 ms in one untimed run per mode. \"during transfer\" = while the destination "
             "dir holds no allocated block yet. x = / file size.", "",
             "| mode | peak during transfer | peak over the run | at the end |",
             "| --- | ---: | ---: | ---: |"]
    for key, d in disk.items():
        label = DISK_MODES.get(key, key)
        if d["error"]:
            lines.append(f"| {label} | FAILED | | {d['error'].splitlines()[0][:120]} |")
            continue
        cells = " | ".join("n/a" if k == "transfer" and key == "1.af_nocache" else
                           f"{d[k] / MiB:.0f} MiB ({d[k] / size:.2f}x)" for k in ("transfer", "peak", "end"))
        lines.append(f"| {label} | {cells} |")
    lines.append("")
    return lines


def target_row(measured, disk, size, text, kind, ak, pk, thr):
    """One line of the Targets table. kind: ratio (medians of ak / pk), rss (max MiB), spread
    (max/min wall time), requests (max per rep), disk (disk[ak][pk] / size)."""
    if kind == "disk":
        d = disk.get(ak)
        if not d or d["error"]:
            return f"| {text} | run failed | no |"
        v = d[pk] / size
        return f"| {text} | {v:.2f}x ({d[pk] / MiB:.0f} MiB) | {'yes' if v <= thr else 'NO'} |"
    a = measured.get(ak)
    if not a or a["error"]:
        return f"| {text} | assetfetch failed | no |"
    if kind == "rss":
        v = max(a["rss"])
        return f"| {text} | {v:.1f} MiB | {'yes' if v < thr else 'NO'} |"
    if kind == "spread":
        v = max(a["times"]) / min(a["times"])
        note = " (1 rep: meaningless)" if len(a["times"]) < 2 else ""
        return (f"| {text} | {v:.2f} ({min(a['times']):.3f}-{max(a['times']):.3f} s){note} | "
                f"{'yes' if v <= thr else 'NO'} |")
    if kind == "requests":
        if not a["extra"]:
            return f"| {text} | not counted | ? |"
        v = max(a["extra"])
        return f"| {text} | max {v} (per rep: {'/'.join(map(str, a['extra']))}) | {'yes' if v <= thr else 'NO'} |"
    p = measured.get(pk)
    if not p or p["error"]:
        return f"| {text} | peer failed | ? |"
    v = med(a) / med(p)
    return (f"| {text} | {v:.2f}x ({med(a):.3f} s vs {med(p):.3f} s) | {'yes' if v <= thr else 'NO'} | "
            f"{load_cell(a)} / {load_cell(p)} |")


def targets_table(targets, measured, disk, size, quick):
    """targets: [(text, kind, key, peer_key, threshold)], see target_row."""
    if not targets:
        return []
    lines = ["## Targets (issues 9 and 19, and the earlier ones that still apply)", ""]
    if quick:
        lines += ["(--quick sizes: ratios are indicative only; the targets are for the full sizes.)", ""]
    lines += ["Last column: the 1-minute load average before and after the assetfetch row / the peer row "
              "(the machine is shared with other work; a load above its 2 cores inflates wall times).", "",
              "| target | measured | met | load before-after |", "| --- | ---: | :---: | ---: |"]
    for t in targets:
        row = target_row(measured, disk, size, *t)
        lines.append(row if row.count(" | ") >= 3 else row + " |")  # only a measured ratio has a load cell
    lines.append("")
    return lines
