#!/usr/bin/env python3
"""selftests/lib/dashboard_check.py - the fleet view (contrib/): the
Grafana dashboard and the Prometheus rules.  Prints "PASS desc" /
"FAIL desc" lines (tap_lines makes them TAP).

  dashboard_check.py static DASHBOARD.json
      well-formed for import: unique panel ids, a datasource input used
      by every panel and target, a PromQL expression per target, panels
      inside 24 columns and not overlapping
  dashboard_check.py live PROM_HOST:PORT DASHBOARD.json RULES.yml [SECONDS]
      against a Prometheus scraping ksmtop --prometheus: every expression
      of the dashboard (Grafana's variables given values: $instance all,
      $__rate_interval 1m, $__range 10m) and the instance variable's own
      query return data without error; every rule of RULES.yml is loaded
      and healthy, and every recording rule has data (waits SECONDS, 90)
"""
import json
import re
import sys
import time
import urllib.parse
import urllib.request

VARS = {"$instance": ".*", "${instance}": ".*", "$__rate_interval": "1m",
        "$__range": "10m", "$__interval": "15s"}


def say(ok, desc):
    print(("PASS " if ok else "FAIL ") + desc, flush=True)
    return ok


def targets(d):
    for p in d["panels"]:
        for t in p.get("targets", []):
            yield p, t


def static(path):
    try:
        d = json.load(open(path))
    except (OSError, ValueError) as e:
        say(False, f"dashboard: {path} is JSON ({e})")
        return
    panels = d.get("panels", [])
    ids = [p.get("id") for p in panels]
    say(panels and len(set(ids)) == len(ids), f"dashboard: {len(panels)} panels, ids unique")
    inputs = {i["name"] for i in d.get("__inputs", []) if i.get("pluginId") == "prometheus"}
    ds_ok = all(p.get("datasource", {}).get("uid") in {"${%s}" % n for n in inputs} and
                t.get("datasource", {}).get("uid") == p["datasource"]["uid"] for p, t in targets(d))
    say(inputs and ds_ok, f"dashboard: every panel and target uses the Prometheus input ({', '.join(inputs) or 'none'})")
    exprs = [t.get("expr", "") for _, t in targets(d)]
    say(exprs and all(e.strip() for e in exprs) and all(t.get("refId") for _, t in targets(d)),
        f"dashboard: {len(exprs)} targets, each with a refId and an expression")
    cells, over = set(), []
    for p in panels:
        g = p["gridPos"]
        if g["x"] < 0 or g["x"] + g["w"] > 24:
            over.append(p["title"])
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                if (x, y) in cells:
                    over.append(p["title"])
                cells.add((x, y))
    say(not over, f"dashboard: panels inside 24 columns, none on another ({sorted(set(over)) or 'none'})")
    say(all(p.get("fieldConfig", {}).get("defaults", {}).get("noValue") for p in panels),
        "dashboard: every panel says what no data means (noValue), not a bare 'No data'")
    say(d.get("uid") and d.get("title") and d.get("templating", {}).get("list"),
        "dashboard: a uid, a title and the instance variable")


def get(prom, path, params):
    url = f"http://{prom}{path}?" + urllib.parse.urlencode(params, doseq=True)
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        return json.load(e)
    except (OSError, ValueError) as e:
        return {"status": "error", "error": str(e)}


def expand(expr):
    for k in sorted(VARS, key=len, reverse=True):
        expr = expr.replace(k, VARS[k])
    return expr


def live(prom, dash, rules, seconds="90"):
    d = json.load(open(dash))
    for p, t in targets(d):
        q = expand(t["expr"])
        r = get(prom, "/api/v1/query", {"query": q})
        n = len(r.get("data", {}).get("result", [])) if r.get("status") == "success" else 0
        say(r.get("status") == "success" and n > 0,
            f"dashboard: '{p['title']}' {t['refId']}: {n} series ({r.get('error', 'ok')}): {q[:120]}")
    for v in d["templating"]["list"]:
        m = re.match(r"label_values\((\w+),\s*(\w+)\)", v["query"]["query"])
        r = get(prom, f"/api/v1/label/{m.group(2)}/values", {"match[]": m.group(1)}) if m else {}
        vals = r.get("data", []) if r.get("status") == "success" else []
        say(bool(vals), f"dashboard: variable ${v['name']} has values ({vals[:3]})")
    want = [l.split(":", 1)[1].strip() for l in open(rules)
            if re.match(r"\s*- (record|alert):", l)]
    end = time.monotonic() + float(seconds)
    while True:
        r = get(prom, "/api/v1/rules", {})
        got = {x["name"]: x for g in r.get("data", {}).get("groups", []) for x in g["rules"]}
        rec = [n for n in want if got.get(n, {}).get("type") == "recording"]
        empty = [n for n in rec if not get(prom, "/api/v1/query", {"query": n}).get("data", {}).get("result")]
        if not empty or time.monotonic() > end:
            break
        time.sleep(2)
    missing = [n for n in want if n not in got]
    bad = [n for n in want if n in got and got[n].get("health") != "ok"]
    say(not missing and not bad, f"rules: {len(want)} of {len(want)} loaded, healthy (missing: {missing or 'none'}; "
        f"unhealthy: {bad or 'none'})")
    say(rec and not empty, f"rules: every recording rule has data ({len(rec)}; empty: {empty or 'none'})")


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "static":
        static(*args)
    elif mode == "live":
        live(*args)
    else:
        sys.exit(f"dashboard_check.py: unknown mode {mode}")


if __name__ == "__main__":
    main()
