#!/usr/bin/env python3
"""ksmtop_json.py MODE FILE [ARGS] - check ksmtop -j output.

Prints one "PASS desc" or "FAIL desc" line per check (tap.sh's json_check
turns them into TAP).  Modes:
  schema FILE                       every line a JSON object with the schema
  vm FILE                           patched kernel: fidelity full, and the
                                    stale/retry/migration/purge rates rose
  live FILE PID FIDELITY PROC_AFTER running kernel, while PID merges
  exact FILE PID MERGING RMAP PROFIT quiescent: equal to /proc
  tier FILE NAME FIDELITY           any kernel under the mix: that fidelity,
                                    every rate it can show (not null) rose
  merging FILE NAME PID MERGING     the pid's merging pages equal /proc's
"""
import json
import sys

KEYS = ("settings", "counters", "rates", "processes", "fidelity",
        "overhead", "violations", "ksmd", "groups")
PROC_KEYS = ("pid", "comm", "merging_pages", "rmap_items", "profit_bytes",
             "cgroup", "guest")
KSMD_KEYS = ("pid", "cpu_percent", "cpu_seconds", "pages_scanned_per_s",
             "full_pass_s", "full_pass_model_s", "full_pass_pages",
             "cpu_us_per_page", "profit_bytes_per_cpu_s", "advisor", "what_if")


def say(ok, desc):
    print(("PASS " if ok else "FAIL ") + desc)
    return ok


def load(path):
    objs, bad = [], 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                o = json.loads(line)
                objs.append(o if isinstance(o, dict) else None)
            except ValueError:
                bad += 1
    return objs, bad


def schema(objs, bad, what):
    ok = bool(objs) and not bad and all(o is not None for o in objs)
    ok = ok and all(all(k in o for k in KEYS) for o in objs)
    ok = ok and all(all(k in p for k in PROC_KEYS)
                    for o in objs for p in o["processes"])
    ok = ok and all(o["fidelity"] in ("full", "upstream", "counters",
                                      "probes", "upstream+probes")
                    for o in objs)
    ok = ok and all(all(k in o["ksmd"] for k in KSMD_KEYS) for o in objs)
    ok = ok and all(all(k in g for k in ("cgroup", "processes", "merging_pages"))
                    for o in objs for g in o["groups"])
    say(ok, f"{what}: {len(objs)} JSON lines, {bad} unparsable, schema "
        "(settings counters rates processes fidelity overhead violations "
        "ksmd groups)")
    return ok


def peak(objs, key):
    vals = [o["rates"].get(key) for o in objs]
    vals = [v for v in vals if v is not None]
    return max(vals) if vals else None


def main():
    mode, path = sys.argv[1], sys.argv[2]
    objs, bad = load(path)
    if not schema(objs, bad, f"ksmtop -j ({mode})"):
        return
    if mode == "vm":
        fid = sorted({o["fidelity"] for o in objs})
        say(fid == ["full"], f"ksmtop (vm): fidelity full on the patched kernel ({fid})")
        for k in ("stale", "retries", "migrations", "purges", "rmap_walks",
                  "stable_inserts", "unstable_inserts", "merges", "unmerges"):
            p = peak(objs, k)
            say(p is not None and p > 0, f"ksmtop (vm): {k}/s became non-zero (peak {p})")
        lost = max(o.get("lost_events", 0) for o in objs)
        say(lost == 0, f"ksmtop (vm): no lost events ({lost})")
        viol = max(o["violations"] for o in objs)
        say(viol == 0, f"ksmtop (vm): its live invariant checks saw no violation ({viol})")
        ns = [o["overhead"]["ns_per_event"] for o in objs
              if o["overhead"]["ns_per_event"]]
        say(bool(ns), f"ksmtop (vm): own overhead measured (ns/event {ns[:5]})")
    elif mode == "live":
        pid, fidelity, after = int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
        fid = sorted({o["fidelity"] for o in objs})
        say(fid == [fidelity], f"ksmtop (live): fidelity {fidelity} ({fid})")
        rows = [[p for p in o["processes"] if p["pid"] == pid] for o in objs]
        last = rows[-1][0] if rows[-1] else None
        say(last is not None, f"ksmtop (live): lists the workload's pid {pid}")
        if last is not None:
            m = last["merging_pages"]
            say(0 < m <= after, "ksmtop (live): merging pages of the last "
                f"interval {m} <= /proc/{pid}/ksm_merging_pages read after it ({after})")
        ms = [r[0].get("merges_per_s") or 0 for r in rows if r]
        say(max(ms, default=0) > 0, f"ksmtop (live): merges/s > 0 for the pid while it merges ({ms})")
        g = [o["rates"].get("merges") or 0 for o in objs]
        say(max(g) > 0, f"ksmtop (live): global merges/s > 0 ({g})")
        say(all(o["overhead"]["ns_per_event"] is not None for o in objs),
            "ksmtop (live): overhead (ns/event) reported")
        say(all(o["violations"] == 0 for o in objs), "ksmtop (live): violations 0")
    elif mode == "tier":
        name, fidelity = sys.argv[3], sys.argv[4]
        fid = sorted({o["fidelity"] for o in objs})
        say(fid == [fidelity], f"ksmtop ({name}): fidelity {fidelity} ({fid})")
        shown = [k for k in objs[0]["rates"]
                 if k not in ("unmerges_derived", "pages_scanned") and
                 peak(objs, k) is not None]
        # a failed merge needs a page changing under ksmd: a race the
        # mix may or may not meet, so it is shown but not required
        flat = [k for k in shown if not peak(objs, k) > 0]
        need = [k for k in flat if k != "merge_fails"]
        say(bool(shown) and not need, f"ksmtop ({name}): every rate this "
            f"kernel shows rose under the mix, merge_fails aside ("
            f"{len(shown)} shown: {' '.join(shown)}; still 0: "
            f"{' '.join(flat) or 'none'})")
        lost = max(o.get("lost_events", 0) for o in objs)
        viol = max(o["violations"] for o in objs)
        say(lost == 0 and viol == 0, f"ksmtop ({name}): no lost event "
            f"({lost}), no violation from its live checks ({viol})")
    elif mode == "merging":
        name, pid, want = sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
        row = [p for p in objs[-1]["processes"] if p["pid"] == pid]
        got = row[0]["merging_pages"] if row else None
        say(got == want and want > 0, f"ksmtop ({name}): the held "
            f"process's merging pages {got} equal /proc/{pid}/"
            f"ksm_merging_pages ({want})")
    elif mode == "exact":
        pid, merging, rmap, profit = (int(a) for a in sys.argv[3:7])
        row = [p for p in objs[-1]["processes"] if p["pid"] == pid]
        got = (row[0]["merging_pages"], row[0]["rmap_items"],
               row[0]["profit_bytes"]) if row else None
        say(got == (merging, rmap, profit), "ksmtop (quiescent): merging, "
            f"rmap items, profit {got} equal /proc {(merging, rmap, profit)}")


if __name__ == "__main__":
    main()
