#!/usr/bin/env python3
"""Peer comparison: finops vs DuckDB (threads 1 and 2) vs polars vs pandas on the same
synthetic FOCUS 1.2 files. Interleaved runs, median of N, peak RSS per process (os.wait4),
exactness of every group against DuckDB's SUM(CAST(x AS DECIMAL(38,10))).

Run through benches/peer/run.sh (it builds the binaries, the data and the venv)."""

import argparse
import csv
import os
import statistics
import subprocess
import sys
import time
from decimal import Decimal

# name -> (finops --by, finops --sum list, key kind)
QUERIES = {
    "q1 SUM(BilledCost) BY ServiceName, day": ("ServiceName,day", ["BilledCost"], "svc_day"),
    "q2 3 sums BY ServiceName, day": ("ServiceName,day", ["BilledCost", "EffectiveCost", "ListCost"], "svc_day"),
    "q3 SUM BY SubAccountId, month": ("SubAccountId,month", ["BilledCost"], "sub_month"),
    "q4 SUM BY tag app": ("tag:app", ["BilledCost"], "tag"),
}
QNAMES = list(QUERIES)
MONEY = ["BilledCost", "EffectiveCost", "ListCost"]


def run_measured(cmd, env=None):
    """Run cmd; return (wall seconds, peak RSS MiB, stdout)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"command failed ({p.returncode}): {' '.join(cmd)}\n{err.decode()}")
    return wall, ru.ru_maxrss / 1024.0, out.decode()


# ---------------------------------------------------------------- engines (child side)

def duck_sql(fmt, path, kind, sums):
    if fmt == "csv":
        types = ", ".join(f"'{c}': 'DECIMAL(38,10)'" for c in MONEY)
        src = f"read_csv('{path}', header=true, types={{{types}}})"
    else:
        src = f"read_parquet('{path}')"
    agg = ", ".join(f"SUM(CAST({c} AS DECIMAL(38,10)))" for c in sums)
    if kind == "svc_day":
        keys = "ServiceName, strftime(ChargePeriodStart, '%Y-%m-%d')"
    elif kind == "sub_month":
        keys = "SubAccountId, strftime(ChargePeriodStart, '%Y-%m')"
    else:
        keys = "json_extract_string(Tags, '$.app')"
    return f"SELECT {keys}, BillingCurrency, {agg} FROM {src} GROUP BY ALL"


def child(engine, threads, fmt, path, qname, out):
    by, sums, kind = QUERIES[qname]
    if engine == "duckdb":
        import duckdb
        con = duckdb.connect()
        con.execute(f"SET threads={threads}")
        con.execute("SET TimeZone='UTC'")
        t0 = time.perf_counter()
        rows = con.execute(duck_sql(fmt, path, kind, sums)).fetchall()
        dt = time.perf_counter() - t0
        if out:
            with open(out, "w", newline="") as f:
                w = csv.writer(f)
                for r in rows:
                    w.writerow(["" if v is None else str(v) for v in r])
    elif engine == "polars":
        import polars as pl
        t0 = time.perf_counter()
        lf = pl.scan_csv(path) if fmt == "csv" else pl.scan_parquet(path)
        if kind == "tag":
            keys = [pl.col("Tags").str.json_path_match("$.app").alias("k")]
        else:
            first = "ServiceName" if kind == "svc_day" else "SubAccountId"
            n = 10 if kind == "svc_day" else 7
            ts = pl.col("ChargePeriodStart")
            ts = ts.str.slice(0, n) if fmt == "csv" else ts.dt.strftime("%Y-%m-%d" if n == 10 else "%Y-%m")
            keys = [pl.col(first), ts.alias("t")]
        df = lf.group_by(keys + [pl.col("BillingCurrency")]).agg([pl.col(c).sum() for c in sums]).collect()
        dt = time.perf_counter() - t0
        _ = len(df)
    elif engine == "pandas":
        import pandas as pd
        t0 = time.perf_counter()
        if kind == "tag":
            cols = ["Tags", "BillingCurrency"] + sums
        else:
            cols = ["ServiceName" if kind == "svc_day" else "SubAccountId", "ChargePeriodStart", "BillingCurrency"] + sums
        df = pd.read_csv(path, usecols=cols) if fmt == "csv" else pd.read_parquet(path, columns=cols)
        if kind == "tag":
            df["k"] = df["Tags"].str.extract(r'"app"\s*:\s*"([^"]*)"', expand=False)
            keys = ["k", "BillingCurrency"]
        else:
            n = 10 if kind == "svc_day" else 7
            ts = df["ChargePeriodStart"]
            df["t"] = ts.str.slice(0, n) if fmt == "csv" else ts.dt.strftime("%Y-%m-%d" if n == 10 else "%Y-%m")
            keys = [cols[0], "t", "BillingCurrency"]
        res = df.groupby(keys, dropna=False)[sums].sum()
        dt = time.perf_counter() - t0
        _ = len(res)
    else:
        sys.exit(f"unknown engine {engine}")
    print(dt)


# ---------------------------------------------------------------- driver

def read_result(path, nkeys, nsums, header):
    res = {}
    with open(path, newline="") as f:
        r = csv.reader(f)
        if header:
            next(r, None)
        for row in r:
            key = tuple(row[:nkeys])
            res[key] = [Decimal(v) if v != "" else None for v in row[nkeys:nkeys + nsums]]
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--finops")
    ap.add_argument("--csv")
    ap.add_argument("--parquet")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--work", default="benches/data/peer")
    ap.add_argument("--skip-pandas", action="store_true")
    ap.add_argument("--child", nargs=6, metavar=("ENGINE", "THREADS", "FMT", "PATH", "QUERY", "OUT"))
    a = ap.parse_args()
    if a.child:
        e, th, fmt, path, q, out = a.child
        child(e, int(th), fmt, path, q, None if out == "-" else out)
        return
    if not (a.finops and a.csv and a.parquet):
        ap.error("--finops, --csv and --parquet are required")
    os.makedirs(a.work, exist_ok=True)
    py = sys.executable
    me = os.path.abspath(__file__)
    engines = [("finops t2", None), ("duckdb t1", 1), ("duckdb t2", 2), ("polars", 2)]
    if not a.skip_pandas:
        engines.append(("pandas", 1))
    table = []
    for fmt, path in (("csv", a.csv), ("parquet", a.parquet)):
        size = os.path.getsize(path)
        for qname in QNAMES:
            by, sums, kind = QUERIES[qname]
            times = {e: [] for e, _ in engines}
            rss = {e: 0.0 for e, _ in engines}
            floor = []
            fin_out = os.path.join(a.work, f"finops_{fmt}_{kind}_{len(sums)}.csv")
            duck_out = os.path.join(a.work, f"duckdb_{fmt}_{kind}_{len(sums)}.csv")
            for rep in range(a.reps):
                # raw floor: read the file and count lines
                floor_cmd = ["wc", "-l", path] if fmt == "csv" else ["sh", "-c", f"cat '{path}' > /dev/null"]
                t, _, _ = run_measured(floor_cmd)
                floor.append(t)
                for e, th in engines:
                    if e.startswith("finops"):
                        cmd = [a.finops, "aggregate", "--input", path, "--by", by, "--sum", ",".join(sums),
                               "--threads", "2", "--output", fin_out]
                        t, m, _ = run_measured(cmd)
                    else:
                        eng = e.split()[0]
                        env = dict(os.environ, POLARS_MAX_THREADS="2")
                        out = duck_out if (eng == "duckdb" and th == 2 and rep == 0) else "-"
                        _, m, so = run_measured([py, me, "--child", eng, str(th), fmt, path, qname, out], env=env)
                        t = float(so.strip().splitlines()[-1])
                    times[e].append(t)
                    rss[e] = max(rss[e], m)
            # exactness: every group, every sum, equal to DuckDB DECIMAL(38,10)
            nkeys = {"svc_day": 2, "sub_month": 2, "tag": 1}[kind] + 1
            fin = read_result(fin_out, nkeys, len(sums), True)
            duck = read_result(duck_out, nkeys, len(sums), False)
            equal = sum(1 for k, v in duck.items() if k in fin and fin[k] == v)
            exact = f"{equal}/{len(duck)}" + ("" if len(fin) == len(duck) else f" (finops has {len(fin)})")
            med = {e: statistics.median(v) for e, v in times.items()}
            best_peer = min(med["duckdb t2"], med["polars"])
            table.append((fmt, qname, med, rss, statistics.median(floor), best_peer, exact, size))
            print(f"{fmt} {qname}: " + ", ".join(f"{e} {med[e]:.3f}s" for e in med) + f", exact {exact}", file=sys.stderr)
    names = [e for e, _ in engines]
    print()
    print("| input | query | " + " | ".join(f"{n} (s)" for n in names) +
          " | raw floor (s) | finops / faster of DuckDB t2, polars | finops / floor | peak RSS MiB (" + ", ".join(names) + ") | exact groups vs DuckDB DECIMAL |")
    print("|" + "---|" * (len(names) + 7))
    for fmt, q, med, rss, fl, best, exact, size in table:
        print(f"| {fmt} ({size / 1e6:.0f} MB) | {q} | " + " | ".join(f"{med[n]:.3f}" for n in names) +
              f" | {fl:.3f} | {med['finops t2'] / best:.2f} | {med['finops t2'] / fl:.2f} | " +
              ", ".join(f"{rss[n]:.0f}" for n in names) + f" | {exact} |")
    if any(t[6].split("/")[0] != t[6].split("/")[1].split(" ")[0] or "finops has" in t[6] for t in table):
        print("\nEXACTNESS FAILURE: some groups differ from DuckDB DECIMAL(38,10)")
        sys.exit(1)
    print("\nAll groups of all queries equal DuckDB's DECIMAL(38,10) sums digit for digit.")


if __name__ == "__main__":
    main()
