#!/usr/bin/env python3
"""selftests/bench/bench.py - what ksmscope costs, next to bpftrace, BCC and
nothing at all.

    bench.py [--smoke] [--vm] [--rounds N] [--seconds S]
    bench.py --against DIR [--smoke] [--rounds N] [--seconds S]

--against compares this build's ksmtop and ksmtrace with another build's
(DIR holds ksmtop and ksmtrace, or is a source tree with them built) and
nothing else: the two alternate round by round under the same churn, and
the table gives this build's ns per BPF program run over the other's.
`make bench-against REF=<commit>` builds REF in a temporary clone and
runs it.  This is how "the figures did not get worse" is shown: two
full `make bench` runs on different hours differ by more than a change
ever costs.

`make bench` runs it in full with --vm; `make test` runs --smoke (about
30 s: it runs and writes a well-formed table; nothing is asserted about
the figures).

Every figure is a ratio measured side by side in one run: the
configurations alternate round by round (order reversed every other
round), each round measures the baseline again, and the table gives the
median and the min / max of the per-round ratios.

Writes $BUILD/bench-results.json: a list of objects with name, ours, peer,
ratio, target, met (and unit, min, max, rounds, note).  Needs root.  Puts
back whatever it changed: /sys/kernel/mm/ksm, kernel.bpf_stats_enabled,
the tracefs/debugfs mounts the peers need.
"""
import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import socket
import tempfile
import threading
import time

KSM = "/sys/kernel/mm/ksm"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(os.environ.get("BUILD", os.path.join(ROOT, "build")))
KSMTOP = os.path.join(BUILD, "ksmtop")
KSMTRACE = os.path.join(BUILD, "ksmtrace")
KSMWL = os.path.join(BUILD, "ksmwl")
SYSTEM_PY = "/usr/bin/python3"  # Debian's, where python3-bpfcc lives
TRACEFS = "/sys/kernel/tracing"
DEBUGFS = "/sys/kernel/debug"


def log(msg):
    print("# " + msg, flush=True)


# ---- global state: saved, restored whatever happens ----

def ksm_knobs():
    knobs = {}
    for f in sorted(os.listdir(KSM)):
        path = os.path.join(KSM, f)
        if os.path.isfile(path) and os.stat(path).st_mode & 0o200:
            with open(path) as fh:
                knobs[f] = fh.read().strip()
    return knobs


def ksm_set(name, value):
    with open(os.path.join(KSM, name), "w") as fh:
        fh.write(str(value))


def ksm_get(name):
    try:
        with open(os.path.join(KSM, name)) as fh:
            return int(fh.read().strip())
    except (OSError, ValueError):
        return None


def ksm_restore(saved):
    """As selftests/lib/tap.sh's ksm_restore: knobs that need an empty
    stable tree get it (run=2), run goes back last."""
    cur = ksm_knobs()
    if any(cur.get(k) != saved[k] for k in ("merge_across_nodes", "max_page_sharing") if k in saved):
        ksm_set("run", 2)
    for k, v in saved.items():
        if k != "run" and cur.get(k) != v:
            try:
                ksm_set(k, v)
            except OSError:
                pass
    if ksm_knobs().get("run") != saved.get("run"):
        ksm_set("run", saved.get("run", "0"))


def sysctl(name, value=None):
    path = "/proc/sys/" + name.replace(".", "/")
    with open(path) as fh:
        old = fh.read().strip()
    if value is not None:
        with open(path, "w") as fh:
            fh.write(str(value))
    return old


def mount_if_missing(fstype, where, probe):
    """bpftrace and BCC find tracepoints through tracefs (BCC through
    debugfs' tracing/): mount what is missing, return what to unmount."""
    if os.path.exists(os.path.join(where, probe)):
        return None
    r = subprocess.run(["mount", "-t", fstype, fstype, where], capture_output=True)
    return where if r.returncode == 0 else None


def bcc_headers(tmp):
    """BCC compiles its C at run time against kernel headers.  There are
    none for the running kernel here; Debian's linux-headers (common +
    arch halves) merged into one tree serve tracepoint programs, which
    read only the tracepoint's format.  None if not installed."""
    common = sorted(d for d in os.listdir("/usr/src") if re.match(r"linux-headers-.*-common$", d))
    if not common:
        return None
    arch = common[-1].replace("-common", "-amd64")
    if not os.path.isdir(os.path.join("/usr/src", arch)):
        return None
    out = os.path.join(tmp, "kheaders")
    subprocess.run(["cp", "-rs", os.path.join("/usr/src", common[-1]) + "/.", out + "/"], check=True)
    subprocess.run(["cp", "-rsf", "--remove-destination", os.path.join("/usr/src", arch) + "/.",
                    out + "/"], check=True)
    return out


# ---- BPF program run statistics (kernel.bpf_stats_enabled) ----

def prog_stats():
    out = subprocess.run(["bpftool", "-j", "prog", "show"], capture_output=True, text=True)
    try:
        progs = json.loads(out.stdout or "[]")
    except ValueError:
        progs = []
    return {p["id"]: (p.get("run_time_ns", 0), p.get("run_cnt", 0)) for p in progs}


def cost_of(before, after, ids):
    """ns per run over the programs ids, between two prog_stats()."""
    ns = cnt = 0
    for i in ids:
        if i in after:
            b = before.get(i, (0, 0))
            ns += after[i][0] - b[0]
            cnt += after[i][1] - b[1]
    return (ns / cnt if cnt else None), cnt


# ---- the peers: the same jobs written for bpftrace and BCC ----

def tracepoints():
    """name -> [(field, is_pointer)] for every ksm:* tracepoint."""
    base = os.path.join(TRACEFS, "events/ksm")
    tps = {}
    for name in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        fmt = os.path.join(base, name, "format")
        if not os.path.isfile(fmt):
            continue
        fields = []
        with open(fmt) as fh:
            for line in fh:
                m = re.match(r"\s*field:(.*?)\s+(\w+);\s*offset:\d+;\s*size:(\d+);", line)
                if m and not m.group(2).startswith("common_"):
                    fields.append((m.group(2), "*" in m.group(1)))
        tps[name] = fields
    return tps


READY = 'BEGIN { printf("ready\\n"); }\n'  # bpftrace runs BEGIN once all probes are attached


def bpftrace_count(tps):
    """ksmtop's work: a count per event type, a count per mm where the
    event names one."""
    lines = []
    for i, (name, fields) in enumerate(tps.items()):
        body = f"@ev[{i}] = count();"
        if any(f == "mm" for f, _ in fields):
            body += " @mm[args->mm] = count();"
        lines.append(f"tracepoint:ksm:{name} {{ {body} }}")
    return READY + "\n".join(lines) + "\n"


def bpftrace_stream(tps):
    """ksmtrace's work: every field of every event, to stdout."""
    lines = []
    for name, fields in tps.items():
        fmt = " ".join(f"{f}=%llx" if ptr else f"{f}=%lld" for f, ptr in fields)
        args = "".join(f", (uint64)args->{f}" if ptr else f", (int64)args->{f}"
                       for f, ptr in fields)
        lines.append(f'tracepoint:ksm:{name} {{ printf("%llu %d %d %s {name} {fmt}\\n", '
                     f"nsecs, cpu, pid, comm{args}); }}")
    return READY + "\n".join(lines) + "\n"


def bcc_count(tps):
    """The same count per type and per mm, as a BCC script."""
    probes = []
    for i, (name, fields) in enumerate(tps.items()):
        mm = "u64 key = (u64)args->mm; mm.increment(key);" if any(f == "mm" for f, _ in fields) else ""
        probes.append(f"TRACEPOINT_PROBE(ksm, {name}) {{ ev.increment({i}); {mm} return 0; }}")
    text = "BPF_PERCPU_ARRAY(ev, u64, 32);\nBPF_HASH(mm, u64, u64, 16384);\n" + "\n".join(probes)
    return ("from bcc import BPF\nimport time\n"
            f"b = BPF(text={text!r})\n"
            "print('ready', flush=True)\n"
            "time.sleep(3600)\n")


# ---- running tools ----

class Tool:
    """A tool in the background; start() returns once its marker line is
    out (seconds since exec in self.ready)."""

    def __init__(self, name, argv, marker, stream="stderr", env=None):
        self.name, self.argv, self.marker, self.stream, self.env = name, argv, marker, stream, env
        self.proc = self.drain = self.rest = None
        self.lines = []
        self.ready = None

    def start(self, timeout=120):
        t0 = time.monotonic()
        out = subprocess.PIPE if self.stream == "stdout" else subprocess.DEVNULL
        err = subprocess.PIPE if self.stream == "stderr" else subprocess.DEVNULL
        self.proc = subprocess.Popen(self.argv, stdout=out, stderr=err, text=True, env=self.env)
        pipe = self.proc.stdout if self.stream == "stdout" else self.proc.stderr
        while time.monotonic() - t0 < timeout:
            line = pipe.readline()
            if not line:
                break
            self.lines.append(line.rstrip("\n"))
            if re.search(self.marker, line):
                self.ready = time.monotonic() - t0
                # keep reading what it prints, as a user's terminal would;
                # stderr (our tools' notices and summary) is kept
                self.rest = tempfile.TemporaryFile("w+") if self.stream == "stderr" else None
                self.drain = subprocess.Popen(["cat"], stdin=pipe, stdout=self.rest or subprocess.DEVNULL)
                return True
        return False

    def stop(self, interrupt=True, timeout=30):
        """SIGINT (or, interrupt=False, wait for it to end by itself);
        returns (exit status, peak RSS in KiB so far, when it was still
        running)."""
        if not self.proc:
            return None, None
        # the high-water mark of its own address space (rusage's maxrss
        # would count the Python that forked it, before exec)
        hwm = None
        try:
            with open(f"/proc/{self.proc.pid}/status") as fh:
                hwm = next((int(l.split()[1]) for l in fh if l.startswith("VmHWM:")), None)
        except OSError:
            pass
        if interrupt:
            self.proc.send_signal(signal.SIGINT)
        t0 = time.monotonic()
        while True:
            pid, status, ru = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - t0 > timeout:
                self.proc.kill()
            time.sleep(0.02)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        if self.drain:
            self.drain.wait()
        if self.rest:
            self.rest.seek(0)
            self.lines += self.rest.read().splitlines()
            self.rest.close()
        return self.proc.returncode, hwm


# ---- results ----

def summarize(name, ours, peer, ratios, target, better, unit, note=""):
    """better: 'le' (the ratio's median <= target is met), 'ge', or None
    (no target: shown for comparison)."""
    r = {"name": name, "ours": ours, "peer": peer, "ratio": None, "target": target,
         "met": None, "unit": unit, "min": None, "max": None, "rounds": len(ratios), "note": note}
    if not ratios:
        r["note"] = note or "not measured"
        return r
    med = statistics.median(ratios)
    r.update(ratio=round(med, 4), min=round(min(ratios), 4), max=round(max(ratios), 4))
    if better:
        r["met"] = bool(med <= target if better == "le" else med >= target)
    return r


def med(xs):
    return round(statistics.median(xs), 4) if xs else None


def print_table(results, out):
    def f(x):
        return "-" if x is None else (f"{x:.4g}" if isinstance(x, float) else str(x))
    print(f"{'measure':56} {'ours':>10} {'peer':>10} {'ratio':>8} {'min':>8} {'max':>8} "
          f"{'target':>7} met", file=out)
    for r in results:
        met = "-" if r["met"] is None else ("yes" if r["met"] else "NO")
        print(f"{r['name'][:56]:56} {f(r['ours']):>10} {f(r['peer']):>10} {f(r['ratio']):>8} "
              f"{f(r['min']):>8} {f(r['max']):>8} {f(r['target']):>7} {met}"
              f"{'  (' + r['note'] + ')' if r['note'] else ''}", file=out)


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    tools = []
    for argv in (["bpftrace", "--version"], [SYSTEM_PY, "-c", "import bcc; print('bcc', bcc.__version__)"]):
        try:
            tools.append(subprocess.run(argv, capture_output=True, text=True).stdout.strip())
        except OSError:
            pass
    return (f"{os.uname().release}, {os.cpu_count()} CPUs ({cpu}), {mem:.0f} GiB; "
            + ", ".join(t for t in tools if t))


def write_markdown(results, path, argv):
    def f(x):
        return "-" if x is None else (f"{x:.4g}" if isinstance(x, float) else str(x))
    with open(path, "w") as fh:
        fh.write(f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {machine()}.\n"
                 f"Command: `{' '.join(argv)}`.\n\n"
                 "| measure | ours | peer | ratio (median) | min | max | target | met |\n"
                 "|---|---:|---:|---:|---:|---:|---:|---|\n")
        for r in results:
            met = "-" if r["met"] is None else ("**yes**" if r["met"] else "**no**")
            note = f" ({r['note']})" if r["note"] else ""
            fh.write(f"| {r['name']}{note} | {f(r['ours'])} {r.get('unit', '')} | {f(r['peer'])} | "
                     f"{f(r['ratio'])} | {f(r['min'])} | {f(r['max'])} | {f(r['target'])} | {met} |\n")


# ---- the measurements on the running kernel ----

def cost_and_throughput(a, scripts, have, secs, rounds):
    """Under churn at a saturated ksmd: each tool attached in turn next to
    a run with nothing attached; pages scanned per second and ns per BPF
    program run."""
    configs = {
        "none": None,
        "ksmtop": lambda: Tool("ksmtop", [KSMTOP, "-b", "-d", "1"], r"^ksmtop: attached"),
        "ksmtrace": lambda: Tool("ksmtrace", [KSMTRACE, "-j"], r"^ksmtrace: attached"),
    }
    if have["bpftrace"]:
        configs["bpftrace-count"] = lambda: Tool("bpftrace", ["bpftrace", scripts["bt_count"]],
                                                 r"^ready", stream="stdout")
        configs["bpftrace-stream"] = lambda: Tool("bpftrace", ["bpftrace", scripts["bt_stream"]],
                                                  r"^ready", stream="stdout")
    if have["bcc"]:
        configs["bcc-count"] = lambda: Tool("bcc", [SYSTEM_PY, scripts["bcc_count"]], r"^ready",
                                            stream="stdout", env=have["bcc_env"])
    scanned = "pages_scanned" if ksm_get("pages_scanned") is not None else "full_scans"
    log(f"ksmd: pages_to_scan={ksm_get('pages_to_scan')} sleep_millisecs={ksm_get('sleep_millisecs')}; "
        f"throughput from {scanned}; {rounds} round(s) of {secs:g} s per configuration")
    # each tool is measured next to its own baseline (nothing attached),
    # in alternating order: ksmd's rate drifts with the host's load, and
    # only adjacent measurements make a ratio worth having
    tools = [k for k in configs if k != "none"]
    tput = {k: [] for k in tools}
    base = {k: [] for k in tools}
    cost = {k: [] for k in tools}

    def rate_over(tool):
        """ksmd's rate over secs with tool attached (None: nothing), and
        the ns per run of the tool's programs."""
        before = set(prog_stats())
        if tool and not tool.start():
            log(f"{tool.name}: did not start: {' | '.join(tool.lines[-3:])}")
            tool.stop()
            return None, None
        s0 = prog_stats()
        n0, t0 = ksm_get(scanned), time.monotonic()
        time.sleep(secs)
        n1, t1 = ksm_get(scanned), time.monotonic()
        s1 = prog_stats()
        c = None
        if tool:
            tool.stop()
            c, _ = cost_of(s0, s1, set(s0) - before)
        return (n1 - n0) / (t1 - t0), c

    for r in range(rounds):
        for i, name in enumerate(tools if r % 2 == 0 else reversed(tools)):
            pair = [None, configs[name]] if (r + i) % 2 == 0 else [configs[name], None]
            got = {}
            for mk in pair:
                got["tool" if mk else "none"] = rate_over(mk() if mk else None)
            if got["tool"][0] is None:
                continue
            tput[name].append(got["tool"][0])
            base[name].append(got["none"][0])
            if got["tool"][1] is not None:
                cost[name].append(got["tool"][1])
        log("round %d: rate / nothing: %s" % (r + 1, ", ".join(
            f"{k} {tput[k][-1] / base[k][-1]:.3f}" for k in tools if tput[k] and base[k][-1])))
        log("round %d: ns/run %s" % (r + 1, ", ".join(f"{k} {v[-1]:.0f}" for k, v in cost.items() if v)))
    res = []
    for ours, peer, label in (("ksmtop", "bpftrace-count", "count per type and mm"),
                              ("ksmtrace", "bpftrace-stream", "stream every field")):
        o, p = cost.get(ours, []), cost.get(peer, [])
        ratios = [x / y for x, y in zip(o, p) if y]
        res.append(summarize(f"cost per event: {ours} / bpftrace ({label})", med(o), med(p), ratios,
                             0.25, "le", "ns/run", "" if p else "bpftrace not available"))
    if "bcc-count" in cost:
        o, p = cost["ksmtop"], cost["bcc-count"]
        res.append(summarize("cost per event: ksmtop / bcc (count per type and mm)", med(o), med(p),
                             [x / y for x, y in zip(o, p) if y], None, None, "ns/run",
                             "no target; for comparison"))
    for name in tools:
        ratios = [x / b for x, b in zip(tput[name], base[name]) if b]
        res.append(summarize(f"ksmd throughput: {name} / nothing", med(tput[name]), med(base[name]), ratios,
                             0.99 if name == "ksmtop" else None, "ge" if name == "ksmtop" else None,
                             f"{scanned}/s", "" if name == "ksmtop" else "no target; for comparison"))
    return res


def find_build(d):
    """ksmtop and ksmtrace of the build in d: d itself, d/build, or the
    tools/ tree of builds from before the binaries moved to build/."""
    for top, trace in ((os.path.join(d, "ksmtop"), os.path.join(d, "ksmtrace")),
                       (os.path.join(d, "build", "ksmtop"), os.path.join(d, "build", "ksmtrace")),
                       (os.path.join(d, "tools", "ksmtop", "ksmtop"),
                        os.path.join(d, "tools", "ksmtrace", "ksmtrace"))):
        if os.access(top, os.X_OK) and os.access(trace, os.X_OK):
            return {"ksmtop": top, "ksmtrace": trace}
    return None


def against(other, secs, rounds):
    """This build's tools next to other's, alternating, under one churn:
    ns per program run, this over other, per round."""
    this = {"ksmtop": KSMTOP, "ksmtrace": KSMTRACE}
    argv = {"ksmtop": ["-b", "-d", "1"], "ksmtrace": ["-j"]}
    cost = {(t, w): [] for t in this for w in ("this", "other")}
    for r in range(rounds):
        for tool in this:
            order = ("this", "other") if r % 2 == 0 else ("other", "this")
            for which in order:
                path = (this if which == "this" else other)[tool]
                before = set(prog_stats())
                t = Tool(tool, [path] + argv[tool], rf"^{tool}: attached")
                if not t.start():
                    log(f"{path}: did not start: {' | '.join(t.lines[-3:])}")
                    t.stop()
                    continue
                s0 = prog_stats()
                time.sleep(secs)
                s1 = prog_stats()
                t.stop()
                c, _ = cost_of(s0, s1, set(s0) - before)
                if c is not None:
                    cost[(tool, which)].append(c)
            log(f"round {r + 1}: {tool} ns/run this %s, other %s" % tuple(
                f"{cost[(tool, w)][-1]:.0f}" if cost[(tool, w)] else "-" for w in ("this", "other")))
    res = []
    for tool in this:
        o, p = cost[(tool, "this")], cost[(tool, "other")]
        res.append(summarize(f"cost per event: {tool}, this build / the other", med(o), med(p),
                             [x / y for x, y in zip(o, p) if y], None, None, "ns/run",
                             "" if o and p else "not measured"))
    return res


def event_loss(secs):
    """ksmtrace streaming every event as JSON (to a reader that keeps
    up, /dev/null) at a saturated ksmd: seen against fired.  ksmtrace
    counts every run of its programs in BPF (fired) and every failed
    ring buffer reservation (lost)."""
    tool = Tool("ksmtrace", [KSMTRACE, "-j", "-d", f"{secs:g}"], r"^ksmtrace: attached")
    tool.start()
    tool.stop(interrupt=False, timeout=secs + 60)
    summ = [x for x in tool.lines if x.startswith("ksmtrace: events")]
    m = re.search(r"lost (\d+); streamed (\d+) of (\d+) fired", summ[-1] if summ else "")
    name = "event loss: ksmtrace -j at a saturated ksmd"
    if not m:
        return summarize(name, None, None, [], 0, "le", "events", "no summary line from ksmtrace")
    lost, seen, fired = (int(x) for x in m.groups())
    return {"name": name, "ours": lost, "peer": fired,
            "ratio": round(seen / fired, 6) if fired else None, "target": 0, "met": lost == 0,
            "unit": "lost / fired", "min": None, "max": None, "rounds": 1,
            "note": f"{seen} streamed of {fired} fired in {secs:g} s, {lost} lost; ratio = streamed/fired"}


def cpu_seconds(pid):
    """CPU time of a process's main thread in seconds, to the nanosecond
    (schedstat; utime + stime count 10 ms ticks)."""
    with open(f"/proc/{pid}/schedstat") as fh:
        return int(fh.read().split()[0]) / 1e9


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def scrape(port):
    """One GET /metrics on loopback; seconds it took."""
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: bench\r\n\r\n")
    while s.recv(65536):
        pass
    s.close()
    return time.monotonic() - t0


def exporter(secs, rounds):
    """ksmtop --prometheus scraped once a second (as Prometheus would)
    next to ksmtop -b at the same interval, under the churn: the tool's
    CPU per second.  Then scrapes per second with 8 clients at once against
    one client (loopback, 100 scrapes per client)."""
    cpu = {"prom": [], "batch": []}
    tput1, tput8 = [], []
    for r in range(rounds):
        for kind in (("prom", "batch") if r % 2 == 0 else ("batch", "prom")):
            port = free_port()
            argv = [KSMTOP, "--prometheus", f"127.0.0.1:{port}", "-d", "1"] if kind == "prom" \
                else [KSMTOP, "-b", "-d", "1"]
            tool = Tool("ksmtop", argv, r"^ksmtop: attached")
            if not tool.start():
                log(f"exporter bench: ksmtop {kind} did not start: {' | '.join(tool.lines[-3:])}")
                tool.stop()
                continue
            c0, t0 = cpu_seconds(tool.proc.pid), time.monotonic()
            while time.monotonic() - t0 < secs:
                if kind == "prom":
                    scrape(port)
                time.sleep(1)
            cpu[kind].append((cpu_seconds(tool.proc.pid) - c0) / (time.monotonic() - t0))
            if kind == "prom":
                t1 = time.monotonic()
                for _ in range(100):
                    scrape(port)
                tput1.append(100 / (time.monotonic() - t1))
                threads = [threading.Thread(target=lambda: [scrape(port) for _ in range(100)])
                           for _ in range(8)]
                t1 = time.monotonic()
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                tput8.append(800 / (time.monotonic() - t1))
            tool.stop()
        log(f"round {r + 1}: exporter cpu/s {cpu['prom'][-1:]} vs -b {cpu['batch'][-1:]}; "
            f"scrapes/s {tput1[-1:]} with 1 client, {tput8[-1:]} with 8")
    return [
        summarize("exporter: ksmtop --prometheus / ksmtop -b, CPU per second", med(cpu["prom"]),
                  med(cpu["batch"]), [p / b for p, b in zip(cpu["prom"], cpu["batch"]) if b], None, None,
                  "cpu s/s", "no target; scraped once a second, 1 s interval, under churn"),
        summarize("exporter: scrapes per second, 8 clients / 1 client", med(tput8), med(tput1),
                  [x / y for x, y in zip(tput8, tput1) if y], None, None, "scrapes/s",
                  "no target; loopback, 100 scrapes per client (the Python clients are part of it)"),
    ]


def startup(scripts, have, rounds):
    """exec until the tool says it is attached (ours: the attach line;
    bpftrace: its BEGIN probe, which runs once every probe is attached;
    BCC: a print after BPF() returned), and peak RSS; ksmd idle."""
    tools = {
        "ksmtop": lambda: Tool("ksmtop", [KSMTOP, "-b", "-d", "1"], r"^ksmtop: attached"),
        "ksmtrace": lambda: Tool("ksmtrace", [KSMTRACE], r"^ksmtrace: attached"),
    }
    if have["bpftrace"]:
        tools["bpftrace"] = lambda: Tool("bpftrace", ["bpftrace", scripts["bt_count"]], r"^ready",
                                         stream="stdout")
    if have["bcc"]:
        tools["bcc"] = lambda: Tool("bcc", [SYSTEM_PY, scripts["bcc_count"]], r"^ready",
                                    stream="stdout", env=have["bcc_env"])
    st = {k: [] for k in tools}
    for r in range(rounds):
        for k in (list(tools) if r % 2 == 0 else list(reversed(tools))):
            t = tools[k]()
            t.start()
            time.sleep(0.3)  # ksmtop: its first frame, and what it allocates for it
            _, rss = t.stop()
            log(f"start-up {k}: {'-' if t.ready is None else f'{t.ready:.3f} s'}, peak RSS {rss} KiB")
            if t.ready is not None:
                st[k].append((t.ready, rss))
    res = []
    for peer, target in (("bpftrace", 0.2), ("bcc", 0.05)):
        p = st.get(peer, [])
        for ours in ("ksmtop", "ksmtrace"):
            o = st[ours]
            note = "" if p else f"{peer} not available"
            res.append(summarize(f"start-up: {ours} / {peer}", med([x[0] for x in o]),
                                 med([y[0] for y in p]), [x[0] / y[0] for x, y in zip(o, p) if y[0]],
                                 target, "le", "s", note))
            res.append(summarize(f"peak RSS: {ours} / {peer}", med([x[1] for x in o]),
                                 med([y[1] for y in p]), [x[1] / y[1] for x, y in zip(o, p) if y[1]],
                                 None, None, "KiB", "no target; for comparison" if p else note))
    return res


# ---- the kernel's own cost, in the VM ----

def vm_guest(secs):
    """The guest's tools (static ksmwl and ksmtop), its workload (ksmd's
    time per full scan over 4096 pages for secs), and how to run that
    with ksmtop OPTS attached: (guest dir, workload, with_ksmtop)."""
    guest = os.path.join(BUILD, "guest")
    os.makedirs(guest, exist_ok=True)
    for src, dst in (("ksmwl.static", "ksmwl"), ("ksmtop.static", "ksmtop")):
        shutil.copy(os.path.join(BUILD, src), os.path.join(guest, dst))
    wl = f"ksmwl -n 4096 -s {secs:g} scan"

    def with_ksmtop(opts):
        return f"ksmtop -b -d 1 {opts} >/dev/null 2>&1 & kp=$!; sleep 3; {wl}; kill $kp"
    return guest, wl, with_ksmtop


def vm_kernel_cost(rounds, secs):
    """Patched kernel (tracepoints off) against the same kernel built
    without the series, and patched with ksmtop attached: ksmd's time per
    full scan of one workload, boots alternating.  The guest's clock counts
    instructions (run-vm.sh -i), so these are instruction counts, not
    the host's noise: one vCPU, where ksmtop's own user space competes
    with ksmd as it would on a one-CPU machine."""
    res = []
    empty = tempfile.mkdtemp(prefix="ksmscope-noseries-")
    try:
        with open(os.path.join(empty, "series"), "w") as fh:
            fh.write("# no patches: the kernel ksmscope patches, unpatched\n")
        kdirs = {}
        for k, env in (("patched", dict(os.environ)), ("unpatched", dict(os.environ, KERNEL_SERIES=empty))):
            env.pop("EXTRA_PATCHES", None)
            b = subprocess.run([os.path.join(ROOT, "kernel/build.sh")], capture_output=True, text=True,
                               env=env)
            if b.returncode:
                log(f"kernel build ({k}) failed: {b.stderr.strip().splitlines()[-1:]}")
                return [summarize("kernel cost (vm): patched idle / unpatched", None, None, [], 0.99,
                                  "ge", "ms/scan", "kernel build failed")]
            kdirs[k] = b.stdout.strip().splitlines()[-1]
        guest, wl, with_ksmtop = vm_guest(secs)
        cmd = {"patched": ("patched", wl), "unpatched": ("unpatched", wl),
               "ksmtop": ("patched", with_ksmtop("")),
               "ksmtop --no-check": ("patched", with_ksmtop("--no-check")),
               "ksmtop --counters": ("patched", with_ksmtop("--counters"))}
        times = {k: [] for k in cmd}
        for r in range(rounds):
            for name in (list(cmd) if r % 2 == 0 else list(reversed(cmd))):
                k, c = cmd[name]
                # -i: guest time counts instructions, the host's load does not show
                out = subprocess.run([os.path.join(ROOT, "selftests/vm/run-vm.sh"), "-i", "-k",
                                      os.path.join(kdirs[k], "arch/x86/boot/bzImage"), "-t", "600",
                                      "-f", os.path.join(guest, "ksmwl"), "-f", os.path.join(guest, "ksmtop"),
                                      "--", "sh", "-c", c], capture_output=True, text=True)
                m = re.search(r"per_scan_ms=([\d.]+)", out.stdout + out.stderr)
                if m:
                    times[name].append(float(m.group(1)))
                else:
                    log(f"vm {name}: no measurement (harness status {out.returncode})")
            log("vm round %d: %s" % (r + 1, ", ".join(f"{k} {v[-1]:.2f} ms/scan" for k, v in times.items() if v)))
        # scan rate ratio = time per scan, inverted
        p, u = times["patched"], times["unpatched"]
        res.append(summarize("kernel cost (vm): patched idle / unpatched (scan rate)", med(p), med(u),
                             [y / x for x, y in zip(p, u) if x], 0.99, "ge", "ms/scan"))
        for name, note in (("ksmtop", "full fidelity, invariant checker on"),
                           ("ksmtop --no-check", "BPF counting only"),
                           ("ksmtop --counters", "no BPF: ksmtop's user space alone")):
            t = times[name]
            res.append(summarize(f"kernel cost (vm): patched + {name} / patched idle", med(t), med(p),
                                 [y / x for x, y in zip(t, p) if x], None, None, "ms/scan",
                                 f"no target; {note}; one vCPU"))
    finally:
        shutil.rmtree(empty, ignore_errors=True)
    return res


def vm_probe_cost(rounds, secs):
    """The probe tier's cost: Debian's own 6.1 (no ksm:* tracepoint; every
    event ksmtop counts comes from kprobes) idle, and with ksmtop attached,
    with and without the invariant checker: ksmd's time per full scan,
    boots alternating, the guest's clock counting instructions (-i, one
    vCPU, where ksmtop's user space competes with ksmd)."""
    d = subprocess.run([os.path.join(ROOT, "selftests/vm/debian-kernel.sh"), "6.1"],
                       capture_output=True, text=True)
    if d.returncode:
        log(f"debian 6.1 image: {d.stderr.strip()}")
        return [summarize("probe cost (vm, Debian 6.1): + ksmtop / idle (scan rate)", None, None,
                          [], None, None, "ms/scan", "no Debian image")]
    ddir = d.stdout.strip().splitlines()[-1]
    guest, wl, with_ksmtop = vm_guest(secs)
    cmd = {"idle": wl, "ksmtop": with_ksmtop(""), "ksmtop --no-check": with_ksmtop("--no-check")}
    times = {k: [] for k in cmd}
    for r in range(rounds):
        for name in (list(cmd) if r % 2 == 0 else list(reversed(cmd))):
            out = subprocess.run([os.path.join(ROOT, "selftests/vm/run-vm.sh"), "-i", "-k",
                                  os.path.join(ddir, "vmlinuz"), "-M", os.path.join(ddir, "modules"),
                                  "-t", "600", "-f", os.path.join(guest, "ksmwl"),
                                  "-f", os.path.join(guest, "ksmtop"), "--", "sh", "-c", cmd[name]],
                                 capture_output=True, text=True)
            m = re.search(r"per_scan_ms=([\d.]+)", out.stdout + out.stderr)
            if m:
                times[name].append(float(m.group(1)))
            else:
                log(f"vm debian 6.1 {name}: no measurement (harness status {out.returncode})")
        log("vm debian 6.1 round %d: %s" % (r + 1, ", ".join(f"{k} {v[-1]:.2f} ms/scan"
                                                           for k, v in times.items() if v)))
    i = times["idle"]
    res = []
    for name, note in (("ksmtop", "probes (kprobes), invariant checker on"),
                       ("ksmtop --no-check", "probes, BPF counting only")):
        t = times[name]
        res.append(summarize(f"probe cost (vm, Debian 6.1): + {name} / idle (scan rate)", med(t), med(i),
                             [y / x for x, y in zip(t, i) if x], None, None, "ms/scan",
                             f"no target; {note}; one vCPU"))
    return res


def scan_model(intervals):
    """The scan model of ksmtop's "ksmd cost:" line against the full
    pass it measures: ksmd paced at 200 pages every 100 ms over ksmwl's
    merged pages, ksmtop -j for a number of 1 s intervals; the last
    interval's model pass over its measured one."""
    name = "scan model: full pass by the model / measured"
    wl = subprocess.Popen([KSMWL, "-r", "2000", "-n", "4096", "-p", "merge"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        held = False
        for line in wl.stdout:
            if "holding until a signal" in line:
                held = True
                break
        if not held:
            return summarize(name, None, None, [], 1.0, None, "ratio", "ksmwl never held its pages")
        out = subprocess.run([KSMTOP, "-j", "-d", "1", "-n", str(intervals), "--no-check"],
                             capture_output=True, text=True, timeout=intervals * 5 + 60)
        last = [json.loads(x) for x in out.stdout.splitlines() if x.startswith("{")]
        k = last[-1]["ksmd"] if last else {}
        meas, model = k.get("full_pass_s"), k.get("full_pass_model_s")
        if not meas or not model:
            return summarize(name, meas, model, [], 1.0, None, "ratio",
                             f"no pass measured in {intervals} s (exit {out.returncode})")
        ratio = model / meas
        return {"name": name, "ours": round(model, 3), "peer": round(meas, 3),
                "ratio": round(ratio, 4), "target": 1.0, "met": 0.8 <= ratio <= 1.25,
                "unit": "s / s", "min": None, "max": None, "rounds": 1,
                "note": f"{k.get('full_pass_pages')} pages at 200 per 100 ms, "
                        f"{k.get('cpu_us_per_page')} us/page; ours = model, peer = measured; "
                        f"met: within 0.8-1.25"}
    finally:
        wl.send_signal(signal.SIGTERM)
        wl.wait()


def everything(a, scripts, have, secs, rounds, saved, churn):
    """The full benchmark; stops churn half-way (start-up is measured
    with ksmd at rest)."""
    res = cost_and_throughput(a, scripts, have, secs, rounds)
    log(f"event loss: ksmtrace -j for {secs * 2:g} s")
    res.append(event_loss(secs * 2))
    log(f"exporter: ksmtop --prometheus next to ksmtop -b, {secs:g} s each")
    res += exporter(max(secs, 3.0), 1 if a.smoke else 3)
    churn.send_signal(signal.SIGTERM)
    churn.wait()
    ksm_restore(saved)
    res += startup(scripts, have, 1 if a.smoke else 3)
    log("scan model: ksmtop's full pass by the model next to the measured one")
    res.append(scan_model(12 if a.smoke else 40))
    ksm_restore(saved)
    if a.vm:
        res += vm_kernel_cost(1 if a.smoke else 2, 5 if a.smoke else 15)
        res += vm_probe_cost(1 if a.smoke else 2, 5 if a.smoke else 15)
    return res


def main():
    ap = argparse.ArgumentParser(description="ksmscope's cost next to bpftrace, BCC and nothing")
    ap.add_argument("--smoke", action="store_true", help="about 30 s: it runs, the table is well-formed")
    ap.add_argument("--vm", action="store_true", help="also the kernel's cost, in the VM")
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument("--markdown", metavar="FILE", help="also write the table as Markdown (docs/performance.md)")
    ap.add_argument("--against", metavar="DIR", help="only this build's tools next to the build in DIR")
    a = ap.parse_args()
    rounds = a.rounds or (1 if a.smoke else 5)
    secs = a.seconds or (1.5 if a.smoke else 8.0)
    if os.geteuid():
        print("bench: error: needs root", file=sys.stderr)
        return 2
    if not os.path.isdir(KSM):
        print("bench: error: the running kernel has no KSM", file=sys.stderr)
        return 2
    for p in (KSMTOP, KSMTRACE, KSMWL):
        if not os.access(p, os.X_OK):
            print(f"bench: error: {p} not built (make all)", file=sys.stderr)
            return 2
    other = None
    if a.against:
        other = find_build(a.against)
        if not other:
            print(f"bench: error: no ksmtop and ksmtrace built in {a.against}", file=sys.stderr)
            return 2
    saved = ksm_knobs()
    old_stats = sysctl("kernel.bpf_stats_enabled", 1)
    mounted = [m for m in (mount_if_missing("tracefs", TRACEFS, "events"),
                           mount_if_missing("debugfs", DEBUGFS, "tracing")) if m]
    tmp = tempfile.mkdtemp(prefix="ksmscope-bench-")
    results, churn = [], None

    def on_term(sig, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        tps = tracepoints()
        scripts = {"bt_count": bpftrace_count(tps), "bt_stream": bpftrace_stream(tps),
                   "bcc_count": bcc_count(tps)}
        for k in list(scripts):
            path = os.path.join(tmp, k)
            with open(path, "w") as fh:
                fh.write(scripts[k])
            scripts[k] = path
        hdr = (bcc_headers(tmp) if not other and os.path.exists("/usr/lib/python3/dist-packages/bcc")
               else None)
        have = {"bpftrace": shutil.which("bpftrace") is not None, "bcc": hdr is not None,
                "bcc_env": dict(os.environ, BCC_KERNEL_SOURCE=hdr or "")}
        if not other:
            log(f"peers: bpftrace {'yes' if have['bpftrace'] else 'no'}, BCC "
                f"{'yes (headers ' + hdr + ')' if hdr else 'no'}; {len(tps)} ksm tracepoints")

        # churn: ksmd saturated (pages_to_scan = all, sleep 0), pages
        # rewritten so that it unmerges and re-merges all the time
        churn = subprocess.Popen([KSMWL, "-n", "4096" if a.smoke else "16384", "-s", "3600", "churn"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.5 if a.smoke else 3)
        if other:
            log(f"this build ({BUILD}) next to {a.against}: {rounds} round(s) of {secs:g} s")
            results += against(other, secs, rounds)
        else:
            results += everything(a, scripts, have, secs, rounds, saved, churn)
            churn = None  # everything() has stopped it
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        if churn:
            churn.send_signal(signal.SIGTERM)
            churn.wait()
        ksm_restore(saved)
        sysctl("kernel.bpf_stats_enabled", old_stats)
        for m in reversed(mounted):
            subprocess.run(["umount", m])
        shutil.rmtree(tmp, ignore_errors=True)

    print_table(results, sys.stdout)
    os.makedirs(BUILD, exist_ok=True)
    out = os.path.join(BUILD, "bench-results.json")
    with open(out, "w") as fh:
        json.dump(results, fh, indent=1)
    if a.markdown:
        write_markdown(results, a.markdown, ["selftests/bench/bench.py"] + sys.argv[1:])
        print(f"bench: table in {a.markdown}")
    print(f"bench: results in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
