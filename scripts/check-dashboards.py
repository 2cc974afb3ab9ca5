#!/usr/bin/env python3
"""Checks that every query in the Grafana dashboards returns data from a real Prometheus.

Usage: check-dashboards.py PROMETHEUS_URL DASHBOARD.json... [--allow-missing] [--timeout SECONDS]

Waits (polling, no fixed sleeps) until Prometheus has scraped the `modelrouter` job enough times for rate
windows to fill, then runs every panel target of every dashboard as an instant query, with Grafana's
variables replaced (`$instance`/`$provider` match everything, `$__rate_interval` 30s, `$__range` 5m). A
query "has data" when it returns at least one sample that is not NaN. Queries still empty at the deadline
are listed by dashboard, panel and expression; the exit code is 1 unless --allow-missing. Also checks that
every alerting rule Prometheus loaded evaluates without error. Standard library only.
"""
import json
import math
import sys
import time
import urllib.parse
import urllib.request

SUBSTITUTIONS = [
    ("${instance}", ".*"), ("$instance", ".*"),
    ("${provider}", ".*"), ("$provider", ".*"),
    ("$__rate_interval", "30s"), ("$__range", "5m"), ("$__interval", "15s"),
]


def query(base, expr):
    url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as response:
        body = json.load(response)
    if body.get("status") != "success":
        raise RuntimeError(f"query failed: {expr}: {body}")
    return body["data"]


def has_data(data):
    if data["resultType"] == "vector":
        return any(not math.isnan(float(sample["value"][1])) for sample in data["result"])
    if data["resultType"] == "scalar":
        return not math.isnan(float(data["result"][1]))
    return bool(data["result"])


def targets(path):
    with open(path) as handle:
        dashboard = json.load(handle)
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"]
            for old, new in SUBSTITUTIONS:
                expr = expr.replace(old, new)
            if "$" in expr:
                raise RuntimeError(f"{path}: unsubstituted variable in {expr}")
            yield dashboard["uid"], panel["title"], expr


def wait_for_scrapes(base, deadline):
    """Until `up` is 1 and the last minute holds at least 10 scrapes (so 30s rate windows hold samples)."""
    while time.monotonic() < deadline:
        try:
            up = query(base, 'up{job="modelrouter"} == 1')
            samples = query(base, 'count_over_time(up{job="modelrouter"}[1m])')
            if up["result"] and samples["result"] and float(samples["result"][0]["value"][1]) >= 10:
                return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def main(argv):
    allow_missing = "--allow-missing" in argv
    timeout = 60.0
    args = [a for a in argv if a != "--allow-missing"]
    if "--timeout" in args:
        index = args.index("--timeout")
        timeout = float(args[index + 1])
        del args[index:index + 2]
    base, dashboards = args[0].rstrip("/"), args[1:]
    deadline = time.monotonic() + timeout
    if not wait_for_scrapes(base, deadline):
        print("check-dashboards: Prometheus never scraped the modelrouter job", file=sys.stderr)
        return 1

    pending = [t for path in dashboards for t in targets(path)]
    total = len(pending)
    # Poll until every query has data or the deadline passes: some series only appear after a probe run.
    while pending and time.monotonic() < deadline:
        pending = [t for t in pending if not has_data(query(base, t[2]))]
        if pending:
            time.sleep(1)

    rules_ok = True
    with urllib.request.urlopen(base + "/api/v1/rules", timeout=10) as response:
        groups = json.load(response)["data"]["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    for rule in rules:
        if rule.get("health") != "ok":
            rules_ok = False
            print(f"check-dashboards: rule {rule['name']} is {rule.get('health')}: {rule.get('lastError')}")

    print(f"check-dashboards: {total - len(pending)} of {total} dashboard queries return data; "
          f"{len(rules)} alerting rules loaded, {'all' if rules_ok else 'NOT all'} evaluating cleanly")
    for uid, title, expr in pending:
        print(f"  no data: {uid} / {title}: {expr}")
    if not rules_ok:
        return 1
    if pending and not allow_missing:
        print("check-dashboards: queries without data (pass --allow-missing to only list them)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
