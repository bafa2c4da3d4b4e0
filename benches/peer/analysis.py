#!/usr/bin/env python3
"""`finops allocate` (50 rules) vs DuckDB doing the same mapping in SQL and writing the same
two outputs (the records with x_AllocatedTo / x_AllocationRule as Parquet, and the showback
target x billing month x currency). Back to back, median of N, peak RSS (os.wait4); the
showback of finops must equal DuckDB's DECIMAL(38,10) sums digit for digit.

Run through benches/peer/analysis.sh."""

import argparse
import csv
import os
import statistics
import subprocess
import sys
import time
from decimal import Decimal


def run_measured(cmd):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err.decode()}")
    return wall, ru.ru_maxrss / 1024.0, out.decode()


def duck(pq, rules, out_dir, threads):
    import duckdb
    target = open(os.path.join(rules, "rules50_target.sql")).read()
    rule = open(os.path.join(rules, "rules50_rule.sql")).read()
    con = duckdb.connect()
    con.execute(f"SET threads={threads}")
    con.execute("SET TimeZone='UTC'")
    os.makedirs(out_dir, exist_ok=True)
    t0 = time.perf_counter()
    con.execute(f"""CREATE TEMP VIEW a AS SELECT *, {target} AS x_AllocatedTo, {rule} AS x_AllocationRule
                    FROM read_parquet('{pq}')""")
    con.execute(f"COPY (SELECT * FROM a) TO '{out_dir}/duck_allocated.parquet' (FORMAT parquet)")
    rows = con.execute("""SELECT x_AllocatedTo, strftime(BillingPeriodStart + INTERVAL 14 HOUR, '%Y-%m'),
                          BillingCurrency, SUM(CAST(BilledCost AS DECIMAL(38,10))), SUM(CAST(EffectiveCost AS DECIMAL(38,10)))
                          FROM read_parquet('""" + f"{out_dir}/duck_allocated.parquet" + """') GROUP BY ALL""").fetchall()
    dt = time.perf_counter() - t0
    with open(f"{out_dir}/duck_showback.csv", "w", newline="") as f:
        w = csv.writer(f)
        for r in rows:
            w.writerow([str(v) for v in r])
    print(dt)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--finops")
    ap.add_argument("--parquet")
    ap.add_argument("--rules")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--work")
    ap.add_argument("--child", nargs=4)
    ap.add_argument("--duck-t1", action="store_true", help="also time DuckDB on one thread")
    a = ap.parse_args()
    if a.child:
        duck(a.child[0], a.child[1], a.child[2], int(a.child[3]))
        return
    py, me = sys.executable, os.path.abspath(__file__)
    # Back to back: each round runs finops, then DuckDB t2, then DuckDB t1, so all see the
    # same machine load; medians over the rounds.
    times = {"finops": [], "duckdb t2": [], "duckdb t1": []}
    rss = {k: 0.0 for k in times}
    loads = []
    for _ in range(a.reps):
        loads.append(os.getloadavg()[0])
        t, m, _ = run_measured([a.finops, "allocate", "--input", a.parquet, "--rules",
                                os.path.join(a.rules, "rules50.toml"), "--out", a.work])
        times["finops"].append(t)
        rss["finops"] = max(rss["finops"], m)
        for th in (2, 1) if a.duck_t1 else (2,):
            _, m, so = run_measured([py, me, "--child", a.parquet, a.rules, a.work, str(th)])
            times[f"duckdb t{th}"].append(float(so.strip().splitlines()[-1]))
            rss[f"duckdb t{th}"] = max(rss[f"duckdb t{th}"], m)
    if not a.duck_t1:
        times["duckdb t1"] = [float("nan")]
    ours = {}
    with open(os.path.join(a.work, "showback.csv"), newline="") as f:
        r = csv.reader(f)
        next(r)
        for row in r:
            ours[tuple(row[:3])] = [Decimal(v) for v in row[3:5]]
    theirs = {}
    with open(os.path.join(a.work, "duck_showback.csv"), newline="") as f:
        for row in csv.reader(f):
            theirs[tuple(row[:3])] = [Decimal(v) for v in row[3:5]]
    equal = sum(1 for k, v in theirs.items() if ours.get(k) == v)
    med = {k: statistics.median(v) for k, v in times.items()}
    size = os.path.getsize(a.parquet)
    print("| input | finops allocate (s, whole process) | duckdb t2 (s, query only) | duckdb t1 (s) | finops / duckdb t2 | peak RSS MiB (finops, duckdb t2, duckdb t1) | showback groups equal to DuckDB | rounds | load avg |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| parquet ({size / 1e6:.0f} MB), 50 rules | {med['finops']:.3f} | {med['duckdb t2']:.3f} | {med['duckdb t1']:.3f} | "
          f"**{med['finops'] / med['duckdb t2']:.2f}** | {rss['finops']:.0f}, {rss['duckdb t2']:.0f}, {rss['duckdb t1']:.0f} | "
          f"{equal}/{len(theirs)}" + ("" if len(ours) == len(theirs) else f" (finops has {len(ours)})") +
          f" | {a.reps} | {min(loads):.1f}–{max(loads):.1f} |")
    if equal != len(theirs) or len(ours) != len(theirs):
        sys.exit("SHOWBACK DIFFERS FROM DUCKDB")


if __name__ == "__main__":
    main()
