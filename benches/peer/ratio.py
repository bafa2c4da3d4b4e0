#!/usr/bin/env python3
"""finops aggregate vs DuckDB, back to back, on one or more files: each round runs finops
(whole process, start to exit) and then DuckDB (query only, in a child process) on the same
query, so both see the same machine load; medians of N rounds, the load average during the
run, peak RSS (os.wait4), and every group compared with DuckDB's DECIMAL(38,10) result.

  benches/.venv/bin/python benches/peer/ratio.py --finops BIN --reps 7 \
      --files benches/data/focus_1000000.parquet,benches/data/focus_1000000_duckdb.parquet \
      [--queries q1,q2,q3,q4] [--duck-threads 2] [--finops-threads 2]

Run through benches/peer/parquet.sh, which builds the binaries and the data."""

import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer  # noqa: E402  (same folder)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--finops", required=True)
    ap.add_argument("--files", required=True)
    ap.add_argument("--queries", default="q1,q2,q3,q4")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--duck-threads", type=int, default=2)
    ap.add_argument("--finops-threads", type=int, default=2)
    ap.add_argument("--work", default="benches/data/peer")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    qnames = [q for q in peer.QNAMES if q.split()[0] in a.queries.split(",")]
    me = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peer.py")
    rows = []
    failed = False
    for path in a.files.split(","):
        fmt = "parquet" if path.endswith(".parquet") else "csv"
        for q in qnames:
            by, sums, kind = peer.QUERIES[q]
            fin_out = os.path.join(a.work, f"ratio_finops_{kind}_{len(sums)}.csv")
            duck_out = os.path.join(a.work, f"ratio_duckdb_{kind}_{len(sums)}.csv")
            ours, theirs, loads = [], [], []
            rss_ours, rss_theirs = 0.0, 0.0
            for rep in range(a.reps):
                loads.append(os.getloadavg()[0])
                t, m, _ = peer.run_measured([a.finops, "aggregate", "--input", path, "--by", by, "--sum",
                                             ",".join(sums), "--threads", str(a.finops_threads),
                                             "--output", fin_out])
                ours.append(t)
                rss_ours = max(rss_ours, m)
                out = duck_out if rep == 0 else "-"
                _, m, so = peer.run_measured([sys.executable, me, "--child", "duckdb", str(a.duck_threads),
                                              fmt, path, q, out])
                theirs.append(float(so.strip().splitlines()[-1]))
                rss_theirs = max(rss_theirs, m)
            nkeys = {"svc_day": 2, "sub_month": 2, "tag": 1}[kind] + 1
            fin = peer.read_result(fin_out, nkeys, len(sums), True)
            duck = peer.read_result(duck_out, nkeys, len(sums), False)
            equal = sum(1 for k, v in duck.items() if fin.get(k) == v)
            if equal != len(duck) or len(fin) != len(duck):
                failed = True
            mo, mt = statistics.median(ours), statistics.median(theirs)
            rows.append((os.path.basename(path), os.path.getsize(path), q, mo, mt, min(ours), min(theirs),
                         rss_ours, rss_theirs, f"{equal}/{len(duck)}", min(loads), max(loads)))
            print(f"{path} {q}: finops {mo:.3f} s, duckdb t{a.duck_threads} {mt:.3f} s, ratio {mo / mt:.2f}",
                  file=sys.stderr)
    print()
    print(f"| file | query | finops t{a.finops_threads} (s, whole process) | duckdb t{a.duck_threads} (s, query only) "
          "| ratio of medians | best of each (s) | peak RSS MiB (finops, duckdb) | exact groups | load avg |")
    print("|---|---|---|---|---|---|---|---|---|")
    for f, size, q, mo, mt, bo, bt, ro, rt, ex, l0, l1 in rows:
        print(f"| {f} ({size / 1e6:.0f} MB) | {q} | {mo:.3f} | {mt:.3f} | **{mo / mt:.2f}** | {bo:.3f} / {bt:.3f} "
              f"| {ro:.0f}, {rt:.0f} | {ex} | {l0:.1f}–{l1:.1f} |")
    if failed:
        sys.exit("EXACTNESS FAILURE: some groups differ from DuckDB DECIMAL(38,10)")


if __name__ == "__main__":
    main()
