#!/usr/bin/env python3
"""sources_check.py NAME JSONL PERFETTO STARTUP - each event's source.

JSONL is ksmtrace -j's output, PERFETTO its --perfetto file, STARTUP a
file holding its start-up line ("... attached N ksm tracepoints via X
(a,b) and M events from kprobes (c,d); ...").  Every event must carry
the source that line gives its type ("tracepoint" or "probe"), in the
JSON ("source") and in Perfetto (category "ksm,<source>").  Prints PASS
or FAIL lines (tap.sh's tap_lines makes them TAP).
"""
import json
import re
import sys


def listed(line, after):
    m = re.search(re.escape(after) + r" \(([^)]*)\)", line)
    return [e for e in m.group(1).split(",") if e.startswith("ksm_")] if m else []


def main():
    name, jl, pf, su = sys.argv[1:5]
    line = next((l for l in open(su, encoding="utf-8")
                 if " attached " in l), "")
    via = re.search(r"tracepoints via (\S+) \(", line)
    want = {e: "tracepoint" for e in
            listed(line, "tracepoints via " + (via.group(1) if via else "-"))}
    want.update({e: "probe" for e in listed(line, "events from kprobes")})
    ev = [json.loads(l) for l in open(jl, encoding="utf-8") if l.startswith("{")]
    bad = [e["event"] for e in ev if e.get("source") != want.get(e["event"])]
    seen = sorted({f'{e["event"]}={e.get("source")}' for e in ev})
    print("PASS" if ev and not bad else "FAIL", f"ksmtrace -j ({name}): "
          f"every one of {len(ev)} events carries the source its start-up "
          f"line names ({' '.join(seen)}; wrong: {len(bad)})")
    t = json.load(open(pf, encoding="utf-8"))
    inst = [e for e in t["traceEvents"] if e.get("ph") == "i"]
    badp = [e["name"] for e in inst
            if e.get("cat") != "ksm," + want.get(e["name"], "?")]
    print("PASS" if inst and len(inst) == len(ev) and not badp else "FAIL",
          f"--perfetto ({name}): {len(inst)} instants, each in category "
          f"ksm,<its source> (wrong: {len(badp)})")


if __name__ == "__main__":
    main()
