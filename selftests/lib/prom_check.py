#!/usr/bin/env python3
"""prom_check.py MODE ARGS - ksmtop --prometheus against the real thing.

  free-port                  a free TCP port on 127.0.0.1
  probe HOST:PORT            exit 0 if something accepts connections there
  wait-up PROM JOB SECONDS   until Prometheus scrapes JOB (up == 1)
  live PROM PID FIDELITY TOP PAGES_BEFORE
                             the workload's merging through Prometheus'
                             query API, checked against /proc and sysfs
                             (PAGES_BEFORE: pages_shared + pages_sharing
                             when the exporter started)
  http EXPORTER PID          bad requests, slow and silent clients, a
                             bounded scrape storm; no crash, no leak
  vm FILE                    a scrape taken in the VM (patched kernel):
                             full fidelity, every event class, every
                             invariant checked and silent

Prints "PASS desc" / "FAIL desc" lines (selftests/lib/tap.sh json_check
reads them).  Every connection goes to 127.0.0.1 only, every loop is
bounded in count and time.
"""
import json
import os
import socket
import sys
import threading
import time
import urllib.parse
import urllib.request

KSM = "/sys/kernel/mm/ksm"


def say(ok, desc):
    print(("PASS " if ok else "FAIL ") + desc, flush=True)
    return ok


def loopback(hostport):
    host, port = hostport.rsplit(":", 1)
    assert host in ("127.0.0.1", "localhost"), "loopback only"
    return host, int(port)


def query(prom, q):
    """Instant query: {frozenset(labels.items()): value}."""
    url = f"http://{prom}/api/v1/query?" + urllib.parse.urlencode({"query": q})
    with urllib.request.urlopen(url, timeout=10) as r:
        d = json.load(r)
    if d.get("status") != "success":
        raise RuntimeError(f"query {q}: {d}")
    res = d["data"]["result"]
    if d["data"]["resultType"] == "scalar":
        return {frozenset(): float(res[1])}
    return {frozenset(m["metric"].items()): float(m["value"][1]) for m in res}


def one(prom, q):
    r = query(prom, q)
    return next(iter(r.values())) if len(r) == 1 else None


def sysfs(name):
    with open(f"{KSM}/{name}") as f:
        return int(f.read())


def proc_merging(pid):
    with open(f"/proc/{pid}/ksm_merging_pages") as f:
        return int(f.read())


def wait_up(prom, job, seconds):
    end = time.time() + float(seconds)
    while time.time() < end:
        try:
            if one(prom, f'up{{job="{job}"}}') == 1:
                return say(True, f"prometheus scrapes job {job} (up == 1)")
        except (OSError, RuntimeError):
            pass
        time.sleep(0.5)
    return say(False, f"prometheus scrapes job {job} within {seconds}s")


def steady(prom, q, want_fn, seconds=20):
    """Poll q until it equals want_fn() (read after the query); last pair."""
    end = time.time() + seconds
    got = want = None
    while time.time() < end:
        got = one(prom, q)
        want = want_fn()
        if got is not None and got == want:
            break
        time.sleep(0.5)
    return got, want


def live(prom, pid, fidelity, top, pages_before):
    pid, top, pages_before = int(pid), int(top), int(pages_before)
    sel = f'{{pid="{pid}"}}'
    got, want = steady(prom, f"ksmscope_process_merging_pages{sel}",
                       lambda: proc_merging(pid))
    say(got is not None and got == want and want > 0,
        f"prometheus: the workload's merging pages ({got}) equal "
        f"/proc/{pid}/ksm_merging_pages ({want})")
    for name in ("pages_shared", "pages_sharing"):
        got, want = steady(prom, f"ksmscope_{name}", lambda: sysfs(name))
        say(got is not None and got == want,
            f"prometheus: ksmscope_{name} ({got}) equals sysfs {name} ({want})")
    merging = proc_merging(pid)
    merges = one(prom, f"ksmscope_process_merges_total{sel}")
    # pairs of pages: each page merges once (two merges per KSM page)
    say(merges is not None and merging <= merges <= merging * 1.02 + 8,
        f"prometheus: the workload's merges_total ({merges}) accounts for "
        f"its {merging} merging pages")
    total = one(prom, "ksmscope_merges_total")
    added = sysfs("pages_shared") + sysfs("pages_sharing") - pages_before
    say(total is not None and total >= added > 0,
        f"prometheus: merges_total ({total}) covers every KSM mapping sysfs "
        f"gained since ksmtop attached (pages_shared + pages_sharing: "
        f"+{added})")
    # the merge rate (BPF) against the growth of merging pages (/proc),
    # both as Prometheus computes them over the workload's merging
    peak = one(prom, "max_over_time(rate(ksmscope_merges_total[5s])[5m:1s])")
    mine = one(prom, f"max_over_time(rate(ksmscope_process_merges_total{sel}"
               f"[5s])[5m:1s])")
    grew = one(prom, f"max_over_time(deriv(ksmscope_process_merging_pages{sel}"
               f"[5s])[5m:1s])")
    # how close the two rates come depends on timing (scrapes, ksmd's
    # batches): the ratio is shown, not judged; that the counts agree is
    # judged above (merges_total against the merging pages)
    # (two rates Prometheus extrapolates apart: even "the total's peak is
    # at least the workload's" is a matter of timing at a series' start)
    say(peak is not None and mine is not None and grew is not None and
        peak > 0 and mine > 0 and grew > 0,
        f"prometheus: the merge rate is visible (peak {peak and round(peak)}/s,"
        f" the workload's {mine and round(mine)}/s), and so is the growth"
        f" of its /proc merging pages (peak {grew and round(grew)}/s)")
    if mine and grew:
        print(f"# prometheus: growth of merging pages / merge rate, peaks: "
              f"{grew / mine:.2f} (a figure, not a verdict)")
    info = query(prom, "ksmscope_info")
    fids = [dict(k).get("fidelity") for k in info]
    say(fids == [fidelity], f"prometheus: ksmscope_info says fidelity "
        f"{fids} (want {fidelity})")
    nproc = one(prom, "ksmscope_processes")
    listed = query(prom, "ksmscope_process_merging_pages")
    say(nproc is not None and nproc > top and len(listed) == top,
        f"prometheus: {len(listed)} processes listed of {nproc} "
        f"(-N {top}: label cardinality bounded)")
    others = one(prom, "ksmscope_processes_unlisted_merging_pages")
    say(others is not None and others > 0 and
        min(listed.values()) >= 0,
        f"prometheus: the unlisted processes' merging pages add up ({others})")
    pids = [dict(k).get("pid") for k in listed]
    comms = [dict(k).get("comm") for k in listed]
    say(str(pid) in pids and all(c for c in comms),
        f"prometheus: the top processes carry pid and comm labels "
        f"({sorted(zip(pids, comms))[:3]}...)")
    lost = one(prom, "ksmscope_lost_events_total")
    viol = one(prom, "sum(ksmscope_invariant_violations_total)")
    checked = one(prom, "sum(ksmscope_invariant_checked)")
    nviol = len(query(prom, "ksmscope_invariant_violations_total"))
    # with the series every invariant; on a stock kernel none (I8 needs
    # the series' order of ksm_merge_with_ksm_page and ksm_exit)
    want = 9 if fidelity == "full" else 0
    say(lost == 0 and viol == 0 and checked == want and nviol == 9,
        f"prometheus: lost events {lost}, violations {viol} over {nviol} "
        f"invariants, {checked} checked here (want {want})")
    runs = one(prom, "ksmscope_bpf_runs_total")
    secs = one(prom, "ksmscope_bpf_run_seconds_total")
    say(runs is not None and runs > 0 and secs is not None and secs > 0,
        f"prometheus: the exporter's own BPF cost ({runs:.0f} runs, "
        f"{secs:.4f} s)" if runs is not None and secs is not None
        else "prometheus: the exporter's own BPF cost is exported")
    series = query(prom, 'count by (__name__) ({__name__=~"ksmscope_.+"})')
    say(len(series) >= 30, f"prometheus: {len(series)} ksmscope metric names "
        f"ingested")


def parse(text):
    """Exposition text: {(name, frozenset(labels)): value}, types."""
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            types[name] = typ
            continue
        if not line or line.startswith("#"):
            continue
        head, value = line.rsplit(" ", 1)
        name, labels = head, {}
        if "{" in head:
            name, rest = head.split("{", 1)
            for pair in rest.rstrip("}").split('",'):
                if pair:
                    k, v = pair.split('="', 1)
                    labels[k] = v.rstrip('"')
        samples[(name, frozenset(labels.items()))] = float(value)
    return samples, types


CLASSES = ["scans", "merges", "merge_fails", "unmerges", "stable_inserts",
           "unstable_inserts", "appends", "nodes_removed", "stale", "retries",
           "migrations", "purges", "rmap_walks", "enters", "exits"]


def vm(path):
    with open(path) as f:
        samples, types = parse(f.read())

    def get(name, **labels):
        return samples.get((name, frozenset(labels.items())))

    info = [dict(k[1]) for k in samples if k[0] == "ksmscope_info"]
    say(len(info) == 1 and info[0].get("fidelity") == "full",
        f"ksmtop --prometheus (vm): fidelity full on the patched kernel ({info})")
    missing = [c for c in CLASSES if f"ksmscope_{c}_total" not in types or
               types[f"ksmscope_{c}_total"] != "counter"]
    say(not missing, f"ksmtop --prometheus (vm): a counter for each of the "
        f"{len(CLASSES)} event classes (missing: {missing or 'none'})")
    fired = {c: get(f"ksmscope_{c}_total") for c in
             ("stable_inserts", "unstable_inserts", "appends", "stale",
              "migrations", "purges", "rmap_walks", "unmerges")}
    say(all(v and v > 0 for v in fired.values()),
        f"ksmtop --prometheus (vm): the series' classes counted the mix ({fired})")
    att = {dict(k[1])["tracepoint"]: v for k, v in samples.items()
           if k[0] == "ksmscope_tracepoint_attached"}
    say(len(att) == 21 and sum(att.values()) == 20 and att.get("ksm_advisor") == 0,
        f"ksmtop --prometheus (vm): 20 of 21 tracepoints attached, "
        f"ksm_advisor (6.8+) absent ({int(sum(att.values()))} attached)")
    checked = {dict(k[1])["invariant"]: v for k, v in samples.items()
               if k[0] == "ksmscope_invariant_checked"}
    viol = sum(v for k, v in samples.items()
               if k[0] == "ksmscope_invariant_violations_total")
    say(len(checked) == 9 and all(v == 1 for v in checked.values()) and
        viol == 0 and get("ksmscope_lost_events_total") == 0,
        f"ksmtop --prometheus (vm): I1-I9 all checked, {viol:.0f} violations, "
        f"{get('ksmscope_lost_events_total')} lost")


def exchange(hostport, data, timeout=5.0):
    """Send data, half-close, read the whole answer (the server closes)."""
    s = socket.create_connection(loopback(hostport), timeout=timeout)
    try:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        out = b""
        while True:
            b = s.recv(65536)
            if not b:
                return out
            out += b
    finally:
        s.close()


def status(resp):
    try:
        return int(resp.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def wait_for(cond, seconds):
    """Poll cond until true, at most seconds; its last value."""
    end = time.time() + seconds
    while not cond() and time.time() < end:
        time.sleep(0.1)
    return cond()


def proc_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def proc_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def http(exporter, pid):
    pid = int(pid)
    get = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
    r = exchange(exporter, get)
    say(status(r) == 200 and b"\r\nContent-Type: text/plain; version=0.0.4" in r
        and b"# TYPE ksmscope_info gauge" in r, "http: GET /metrics is 200, "
        "text format 0.0.4")
    cases = [
        (b"POST /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 405,
         "POST /metrics (with a body)"),
        (b"PUT /metrics HTTP/1.1\r\n\r\n", 405, "PUT /metrics"),
        (b"DELETE /metrics HTTP/1.0\r\n\r\n", 405, "DELETE /metrics"),
        (b"GET / HTTP/1.1\r\n\r\n", 404, "GET /"),
        (b"GET /metrics/../etc/passwd HTTP/1.1\r\n\r\n", 404, "GET /metrics/.."),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400,
         "a TLS ClientHello"),
        (b"GET /metrics\r\n\r\n", 400, "HTTP/0.9 request line"),
        (b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 20000 + b"\r\n\r\n", 431,
         "a 20 KB header"),
        (b"\r\n\r\n", 400, "an empty request line"),
        (bytes(range(256)) * 4, 400, "binary garbage"),
    ]
    for data, want, what in cases:
        try:
            r = exchange(exporter, data)
            got = status(r)
        except OSError as e:
            got = f"{type(e).__name__}"
        say(got == want, f"http: {what} gets {want} ({got})")
    r = exchange(exporter, b"POST /metrics HTTP/1.1\r\n\r\n")
    say(b"\r\nAllow: GET, HEAD\r\n" in r, "http: 405 says Allow: GET, HEAD")
    r = exchange(exporter, b"HEAD /metrics HTTP/1.1\r\n\r\n")
    say(status(r) == 200 and r.endswith(b"\r\n\r\n"),
        "http: HEAD /metrics is 200 with headers only")
    # a request dribbled a byte at a time, with the client not closing;
    # a pause after each so that the server reads every prefix
    s = socket.create_connection(loopback(exporter), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for b in get:
        s.send(bytes([b]))
        time.sleep(0.005)
    r = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        r += b
    s.close()
    say(status(r) == 200, "http: a request sent byte by byte is answered")

    # silent clients hold connections; others are still served, and the
    # silent ones are dropped after the timeout
    base_fds = proc_fds(pid)
    silent = [socket.create_connection(loopback(exporter), timeout=10)
              for _ in range(20)]
    # until the exporter has accepted them all (bounded, not timed)
    wait_for(lambda: proc_fds(pid) >= base_fds + 20, 30)
    r = exchange(exporter, get)
    say(status(r) == 200, "http: served while 20 silent clients hold "
        "connections")
    # more silent clients than connection slots: a scraper still gets in
    extra = [socket.create_connection(loopback(exporter), timeout=10)
             for _ in range(60)]
    # until it holds as many as it takes (64 slots)
    wait_for(lambda: proc_fds(pid) >= base_fds + 64, 30)
    r = exchange(exporter, get)
    say(status(r) == 200, f"http: 80 silent clients (past the limit of 64) "
        f"do not lock a scraper out ({status(r)})")
    for s in silent + extra:
        s.close()
    # a client that connects and resets at once
    for _ in range(50):
        s = socket.create_connection(loopback(exporter), timeout=5)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        s.close()

    # warm up, then a bounded storm: 8 threads x 250 scrapes
    for _ in range(20):
        exchange(exporter, get)
    rss0 = proc_rss_kb(pid)
    counts = {}
    lock = threading.Lock()

    # bounded by count, not by time: each exchange has its own timeout
    def storm():
        for _ in range(250):
            try:
                c = status(exchange(exporter, get, timeout=30))
            except OSError as e:
                c = type(e).__name__
            with lock:
                counts[c] = counts.get(c, 0) + 1

    t0 = time.time()
    threads = [threading.Thread(target=storm) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    dt = time.time() - t0
    n = sum(counts.values())
    say(counts.get(200, 0) == 2000 and n == 2000,
        f"http: scrape storm, {n} scrapes from 8 clients: answers {counts}")
    print(f"# http: the storm took {dt:.1f}s (a figure, not a verdict)")
    say(alive(pid), "http: the exporter survived the storm and the bad requests")
    # silent connections time out (5 s): wait for it, however long it takes
    wait_for(lambda: proc_fds(pid) <= base_fds, 120)
    fds = proc_fds(pid)
    rss1 = proc_rss_kb(pid)
    say(fds <= base_fds, f"http: no descriptor leaked ({base_fds} before, "
        f"{fds} after)")
    say(rss1 - rss0 < 2048, f"http: no memory leaked over 2000 scrapes "
        f"(RSS {rss0} -> {rss1} KiB)")
    def answered():
        body = exchange(exporter, get).split(b"\r\n\r\n", 1)[-1].decode()
        got = {}
        for line in body.splitlines():
            if line.startswith("ksmscope_http_requests_total{"):
                got[line.split('"')[1]] = float(line.split()[-1])
        return got
    # the page is rendered once per interval: until it counts the storm
    codes = {}
    end = time.time() + 60
    while time.time() < end:
        codes = answered()
        if codes.get("200", 0) >= 2000:
            break
        time.sleep(0.2)
    say(codes.get("400", 0) >= 4 and codes.get("405", 0) >= 4 and
        codes.get("404", 0) >= 2 and codes.get("431", 0) >= 1 and
        codes.get("200", 0) >= 2000, f"http: its own request counters "
        f"show what it answered ({codes})")


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "free-port":
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])
        s.close()
    elif mode == "probe":	# exit 0 if something accepts there
        socket.create_connection(loopback(args[0]), timeout=2).close()
    elif mode == "wait-up":
        sys.exit(0 if wait_up(*args) else 1)
    elif mode == "live":
        live(*args)
    elif mode == "http":
        http(*args)
    elif mode == "vm":
        vm(*args)
    else:
        sys.exit(f"prom_check.py: unknown mode {mode}")


if __name__ == "__main__":
    main()
