#!/usr/bin/env python3
"""Turn the aggmon_bench_json lines of benchmark logs into one table and
one JSON file.  Usage: bench-table.py OUT.json NAME=LOG [NAME=LOG...]"""
import json
import sys

OPS = ["this_cpu_add", "atomic64_add_private", "atomic64_add_shared",
       "percpu_counter_add_batch", "aggmon_gauge_add",
       "gauge_add_others_watched", "gauge_add_hwm",
       "gauge_add_hwm_1far", "gauge_add_hwm_10kfar", "gauge_add_near",
       "gauge_add_crossing", "jhash2_rhashtable_hit", "agg_key_present",
       "agg_new_key", "agg_one_key"]
# (operation, baseline, target): the issues' speed targets.
RATIOS = [("aggmon_gauge_add", "this_cpu_add", 1.5),
          ("aggmon_gauge_add", "percpu_counter_add_batch", 1.0),
          ("gauge_add_hwm_1far", "this_cpu_add", 2.0),
          ("gauge_add_hwm_10kfar", "gauge_add_hwm_1far", 1.1),
          ("agg_new_key", "agg_key_present", 3.0)]
# (operation, baselines summed, target): an operation against the sum of
# baselines, e.g. a keyed update against a hash lookup plus a per-CPU add.
SUM_RATIOS = [("agg_key_present", ("jhash2_rhashtable_hit", "this_cpu_add"),
               1.25)]
# (operation, target): all CPUs at once against one CPU.
SCALING = [("agg_one_key", 1.2)]
# Aggregation snapshot against copy_to_user, per entry.
AGG_TARGET = 2.0


def parse(path, tag="aggmon_bench_json: "):
    for line in open(path, errors="replace"):
        if tag in line:
            return json.loads(line.split(tag, 1)[1])
    return None


def ns(ps):
    return "%8.2f" % (ps / 1000.0)


def main():
    out, runs = sys.argv[1], {}
    for arg in sys.argv[2:]:
        name, path = arg.split("=", 1)
        runs[name] = parse(path)
        if runs[name] is not None:
            wake = parse(path, "aggmon_wake_json: ")
            if wake:
                runs[name]["wake"] = wake
            agg = parse(path, "aggmon_agg_json: ")
            if agg:
                runs[name]["agg"] = agg
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
            if op not in r["one_cpu"]:
                continue
            ratios = []
            for mode in ("one_cpu", "all_cpus"):
                ratio = r[mode][op] / max(r[mode][base], 1)
                r.setdefault("ratios", {})["%s/%s/%s" % (
                    mode, op, base)] = round(ratio, 3)
                ratios.append("%.2f" % ratio)
            print("  %s / %s: %s (1 CPU, all CPUs); target <= %.2f"
                  % (op, base, ", ".join(ratios), target))
        for op, bases, target in SUM_RATIOS:
            if op not in r["one_cpu"]:
                continue
            ratios = []
            for mode in ("one_cpu", "all_cpus"):
                ratio = r[mode][op] / max(sum(r[mode][b] for b in bases), 1)
                r.setdefault("ratios", {})["%s/%s/%s" % (
                    mode, op, "+".join(bases))] = round(ratio, 3)
                ratios.append("%.2f" % ratio)
            print("  %s / (%s): %s (1 CPU, all CPUs); target <= %.2f"
                  % (op, " + ".join(bases), ", ".join(ratios), target))
        for op, target in SCALING:
            if op not in r["one_cpu"]:
                continue
            ratio = r["all_cpus"][op] / max(r["one_cpu"][op], 1)
            # What the machine itself loses with every CPU busy (an
            # emulator with more vCPUs than host cores loses a lot).
            floor = (r["all_cpus"]["this_cpu_add"] /
                     max(r["one_cpu"]["this_cpu_add"], 1))
            r.setdefault("ratios", {})["scaling/%s" % op] = round(ratio, 3)
            r["ratios"]["scaling/this_cpu_add"] = round(floor, 3)
            print("  %s all CPUs / 1 CPU: %.2f (this_cpu_add: %.2f); "
                  "target <= %.2f" % (op, ratio, floor, target))
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
        print()
    with open(out, "w") as f:
        json.dump(runs, f, indent=2)
    return 0 if all(runs.values()) else 1


sys.exit(main())
