#!/usr/bin/env python3
"""Turn the aggmon_bench_json lines of benchmark logs into one table and
one JSON file.  Usage: bench-table.py OUT.json NAME=LOG [NAME=LOG...]"""
import json
import sys

OPS = ["this_cpu_add", "atomic64_add_private", "atomic64_add_shared",
       "percpu_counter_add_batch", "aggmon_gauge_add"]


def parse(path):
    for line in open(path, errors="replace"):
        if "aggmon_bench_json: " in line:
            return json.loads(line.split("aggmon_bench_json: ", 1)[1])
    return None


def ns(ps):
    return "%8.2f" % (ps / 1000.0)


def main():
    out, runs = sys.argv[1], {}
    for arg in sys.argv[2:]:
        name, path = arg.split("=", 1)
        runs[name] = parse(path)
    for name, r in runs.items():
        if r is None:
            print("%s: no benchmark result in the log" % name)
            continue
        print("%s: %d CPUs, %d iterations x %d samples, median ns/op"
              % (name, r["cpus"], r["iterations"], r["samples"]))
        print("  %-26s %9s %9s" % ("operation", "1 CPU", "all CPUs"))
        for op in OPS:
            print("  %-26s %9s %9s" % (op, ns(r["one_cpu"][op]),
                                       ns(r["all_cpus"][op])))
        for base, target in (("this_cpu_add", 1.5),
                             ("percpu_counter_add_batch", 1.0)):
            ratios = []
            for mode in ("one_cpu", "all_cpus"):
                ratio = r[mode]["aggmon_gauge_add"] / max(r[mode][base], 1)
                r.setdefault("ratios", {})["%s/%s/%s" % (
                    mode, "aggmon_gauge_add", base)] = round(ratio, 3)
                ratios.append("%.2f" % ratio)
            print("  gauge_add / %-24s %s (1 CPU, all CPUs); target <= %.2f"
                  % (base, ", ".join(ratios), target))
        print()
    with open(out, "w") as f:
        json.dump(runs, f, indent=2)
    return 0 if all(runs.values()) else 1


sys.exit(main())
