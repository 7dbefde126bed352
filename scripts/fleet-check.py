#!/usr/bin/env python3
"""The checks of scripts/fleet-e2e.sh, one a command; each exits 0 or
prints what is wrong and exits 1.

  fetch URL FILE            GET URL into FILE (the members' files)
  promql PORT QUERY         an instant query: one "job value" a line
  targets PORT              Prometheus's targets: job, health, last error
  complete ANSWER LOGS M..  the gathered records are every member's own
                            log, each record once, ids 1..N without gaps
  bounds LOGS M..           "T1 T2": from the first to just past the
                            last of the members' middle records
  window ANSWER LOGS T1 T2 M..
                            exactly the records of [T1, T2), merged by
                            time, with the right first and last
  last ANSWER               the answer's last record: "CURSOR MEMBER:SEQ"
  after ANSWER LOGS ID M..  exactly the records after ID (a cursor is
                            looked up in WHOLE, LOGS/whole.json)
  restart ANSWER LOGS M     M's monitor killed after K records: the
                            gathered 1..K are what it had logged, the
                            next monitor goes on at K+1

ANSWER is the JSON of 'aggmon -j fleet query'; LOGS holds each member's
own JSON log as M.json (and M.killed.json: the log when its first
monitor was killed).
"""
import calendar
import json
import sys
import time
import urllib.parse
import urllib.request


def fail(msg):
    print(msg)
    sys.exit(1)


def ns_of(iso):
    """2026-12-07T04:38:25.435570259Z -> ns since the epoch."""
    whole, frac = iso.rstrip("Z").split(".")
    sec = calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S"))
    return sec * 10**9 + int(frac.ljust(9, "0")[:9])


def key(r):
    return (r["time_ns"], r["member"], r["seq"])


def local_log(logs, member, which="json"):
    """A member's own records, as the query prints them (no cursor)."""
    recs = []
    with open("%s/%s.%s" % (logs, member, which)) as f:
        for line in f:
            r = json.loads(line)
            gauge, _, item = r["gauge"].partition(":")
            recs.append({"time_ns": ns_of(r["time"]), "member": r["member"],
                         "seq": r["seq"], "event": r["type"],
                         "gauge": gauge, "item": item, "value": r["value"]})
    if [r["member"] for r in recs] != [member] * len(recs):
        fail("%s's log names other members" % member)
    return recs


def merged(logs, members):
    return sorted((r for m in members for r in local_log(logs, m)), key=key)


def answer(path):
    with open(path) as f:
        return json.load(f)


def strip(recs):
    """The records without what only the journal adds."""
    return [{k: v for k, v in r.items() if k not in ("cursor", "time")}
            for r in recs]


def same(got, want, what):
    got, want = strip(got), strip(want)
    if got == want:
        return
    print("%s: %d records, %d expected" % (what, len(got), len(want)))
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            print("first difference, at %d:\n  got  %s\n  want %s" % (i, g, w))
            break
    sys.exit(1)


def check_first_last(ans):
    recs = ans["records"]
    for end, r in (("first", recs[0]), ("last", recs[-1])):
        want = {"cursor": r["cursor"], "member": r["member"], "seq": r["seq"]}
        if ans[end] != want:
            fail("%s is %s, not %s" % (end, ans[end], want))


def cmd_fetch(url, path):
    with urllib.request.urlopen(url, timeout=5) as r:
        data = r.read()
    with open(path, "wb") as f:
        f.write(data)


def cmd_promql(port, query):
    url = "http://127.0.0.1:%s/api/v1/query?query=%s" % (
        port, urllib.parse.quote(query))
    d = json.load(urllib.request.urlopen(url, timeout=2))
    for r in sorted(d["data"]["result"], key=lambda r: r["metric"].get("job", "")):
        print(r["metric"].get("job", "-"), r["value"][1])


def cmd_targets(port):
    url = "http://127.0.0.1:%s/api/v1/targets" % port
    d = json.load(urllib.request.urlopen(url, timeout=2))
    for t in d["data"]["activeTargets"]:
        print(t["labels"].get("job"), t["health"], t["lastScrapeDuration"],
              t["lastError"])


def cmd_complete(path, logs, *members):
    ans = answer(path)
    recs = ans["records"]
    if [key(r) for r in recs] != sorted(key(r) for r in recs):
        fail("the answer is not in the order of time, member, id")
    for m in members:
        got = [r for r in recs if r["member"] == m]
        ids = [r["seq"] for r in got]
        if ids != list(range(1, len(ids) + 1)):
            fail("%s's ids: %s" % (m, ids))
        own = local_log(logs, m)
        same(sorted(got, key=lambda r: r["seq"]), own, m)
        n = len(own) // 2
        want = {"fired": n, "cancelled": n, "lost": 0, "gone": 0,
                "snapshot": 0, "dropped": 0}
        if ans["counts"].get(m) != want or len(own) != 2 * n:
            fail("%s's counts: %s" % (m, ans["counts"].get(m)))
    if len(recs) != sum(len(local_log(logs, m)) for m in members):
        fail("records of members other than %s" % " ".join(members))


def at(ns):
    return "@%d.%09d" % (ns // 10**9, ns % 10**9)


def cmd_bounds(logs, *members):
    """From the earliest to just past the latest of the members' middle
    records (their clocks differ): a window with records of each."""
    mids = [r[len(r) // 2]["time_ns"] for r in
            (local_log(logs, m) for m in members)]
    print(at(min(mids)), at(max(mids) + 1))


def cmd_window(path, logs, t1, t2, *members):
    lo, hi = (int(t.lstrip("@").replace(".", "")) for t in (t1, t2))
    want = [r for r in merged(logs, members) if lo <= r["time_ns"] < hi]
    ans = answer(path)
    same(ans["records"], want, "[%s, %s)" % (t1, t2))
    check_first_last(ans)
    print("# %d records of %s in the window" % (
        len(want), ", ".join(sorted({r["member"] for r in want}))))


def cmd_last(path):
    r = answer(path)["last"]
    print(r["cursor"], "%s:%d" % (r["member"], r["seq"]))


def cmd_after(path, logs, rec_id, *members):
    recs = merged(logs, members)
    if ";" in rec_id:   # a cursor: find its record in the whole answer
        whole = answer(logs + "/whole.json")["records"]
        r = [r for r in whole if r["cursor"] == rec_id][0]
        rec_id = "%s:%d" % (r["member"], r["seq"])
    m, seq = rec_id.rsplit(":", 1)
    i = [(r["member"], r["seq"]) for r in recs].index((m, int(seq)))
    ans = answer(path)
    same(ans["records"], recs[i + 1:], "after %s" % rec_id)
    check_first_last(ans)


def cmd_restart(path, logs, member):
    killed = local_log(logs, member, "killed.json")
    k = len(killed)
    got = sorted((r for r in answer(path)["records"] if r["member"] == member),
                 key=lambda r: r["seq"])
    same(got[:k], killed, "%s up to the kill" % member)
    own = local_log(logs, member)
    if own[:k] != killed or len(own) <= k or own[k]["seq"] != k + 1:
        fail("%s's second monitor did not go on at %d" % (member, k + 1))
    if own[k]["time_ns"] <= killed[-1]["time_ns"]:
        fail("%s: record %d is older than the kill" % (member, k + 1))
    print("# %s: records 1..%d before the kill, %d..%d after" % (
        member, k, k + 1, len(own)))


if __name__ == "__main__":
    cmds = {"fetch": cmd_fetch, "promql": cmd_promql, "targets": cmd_targets,
            "complete": cmd_complete, "bounds": cmd_bounds,
            "window": cmd_window, "last": cmd_last, "after": cmd_after,
            "restart": cmd_restart}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        fail(__doc__)
    try:
        cmds[sys.argv[1]](*sys.argv[2:])
    except (OSError, ValueError, KeyError, IndexError) as e:
        fail("%s %s: %s: %s" % (sys.argv[1], " ".join(sys.argv[2:3]),
                                type(e).__name__, e))
