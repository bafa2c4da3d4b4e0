#!/usr/bin/env python3
"""FocusCost export (CSV.gz parts + manifest) -> Parquet: finops-azure's ingestion engine vs
DuckDB (COPY (FROM read_csv(...)) TO ... (FORMAT parquet), 2 threads) and pyarrow (streaming
CSV reader + ParquetWriter, 2 threads), one process each, timed with its peak RSS (wait4
ru_maxrss: the whole process, Python interpreter included for the peers). Rows and the
BilledCost sum of every output are read back with DuckDB and compared with the generator's
exact total. Prints one markdown row per run.

    convert.py --engine target/release/examples/export_convert --exports DIR --expect-rows N \
               --expect-billed TEXT --work DIR [--reps 1]
"""
import argparse, json, os, shutil, subprocess, sys, time
from decimal import Decimal

DUCK = r"""
import sys, duckdb
src, out, exact = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
con = duckdb.connect()
con.execute("SET threads = 2")
if exact:
    # The money/quantity columns as exact decimals, as our engine writes them.
    cols = con.execute(f"DESCRIBE FROM read_csv('{src}', sample_size = 2048)").fetchall()
    money = {c[0]: 'DECIMAL(38,18)' for c in cols
             if c[0].endswith(('Cost', 'Price', 'Quantity', 'InUsd', 'ExchangeRate', 'BlockSize'))
             and c[1] in ('DOUBLE', 'BIGINT', 'DECIMAL(18,3)', 'VARCHAR') }
    types = '{' + ', '.join(f"'{k}': '{v}'" for k, v in money.items()) + '}'
    con.execute(f"COPY (FROM read_csv('{src}', types = {types})) TO '{out}' (FORMAT parquet)")
else:
    con.execute(f"COPY (FROM read_csv('{src}')) TO '{out}' (FORMAT parquet)")
"""

ARROW = r"""
import sys, glob, pyarrow as pa, pyarrow.csv as csv, pyarrow.parquet as pq
src, out = sys.argv[1], sys.argv[2]
pa.set_cpu_count(2); pa.set_io_thread_count(2)
writer = None
for f in sorted(glob.glob(src, recursive=True)):
    reader = csv.open_csv(pa.input_stream(f, compression='gzip'),
                          read_options=csv.ReadOptions(block_size=16 << 20))
    for batch in reader:
        if writer is None:
            writer = pq.ParquetWriter(out, batch.schema)
        writer.write_batch(batch)
writer.close()
"""

READBACK = r"""
import sys, duckdb
con = duckdb.connect()
n, s = con.execute(f"SELECT count(*), sum(BilledCost)::VARCHAR FROM read_parquet('{sys.argv[1]}')").fetchone()
print(n, s)
"""


def run(cmd):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    secs = time.perf_counter() - t0
    out, err = p.stdout.read().decode(), p.stderr.read().decode()
    if status != 0:
        sys.exit(f"{cmd[:3]} failed ({status}):\n{err[-2000:]}")
    return secs, ru.ru_maxrss / 1024, out


def readback(py, path):
    out = subprocess.run([py, "-c", READBACK, path], check=True, capture_output=True, text=True).stdout
    n, s = out.split()
    return int(n), s


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--engine", required=True)
    a.add_argument("--exports", required=True)
    a.add_argument("--expect-rows", type=int, required=True)
    a.add_argument("--expect-billed", required=True)
    a.add_argument("--work", required=True)
    a.add_argument("--reps", type=int, default=1)
    a.add_argument("--only", default="finops,duckdb,duckdb-exact,pyarrow")
    args = a.parse_args()
    py = sys.executable
    src = os.path.join(args.exports, "**", "*.csv.gz")
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(args.exports)
               for f in fs if f.endswith(".csv.gz"))
    want = Decimal(args.expect_billed)
    label = f"{args.expect_rows:,} rows ({size / 1e6:.0f} MB CSV.gz)"
    for rep in range(args.reps):
        for who in args.only.split(","):
            shutil.rmtree(args.work, ignore_errors=True)
            os.makedirs(args.work)
            if who == "finops":
                ing = os.path.join(args.work, "ingestion")
                secs, rss, out = run([args.engine, "convert", "--exports", args.exports, "--ingestion", ing])
                j = json.loads(out.strip().splitlines()[-1])
                n, s = readback(py, os.path.join(ing, "**", "*.parquet"))
                assert n == j["rows"], (n, j)
            elif who.startswith("duckdb"):
                out_pq = os.path.join(args.work, "out.parquet")
                secs, rss, _ = run([py, "-c", DUCK, src, out_pq, "1" if who == "duckdb-exact" else "0"])
                n, s = readback(py, out_pq)
            elif who == "pyarrow":
                out_pq = os.path.join(args.work, "out.parquet")
                secs, rss, _ = run([py, "-c", ARROW, src, out_pq])
                n, s = readback(py, out_pq)
            else:
                sys.exit(f"unknown engine {who}")
            exact = "exact" if (n == args.expect_rows and Decimal(s) == want) else f"NOT exact ({n} rows, {s})"
            print(f"| {label} | {who} | {secs:.2f} s | {rss:.0f} MiB | {exact} |", flush=True)
    shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    main()
