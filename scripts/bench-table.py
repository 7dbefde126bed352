#!/usr/bin/env python3
"""Turn the aggmon_bench_json and aggmon_bench_op_json lines of benchmark
logs into one table and one JSON file.
Usage: bench-table.py OUT.json NAME=LOG [NAME=LOG...]"""
import json
import sys

OPS = ["this_cpu_add", "atomic64_add_private", "atomic64_add_shared",
       "percpu_counter_add_batch", "aggmon_gauge_add",
       "gauge_add_others_watched", "gauge_add_hwm",
       "gauge_add_hwm_1far", "gauge_add_hwm_10kfar", "gauge_add_hwm_rising",
       "gauge_add_near", "gauge_add_crossing", "gauge_add_recall",
       "gauge_add_cross_1", "gauge_add_cross_64", "gauge_add_cross_256",
       "jhash2_rhashtable_hit", "agg_key_present", "agg_new_key",
       "agg_one_key"]
# gauge_add_cross_K: K thresholds fired or re-armed by every update.
CROSS = [1, 64, 256]
# (operation, baseline, target): the issues' speed targets.  A target may
# depend on where the run was made: a dict keyed by the first word of the
# run's name ("UML", "QEMU"); a run named otherwise gets the strictest.
RATIOS = [("aggmon_gauge_add", "this_cpu_add", 1.5),
          ("aggmon_gauge_add", "percpu_counter_add_batch", 1.0),
          ("gauge_add_hwm_1far", "this_cpu_add", {"UML": 1.5, "QEMU": 2.0}),
          ("gauge_add_hwm_10kfar", "gauge_add_hwm_1far", 1.1),
          ("agg_new_key", "agg_key_present", 3.0)]
# (operation, baselines summed, target): an operation against the sum of
# baselines, e.g. a keyed update against a hash lookup plus a per-CPU add.
SUM_RATIOS = [("agg_key_present", ("jhash2_rhashtable_hit", "this_cpu_add"),
               1.25)]
# (operation, target, normalised): all CPUs at once against one CPU;
# normalised: divided by the same ratio of this_cpu_add, what the machine
# itself loses with every CPU busy.
SCALING = [("agg_one_key", 1.2, False), ("gauge_add_hwm_1far", 1.2, True)]
# Aggregation snapshot against copy_to_user, per entry.
AGG_TARGET = 2.0
# (aggmon operation, peer operation, target or None): keyed updates
# against BPF per-CPU maps (aggmon_peer_bench) and an ftrace hist trigger
# hit (the benchmark module's peer run, which times agg_key_present again
# in the same rounds: "peer_run/agg_key_present").
PEERS = [("agg_key_present", "bpf_percpu_hash_update", 0.25),
         ("agg_key_present", "bpf_percpu_hash_lookup_add", None),
         ("agg_new_key", "bpf_percpu_hash_new_key", None),
         ("agg_one_key", "bpf_percpu_hash_one_key", None),
         ("agg_key_present", "bpf_percpu_array_lookup_add", None),
         ("peer_run/agg_key_present", "trace_hist_hit", 0.5)]
# (peer export, target or None): per entry, against an aggregation snapshot.
PEER_EXPORTS = [("bpf_map_lookup_batch", 1.0), ("hist_read", None)]


def parse(path, tag="aggmon_bench_json: "):
    for line in open(path, errors="replace"):
        if tag in line:
            return json.loads(line.split(tag, 1)[1])
    return None


def parse_all(path, tag):
    """Every line of @tag, in order."""
    out = []
    for line in open(path, errors="replace"):
        if tag in line:
            got = loads(line.split(tag, 1)[1])
            if got is not None:
                out.append(got)
    return out


def loads(text):
    try:
        return json.loads(text)
    except ValueError:
        return None


def parse_bench(path, tag="aggmon_bench_json: ",
                op_tag="aggmon_bench_op_json: "):
    """The update benchmark: a line of the run, then one per operation.

    The kernel prints them; a log may hold them twice (console and dmesg),
    the first copy of each line that parses wins."""
    run = None
    for line in open(path, errors="replace"):
        if run is None and tag in line:
            run = loads(line.split(tag, 1)[1])
            if run is not None:
                run.setdefault("one_cpu", {})
                run.setdefault("all_cpus", {})
        elif run is not None and op_tag in line:
            op = loads(line.split(op_tag, 1)[1])
            if not isinstance(op, dict) or not all(
                    k in op for k in ("op", "one_cpu", "all_cpus")):
                continue
            for mode in ("one_cpu", "all_cpus"):
                run[mode].setdefault(op["op"], op[mode])
    return run


def parse_peers(path):
    """Every aggmon_peer_json (ns) and aggmon_bench_peer_json (ps) line."""
    peers = {}
    for line in open(path, errors="replace"):
        for tag, scale, prefix in (("aggmon_peer_json: ", 1.0, ""),
                                   ("aggmon_bench_peer_json: ", 0.001,
                                    "peer_run/")):
            if tag not in line:
                continue
            row = loads(line.split(tag, 1)[1])
            if not isinstance(row, dict) or "op" not in row:
                continue
            name = row["op"] if row["op"] != "agg_key_present" else (
                prefix + row["op"])
            for k in ("one_cpu", "all_cpus", "per_entry"):
                if k in row:
                    row[k] = row[k] * scale
            peers.setdefault(name, row)
    return peers


def peers_table(r, name):
    """aggmon beside BPF maps and a hist trigger, from the same guest."""
    peers = r.get("peers")
    if not peers:
        if name.split()[:1] == ["UML"]:
            print("  peers: none here (kunit.py's UML has no userspace to"
                  " load BPF programs or set hist triggers)")
        return
    ours = {op: (r["one_cpu"][op] / 1000.0, r["all_cpus"][op] / 1000.0)
            for op in r["one_cpu"] if op in r["all_cpus"]}
    for op, row in peers.items():
        if "one_cpu" in row:
            ours.setdefault(op, (row["one_cpu"], row["all_cpus"]))
    print("  peers in the same guest, ns/op (1 CPU / all %d CPUs) and"
          " aggmon/peer:" % r["cpus"])
    print("  %-25s %-28s %17s %17s %13s %s"
          % ("aggmon", "peer", "aggmon", "peer", "aggmon/peer", "target"))
    ratios = r.setdefault("ratios", {})
    for op, peer, target in PEERS:
        if op not in ours or peer not in ours:
            continue
        a, p = ours[op], ours[peer]
        q = [a[i] / p[i] if p[i] > 0 else None for i in (0, 1)]
        for mode, x in zip(("one_cpu", "all_cpus"), q):
            ratios["peer/%s/%s/%s" % (mode, op, peer)] = (
                None if x is None else round(x, 3))
        verdict = "none" if target is None else "<= %.2f %s" % (
            target, "yes" if all(x is not None and x <= target for x in q)
            else "NO")
        print("  %-25s %-28s %8.2f/%8.2f %8.2f/%8.2f %6s/%6s %s"
              % (op, peer, a[0], a[1], p[0], p[1],
                 *("n/a" if x is None else "%.2f" % x for x in q), verdict))
    agg = r.get("agg")
    for peer, target in PEER_EXPORTS:
        if not agg or peer not in peers:
            continue
        a, p = agg["snapshot_ns_per_entry"], peers[peer]["per_entry"]
        q = a / p if p > 0 else None
        ratios["peer/snapshot/%s" % peer] = None if q is None else round(q, 3)
        verdict = "none" if target is None else "<= %.2f %s" % (
            target, "yes" if q is not None and q <= target else "NO")
        print("  %-25s %-28s %17.2f %17.2f %13s %s"
              % ("snapshot per entry", "%s (%d)" % (
                  peer, peers[peer]["entries"]), a, p,
                 "n/a" if q is None else "%.2f" % q, verdict))


def ns(ps):
    return "%8.2f" % (ps / 1000.0)


def pct(x):
    return "n/a" if x is None else "%.2f%%" % (100 * x)


def have(r, *ops):
    return all(op in r["one_cpu"] and op in r["all_cpus"] for op in ops)


def target_for(target, run):
    if isinstance(target, dict):
        return target.get((run.split() or [""])[0], min(target.values()))
    return target


def irqs_off_table(r):
    """Serialised updates, which run with interrupts off, on one CPU."""
    one, derived = r["one_cpu"], {}
    first, last = ("gauge_add_cross_%d" % k for k in (CROSS[0], CROSS[-1]))
    if first in one and last in one:
        per = (one[last] - one[first]) / (CROSS[-1] - CROSS[0]) / 1000.0
        derived["per_threshold_ns"] = round(per, 3)
        print("  interrupts off, 1 CPU: %.2f ns per threshold fired or "
              "re-armed (%s - %s) / %d" % (per, last, first,
                                           CROSS[-1] - CROSS[0]))
    if "gauge_add_recall" in one and "gauge_add_near" in one:
        extra = (one["gauge_add_recall"] - one["gauge_add_near"]) / 1000.0
        derived["recall_ns"] = round(extra, 3)
        print("  interrupts off, 1 CPU: %.2f ns to recall and re-grant %d "
              "CPUs' budgets (gauge_add_recall - gauge_add_near)"
              % (extra, r["cpus"]))
    if derived:
        r["irqs_off"] = derived


def snapshot_table(r):
    """What a snapshot keeps interrupts off for on a monitored CPU."""
    snaps = r.get("snapshots")
    if not snaps:
        return
    print("  snapshot, interrupts off per CPU per snapshot, buffer full, "
          "median ns:")
    print("  %-26s %9s %9s %9s" % ("buffer", "copy", "switch", "copy/sw"))
    for snap in snaps:
        ratio = snap["copy_ns"] / max(snap["switch_ns"], 1)
        print("  %-26s %9d %9d %9.0f" % (
            "%d x %d B" % (snap["entries"], snap["record_size"]),
            snap["copy_ns"], snap["switch_ns"], ratio))
    print("  copy: the IPI of snapshots until they switched buffers; "
          "switch: the IPI now")


def core_table(r):
    """The core gauges' paths: what an unwatched update costs each."""
    core = r.get("core")
    if not core:
        return
    # One unwatched aggmon_gauge_add, as the update benchmark module timed
    # it on one CPU in the same guest (ps).
    add_ps = r["one_cpu"].get("aggmon_gauge_add")
    print("  core gauges' paths, %d rounds on one CPU, median ns/op; spread ="
          " (max - min) / median of the rounds:" % core["rounds"])
    if core.get("skipped"):
        print("  (%s)" % core["skipped"])
    print("  %-16s %-17s %9s %7s %9s %7s %6s %7s %7s"
          % ("path", "gauge", "unwatched", "spread", "watched", "spread",
             "upd/op", "upd ns", "share"))
    verdicts = []
    for name, p in core["paths"].items():
        cost = (p["updates_per_op"] * add_ps / 1000.0
                if add_ps is not None else None)
        share = (cost / p["unwatched_ns"]
                 if cost is not None and p["unwatched_ns"] > 0 else None)
        p["update_ns"] = None if cost is None else round(cost, 3)
        p["update_share"] = None if share is None else round(share, 6)
        r.setdefault("ratios", {})["core/%s/update_share" % name] = (
            p["update_share"])
        watched = p.get("watched_ns")
        print("  %-16s %-17s %9.1f %7s %9s %7s %5.2f%s %7s %7s"
              % (name, p["gauge"], p["unwatched_ns"],
                 pct(p["unwatched_spread"]),
                 "n/a" if watched is None else "%.1f" % watched,
                 pct(p.get("watched_spread")), p["updates_per_op"],
                 "" if p["updates_measured"] else "*",
                 "n/a" if cost is None else "%.2f" % cost, pct(share)))
        if share is not None:
            verdicts.append("%s %s %s" % (
                name, "below" if share < p["unwatched_spread"] else "NOT below",
                "the noise"))
    print("  upd/op: updates of the gauge per operation (* nominal); upd ns:"
          " upd/op x aggmon_gauge_add (%s ns, 1 CPU); share: upd ns /"
          " unwatched" % ("n/a" if add_ps is None else "%.2f" % (add_ps / 1000.0)))
    if verdicts:
        print("  unwatched update cost against the round-to-round spread: %s"
              % ", ".join(verdicts))


def core_ab_table(r):
    """The same paths on the kernel built with CONFIG_AGGMON=n, beside."""
    base, core = r.get("core_unpatched"), r.get("core")
    if not base or not core:
        return
    print("  A/B, the same paths on this kernel built with CONFIG_AGGMON=n"
          " (unpatched), median ns/op (spread):")
    print("  %-16s %18s %18s %18s  %s"
          % ("path", "unpatched", "patched", "patched watched",
             "within unpatched's spread"))
    ab = r.setdefault("core_ab", {})
    for name, b in base["paths"].items():
        p = core["paths"].get(name)
        if p is None:
            continue
        row, verdict = [], []
        for what, ns_, spread in (("unpatched", b["unwatched_ns"],
                                   b["unwatched_spread"]),
                                  ("patched", p["unwatched_ns"],
                                   p["unwatched_spread"]),
                                  ("watched", p.get("watched_ns"),
                                   p.get("watched_spread"))):
            row.append("n/a" if ns_ is None else
                       "%.1f (%s)" % (ns_, pct(spread)))
            if what == "unpatched" or ns_ is None:
                continue
            diff = (ns_ - b["unwatched_ns"]) / b["unwatched_ns"]
            ab["%s/%s_vs_unpatched" % (name, what)] = round(diff, 4)
            verdict.append("%s %+.1f%% %s" % (
                what, 100 * diff,
                "yes" if abs(diff) <= b["unwatched_spread"] else "NO"))
        print("  %-16s %18s %18s %18s  %s"
              % (name, row[0], row[1], row[2], ", ".join(verdict)))
    print("  target: patched and patched watched within the spread of"
          " unpatched on every path")


def main():
    out, runs, baselines = sys.argv[1], {}, {}
    for arg in sys.argv[2:]:
        if arg.startswith("--unpatched="):
            name, path = arg[len("--unpatched="):].split("=", 1)
            baselines[name] = parse(path, "aggmon_core_json: ")
            continue
        name, path = arg.split("=", 1)
        runs[name] = parse_bench(path)
        if runs[name] is not None:
            wake = parse(path, "aggmon_wake_json: ")
            if wake:
                runs[name]["wake"] = wake
            snaps = parse_all(path, "aggmon_bench_snapshot_json: ")
            if snaps:
                runs[name]["snapshots"] = snaps
            agg = parse(path, "aggmon_agg_json: ")
            if agg:
                runs[name]["agg"] = agg
            core = parse(path, "aggmon_core_json: ")
            if core:
                runs[name]["core"] = core
            peers = parse_peers(path)
            if peers:
                runs[name]["peers"] = peers
    for name, base in baselines.items():
        if runs.get(name) is not None:
            runs[name]["core_unpatched"] = base
    for name, r in runs.items():
        if r is None:
            print("%s: no benchmark result in the log" % name)
            continue
        print("%s: %d CPUs, %d iterations x %d samples, median ns/op"
              % (name, r["cpus"], r["iterations"], r["samples"]))
        print("  %-26s %9s %9s" % ("operation", "1 CPU", "all CPUs"))
        for op in [op for op in OPS if op in r["one_cpu"]]:
            print("  %-26s %9s %9s" % (op, ns(r["one_cpu"][op]),
                                       ns(r["all_cpus"][op])))
        for op, base, target in RATIOS:
            if not have(r, op, base):
                continue
            target = target_for(target, name)
            ratios = []
            for mode in ("one_cpu", "all_cpus"):
                ratio = r[mode][op] / max(r[mode][base], 1)
                r.setdefault("ratios", {})["%s/%s/%s" % (
                    mode, op, base)] = round(ratio, 3)
                ratios.append("%.2f" % ratio)
            print("  %s / %s: %s (1 CPU, all CPUs); target <= %.2f"
                  % (op, base, ", ".join(ratios), target))
        for op, bases, target in SUM_RATIOS:
            if not have(r, op, *bases):
                continue
            ratios = []
            for mode in ("one_cpu", "all_cpus"):
                ratio = r[mode][op] / max(sum(r[mode][b] for b in bases), 1)
                r.setdefault("ratios", {})["%s/%s/%s" % (
                    mode, op, "+".join(bases))] = round(ratio, 3)
                ratios.append("%.2f" % ratio)
            print("  %s / (%s): %s (1 CPU, all CPUs); target <= %.2f"
                  % (op, " + ".join(bases), ", ".join(ratios), target))
        for op, target, normalised in SCALING:
            if not have(r, op, "this_cpu_add"):
                continue
            ratio = r["all_cpus"][op] / max(r["one_cpu"][op], 1)
            # What the machine itself loses with every CPU busy (an
            # emulator with more vCPUs than host cores loses a lot).
            floor = (r["all_cpus"]["this_cpu_add"] /
                     max(r["one_cpu"]["this_cpu_add"], 1))
            r.setdefault("ratios", {})["scaling/%s" % op] = round(ratio, 3)
            r["ratios"]["scaling/this_cpu_add"] = round(floor, 3)
            if not normalised:
                print("  %s all CPUs / 1 CPU: %.2f (this_cpu_add: %.2f); "
                      "target <= %.2f" % (op, ratio, floor, target))
                continue
            norm = ratio / floor if floor > 0 else ratio
            r["ratios"]["scaling/%s/this_cpu_add" % op] = round(norm, 3)
            print("  %s all CPUs / 1 CPU: %.2f, over this_cpu_add's %.2f: "
                  "%.2f; target <= %.2f" % (op, ratio, floor, norm, target))
        irqs_off_table(r)
        snapshot_table(r)
        wake = r.get("wake")
        if wake:
            print("  crossing-to-wake latency, %d rounds, ns:" % wake["rounds"])
            print("  %-26s %9s %9s" % ("wake by", "p50", "p99"))
            for kind in ("eventfd", "aggmon"):
                print("  %-26s %9d %9d" % (kind, wake[kind]["p50"],
                                           wake[kind]["p99"]))
            for p, target in (("p50", 1.5), ("p99", 3.0)):
                ratio = wake["aggmon"][p] / max(wake["eventfd"][p], 1)
                r.setdefault("ratios", {})["wake/%s" % p] = round(ratio, 3)
                print("  aggmon / eventfd %s: %.2f; target <= %.2f"
                      % (p, ratio, target))
        agg = r.get("agg")
        if agg:
            print("  aggregation snapshot, %d entries of %d bytes, %d reps, "
                  "median ns:" % (agg["entries"], agg["record_size"],
                                  agg["reps"]))
            print("  %-26s %9s %9s" % ("operation", "per call", "per entry"))
            for what, key in (("snapshot, whole table", "snapshot"),
                              ("copy_to_user (memfd pread)", "pread")):
                pe = agg["%s_ns_per_entry" % key]
                print("  %-26s %9.0f %9.2f" % (what, pe * agg["entries"], pe))
            for what, key in (("snapshot, empty", "snapshot_empty_ns"),
                              ("syscall (AGG_INFO)", "syscall_ns")):
                if key in agg:
                    print("  %-26s %9.0f %9s" % (what, agg[key], "-"))
            base = agg["pread_ns_per_entry"]
            ratio = agg["snapshot_ns_per_entry"] / base if base > 0 else None
        else:
            ratio = None
        r.setdefault("ratios", {})["agg/snapshot/copy_to_user"] = (
            None if ratio is None else round(ratio, 3))
        print("  snapshot / copy_to_user per entry: %s; target <= %.2f"
              % ("n/a" if ratio is None else "%.2f" % ratio, AGG_TARGET))
        peers_table(r, name)
        core_table(r)
        core_ab_table(r)
        print()
    with open(out, "w") as f:
        json.dump(runs, f, indent=2)
    return 0 if all(runs.values()) else 1


sys.exit(main())
