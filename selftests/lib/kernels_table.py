#!/usr/bin/env python3
"""kernels_table.py MEASURED - docs/kernels.md's measured table.

MEASURED has lines "NAME KIND TEXT" written by selftests/vm/run.sh: KIND
SOURCES is ksmtrace's start-up line on that kernel, INVARIANTS its
"invariants checked: ...; not checkable here: ..." line, RELEASE its
uname -r (printed on stderr).  Prints the markdown table: one row per event (its source on
each kernel: tracepoint, probe or -), then the fidelity and the
invariants checked, one column per kernel in a fixed order.
"""
import re
import sys

ORDER = [("series", "patched 6.1 (series)"), ("debian-6.1", "Debian 6.1"),
         ("debian-6.12", "Debian 6.12"), ("host", "this machine")]


def events_in(text, after):
    m = re.search(re.escape(after) + r" \(([^)]*)\)", text)
    if not m:
        return []
    return [e for e in m.group(1).split(",") if e.startswith("ksm_")]


def main():
    k = {}
    for line in open(sys.argv[1], encoding="utf-8"):
        parts = line.rstrip("\n").split(" ", 2)
        if len(parts) == 3:
            k.setdefault(parts[0], {})[parts[1]] = parts[2]
    cols = [(n, t) for n, t in ORDER if n in k]
    src, evs = {}, []
    for n, _ in cols:
        s = k[n].get("SOURCES", "")
        via = re.search(r"tracepoints via (\S+) \(", s)
        tps = events_in(s, "tracepoints via " + (via.group(1) if via else "-"))
        prs = events_in(s, "events from kprobes")
        for e in tps + prs:
            if e not in evs:
                evs.append(e)
        src[n] = {**{e: "tracepoint" for e in tps}, **{e: "probe" for e in prs}}
    order = ["ksm_start_scan", "ksm_stop_scan", "ksm_enter", "ksm_exit",
             "ksm_merge_one_page", "ksm_merge_with_ksm_page",
             "ksm_remove_ksm_page", "ksm_remove_rmap_item", "ksm_advisor",
             "ksm_stable_tree_insert", "ksm_unstable_tree_insert",
             "ksm_stable_tree_append", "ksm_remove_rmap_item_from_tree",
             "ksm_stale_node", "ksm_get_ksm_page_retry", "ksm_migrate_page",
             "ksm_rmap_walk", "ksm_purge", "ksm_rmap_item_alloc",
             "ksm_rmap_item_free", "ksm_drop_rmap_item", "ksm_break_ksm"]
    evs = [e for e in order if e in evs] + [e for e in evs if e not in order]
    # releases only in the suite's log: Debian's next image must not
    # change the table unless it changes what the tools get
    print("| event | " + " | ".join(t for n, t in cols) + " |")
    sys.stderr.write("releases: " + ", ".join(
        f"{t} {k[n].get('RELEASE', '?')}" for n, t in cols) + "\n")
    print("|---|" + "---|" * len(cols))
    for e in evs:
        print(f"| {e} | " + " | ".join(src[n].get(e, "-") for n, _ in cols) + " |")
    fid = [re.search(r"fidelity (\S+)$", k[n].get("SOURCES", "")) for n, _ in cols]
    print("| **fidelity** | " + " | ".join(
        f.group(1) if f else "?" for f in fid) + " |")
    inv = []
    for n, _ in cols:
        m = re.search(r"checked: ([^;]*)", k[n].get("INVARIANTS", ""))
        inv.append(m.group(1).strip() if m else "?")
    print("| **invariants checked** | " + " | ".join(inv) + " |")


if __name__ == "__main__":
    main()
