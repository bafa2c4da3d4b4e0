//! The CSV / CSV.gz path: a reader thread cuts the input into chunks that end on a record
//! boundary (tracking quote parity, so quoted newlines are safe) and workers scan them with a
//! byte-level field splitter that only decodes the columns the query needs.

use super::engine::{Evaluator, Part, Plan, TimeEnc, check_unique_header, unquote};
use super::fixed::{Num, parse_num};
use crate::error::Location;
use crate::{Error, Result};
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};

/// Bytes read per chunk.
const CHUNK: usize = 1 << 20;

#[derive(Debug, Clone, Copy)]
enum Need {
    Skip,
    Field(usize),
    Num(usize),
    Both(usize, usize),
}

/// Column roles of one file.
#[derive(Debug)]
struct Layout {
    need: Vec<Need>,
    /// Per plan field: read from its fallback column.
    fallback: Vec<bool>,
    /// `(from, to)`: field `to` reads the same column as field `from`.
    also: Vec<(usize, usize)>,
    ncols: usize,
    names: Vec<String>,
}

fn io_err(path: &Path, e: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source: e,
    }
}

fn open(path: &Path) -> Result<Box<dyn Read + Send>> {
    let f = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
    if super::InputFormat::from_path(path) == super::InputFormat::CsvGz {
        Ok(Box::new(flate2::read::MultiGzDecoder::new(
            std::io::BufReader::with_capacity(1 << 16, f),
        )))
    } else {
        Ok(Box::new(f))
    }
}

/// Append up to `n` bytes; returns how many were read (0 = end of input).
fn fill(r: &mut dyn Read, buf: &mut Vec<u8>, n: usize, path: &Path) -> Result<usize> {
    let before = buf.len();
    r.take(n as u64)
        .read_to_end(buf)
        .map_err(|e| io_err(path, e))?;
    Ok(buf.len() - before)
}

fn count_quotes(b: &[u8]) -> usize {
    // Byte-sized partial counts vectorise well.
    b.chunks(255)
        .map(|c| c.iter().fold(0u8, |a, &x| a + u8::from(x == b'"')) as usize)
        .sum()
}

/// End (index after the `\n`) of the last complete record of `buf`, which starts on a
/// record boundary.
fn last_boundary(buf: &[u8]) -> Option<usize> {
    let total = count_quotes(buf);
    let mut after = 0;
    let mut cur_end = buf.len();
    for p in memchr::memrchr_iter(b'\n', buf) {
        after += count_quotes(&buf[p + 1..cur_end]);
        cur_end = p + 1;
        if (total - after).is_multiple_of(2) {
            return Some(p + 1);
        }
    }
    None
}

/// End of the first record (index after its `\n`).
fn first_boundary(buf: &[u8]) -> Option<usize> {
    let mut in_q = false;
    for p in memchr::memchr2_iter(b'"', b'\n', buf) {
        if buf[p] == b'"' {
            in_q = !in_q;
        } else if !in_q {
            return Some(p + 1);
        }
    }
    None
}

fn layout(path: &Path, header: &[u8], plan: &Plan) -> Result<Layout> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(header);
    let mut rec = csv::StringRecord::new();
    let ok = rdr.read_record(&mut rec).map_err(|e| Error::Parse {
        location: Location {
            file: path.display().to_string(),
            line: Some(1),
            column: None,
        },
        message: format!("unreadable header: {e}"),
    })?;
    if !ok {
        return Err(Error::Parse {
            location: Location {
                file: path.display().to_string(),
                line: Some(1),
                column: None,
            },
            message: "no header row".into(),
        });
    }
    let names: Vec<String> = rec.iter().map(|s| s.trim().to_string()).collect();
    check_unique_header(&path.display().to_string(), &names)?;
    let find = |cands: &[String]| -> Option<usize> {
        cands.iter().find_map(|c| names.iter().position(|n| n == c))
    };
    let missing = |name: String| Error::MissingColumn {
        file: path.display().to_string(),
        column: name,
    };
    let mut need = vec![Need::Skip; names.len()];
    let mut fallback = vec![false; plan.fields.len()];
    let mut also = Vec::new();
    for (i, f) in plan.fields.iter().enumerate() {
        let col = find(&f.source.header_names()).ok_or_else(|| missing(f.source.name()))?;
        fallback[i] = f.source.is_fallback(&names[col]);
        if let Need::Field(j) = need[col] {
            // Two fields read the same column (ChargePeriodStart standing in for a missing
            // BillingPeriodStart): the second one copies the first's value.
            also.push((j, i));
            continue;
        }
        need[col] = Need::Field(i);
    }
    for (k, c) in plan.nums.iter().enumerate() {
        let cands: Vec<String> = super::header_names(*c)
            .into_iter()
            .map(String::from)
            .collect();
        let col = find(&cands).ok_or_else(|| missing(c.name().to_string()))?;
        need[col] = match need[col] {
            Need::Field(i) => Need::Both(i, k),
            _ => Need::Num(k),
        };
    }
    Ok(Layout {
        ncols: names.len(),
        need,
        fallback,
        also,
        names,
    })
}

/// A bad row inside a chunk, located by byte offset in the (decompressed) input.
#[derive(Debug)]
struct ChunkError {
    offset: u64,
    field: Option<String>,
    message: String,
}

/// Eight 0/1 bytes per word packed into bits with one multiplication each.
#[inline(always)]
fn pack(ones: &[u8; 64]) -> u64 {
    let mut m = 0u64;
    for (k, w) in ones.chunks_exact(8).enumerate() {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        let x = u64::from_le_bytes(a);
        m |= (x.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k);
    }
    m
}

/// Bit `i` set where `block[i] == c`.
#[cfg(test)]
fn eq_mask(block: &[u8; 64], c: u8) -> u64 {
    let mut ones = [0u8; 64];
    for (o, &b) in ones.iter_mut().zip(block.iter()) {
        *o = u8::from(b == c);
    }
    pack(&ones)
}

/// `(quotes, separators)`: bit `i` set where `block[i]` is `"`, resp. `,` or `\n`. The
/// byte-wise compares vectorise; most blocks have no quote, which skips one packing.
#[inline(always)]
fn masks(block: &[u8; 64]) -> (u64, u64) {
    let mut sep = [0u8; 64];
    let mut quo = [0u8; 64];
    for ((s, q), &b) in sep.iter_mut().zip(quo.iter_mut()).zip(block.iter()) {
        *s = u8::from(b == b',') | u8::from(b == b'\n');
        *q = u8::from(b == b'"');
    }
    let any_quote = quo.iter().fold(0u8, |a, &x| a | x);
    let q = if any_quote == 0 { 0 } else { pack(&quo) };
    (q, pack(&sep))
}

/// Bit `i` = XOR of bits `0..=i`: with quote positions in, the "inside quotes" mask.
#[inline(always)]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// Scan the complete records of `buf` (which starts on a record boundary); returns the end
/// of the last complete record (the rest is an unfinished record). Separators are found
/// 64 bytes at a time as bit masks; a prefix XOR of the quote mask tells which are inside
/// quoted fields, so quoted commas and newlines are data.
fn scan_chunk(
    buf: &[u8],
    base: u64,
    lay: &Layout,
    nfields: usize,
    nnums: usize,
    ev: &mut Evaluator<'_>,
) -> std::result::Result<usize, ChunkError> {
    let mut fvals: Vec<Option<&[u8]>> = vec![None; nfields];
    let mut nums: Vec<Option<Num>> = vec![None; nnums];
    let mut col = 0usize;
    let mut start = 0usize;
    let mut rec_start = 0usize;
    let need = lay.need.as_slice();
    let len = buf.len();
    let mut carry: u64 = 0;
    let mut pos = 0usize;
    while pos < len {
        let block: [u8; 64] = match buf.get(pos..pos + 64) {
            Some(s) => s.try_into().unwrap_or([0; 64]),
            None => {
                let mut b = [0u8; 64];
                b[..len - pos].copy_from_slice(&buf[pos..]);
                b
            }
        };
        let (q, sep) = masks(&block);
        let inside = prefix_xor(q) ^ carry;
        carry = ((inside as i64) >> 63) as u64;
        let mut seps = sep & !inside;
        while seps != 0 {
            let bit = seps.trailing_zeros();
            seps &= seps - 1;
            let p = pos + bit as usize;
            let is_nl = buf[p] == b'\n';
            let mut end = p;
            if is_nl && end > start && buf[end - 1] == b'\r' {
                end -= 1;
            }
            if let Some(n) = need.get(col)
                && !matches!(n, Need::Skip)
            {
                let v = (end > start).then(|| &buf[start..end]);
                let mut num = |k: usize| -> std::result::Result<(), ChunkError> {
                    nums[k] = match v {
                        None => None,
                        Some(b) => {
                            let b = unquote(b);
                            if b.is_empty() {
                                None
                            } else {
                                Some(parse_num(&b).map_err(|m| ChunkError {
                                    offset: base + rec_start as u64,
                                    field: Some(lay.names[col].clone()),
                                    message: m,
                                })?)
                            }
                        }
                    };
                    Ok(())
                };
                match *n {
                    Need::Skip => {}
                    Need::Field(i) => fvals[i] = v,
                    Need::Num(k) => num(k)?,
                    Need::Both(i, k) => {
                        num(k)?;
                        fvals[i] = v;
                    }
                }
            }
            col += 1;
            start = p + 1;
            if is_nl {
                if col != lay.ncols {
                    if !(col == 1 && end == rec_start) {
                        return Err(ChunkError {
                            offset: base + rec_start as u64,
                            field: None,
                            message: format!(
                                "expected {} fields (as in the header), found {col}",
                                lay.ncols
                            ),
                        });
                    }
                } else {
                    for &(a, b) in &lay.also {
                        fvals[b] = fvals[a];
                    }
                    ev.row(&fvals, &nums).map_err(|e| ChunkError {
                        offset: base + rec_start as u64,
                        field: Some(e.field),
                        message: e.message,
                    })?;
                }
                col = 0;
                rec_start = start;
            }
        }
        pos += 64;
    }
    Ok(rec_start)
}

/// 1-based physical line of a byte offset (only computed when reporting an error).
fn line_at(path: &Path, offset: u64) -> Option<u64> {
    let mut r = open(path).ok()?;
    let mut left = offset;
    let mut lines = 1u64;
    let mut buf = vec![0u8; 1 << 16];
    while left > 0 {
        let n = r.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        let take = (n as u64).min(left) as usize;
        lines += memchr::memchr_iter(b'\n', &buf[..take]).count() as u64;
        left -= take as u64;
    }
    Some(lines)
}

fn chunk_error(path: &Path, e: ChunkError) -> Error {
    Error::Parse {
        location: Location {
            file: path.display().to_string(),
            line: line_at(path, e.offset),
            column: e.field,
        },
        message: e.message,
    }
}

struct Chunk {
    buf: Vec<u8>,
    base: u64,
}

/// Aggregate one CSV or CSV.gz file with `threads` workers.
pub(crate) fn scan_file(path: &Path, plan: &Plan, threads: usize) -> Result<Vec<Part>> {
    let mut reader = open(path)?;
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + CHUNK / 4);
    // Header.
    let mut eof = false;
    let header_end = loop {
        if let Some(e) = first_boundary(&buf) {
            break e;
        }
        if eof {
            if buf.is_empty() {
                return Err(Error::Parse {
                    location: Location {
                        file: path.display().to_string(),
                        line: Some(1),
                        column: None,
                    },
                    message: "empty file: no header row".into(),
                });
            }
            buf.push(b'\n');
            continue;
        }
        eof = fill(&mut *reader, &mut buf, CHUNK, path)? == 0;
    };
    let bom = if buf.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let lay = layout(path, &buf[bom..header_end], plan)?;
    let base = header_end as u64;
    buf.drain(..header_end);
    let threads = threads.max(1);

    // Plain files: workers read their own byte ranges (no reader thread, no copy hand-off).
    // Range starts are guessed at line starts; each worker but the last must end exactly on
    // the next one's start outside quotes, which proves the guesses were record boundaries.
    // Otherwise (quoted newlines at a cut, a bad row) the file is redone by the pipeline.
    if threads > 1
        && super::InputFormat::from_path(path) == super::InputFormat::Csv
        && let Some(parts) = scan_ranges(path, plan, &lay, base, threads)?
    {
        return Ok(parts);
    }
    scan_stream(
        path,
        &mut *reader,
        buf,
        eof,
        base,
        plan,
        &lay,
        threads,
        false,
    )
    .map(|o| o.unwrap_or_default())
}

/// A byte range of a file as a reader (positioned reads, shareable between threads).
struct RangeReader<'a> {
    file: &'a std::fs::File,
    pos: u64,
    end: u64,
}

impl Read for RangeReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        use std::os::unix::fs::FileExt;
        let n = (self.end - self.pos).min(out.len() as u64) as usize;
        if n == 0 {
            return Ok(0);
        }
        let got = self.file.read_at(&mut out[..n], self.pos)?;
        self.pos += got as u64;
        Ok(got)
    }
}

/// Below this many data bytes a file is not split.
const SPLIT_MIN: u64 = 4 << 20;

fn scan_ranges(
    path: &Path,
    plan: &Plan,
    lay: &Layout,
    base: u64,
    threads: usize,
) -> Result<Option<Vec<Part>>> {
    let file = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
    let size = file.metadata().map_err(|e| io_err(path, e))?.len();
    if size.saturating_sub(base) < SPLIT_MIN {
        return Ok(None);
    }
    // Line starts after each raw cut.
    let mut starts = vec![base];
    let step = (size - base) / threads as u64;
    for i in 1..threads as u64 {
        let cut = base + i * step;
        let mut r = RangeReader {
            file: &file,
            pos: cut - 1,
            end: size,
        };
        let mut window = Vec::new();
        let mut at = None;
        while at.is_none() {
            let got = fill(&mut r, &mut window, 1 << 16, path)?;
            at = memchr::memchr(b'\n', &window);
            if got == 0 {
                break;
            }
        }
        match at {
            Some(nl) => starts.push(cut + nl as u64),
            None => return Ok(None),
        }
    }
    starts.push(size);
    if starts.windows(2).any(|w| w[0] >= w[1]) {
        return Ok(None);
    }
    let n = starts.len() - 1;
    tracing::debug!(file = %path.display(), workers = n, "split scan");
    let results: Vec<Result<Option<Vec<Part>>>> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..n)
            .map(|i| {
                let (a, b) = (starts[i], starts[i + 1]);
                let file = &file;
                s.spawn(move || {
                    let mut r = RangeReader {
                        file,
                        pos: a,
                        end: b,
                    };
                    scan_stream(path, &mut r, Vec::new(), false, a, plan, lay, 1, i + 1 < n)
                })
            })
            .collect();
        hs.into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(Error::InvalidArgument(format!(
                        "{}: an aggregation worker panicked",
                        path.display()
                    )))
                })
            })
            .collect()
    });
    let mut parts = Vec::new();
    for r in results {
        match r {
            Ok(Some(p)) => parts.extend(p),
            // Misaligned or a bad row: let the sequential pipeline decide.
            Ok(None) | Err(_) => {
                tracing::debug!(file = %path.display(), "split scan not aligned or failed; rescanning with the pipeline");
                return Ok(None);
            }
        }
    }
    Ok(Some(parts))
}

/// Aggregate records from `reader` (`buf` holds already-read bytes, starting on a record
/// boundary at byte `base` of the input). With `strict_end`, the input must end on a record
/// boundary outside quotes, else `Ok(None)` (the caller's range guess was wrong).
#[allow(clippy::too_many_arguments)]
fn scan_stream(
    path: &Path,
    reader: &mut dyn Read,
    mut buf: Vec<u8>,
    mut eof: bool,
    mut base: u64,
    plan: &Plan,
    lay: &Layout,
    threads: usize,
    strict_end: bool,
) -> Result<Option<Vec<Part>>> {
    let mut misaligned = false;
    let nfields = plan.fields.len();
    let nnums = plan.nums.len();
    let time_enc = vec![TimeEnc::Text; nfields];

    if threads == 1 {
        // One thread: scan in place; the scanner itself finds where the last complete record
        // ends, so no separate pass over the bytes is needed.
        let mut ev = Evaluator::new(plan, true, time_enc).with_fallback(lay.fallback.clone());
        loop {
            if !eof {
                let want = CHUNK.saturating_sub(buf.len()).max(CHUNK / 4);
                eof = fill(&mut *reader, &mut buf, want, path)? == 0;
            }
            if buf.is_empty() {
                break;
            }
            if eof && !strict_end && buf.last() != Some(&b'\n') {
                buf.push(b'\n');
            }
            let consumed = scan_chunk(&buf, base, lay, nfields, nnums, &mut ev)
                .map_err(|e| chunk_error(path, e))?;
            buf.drain(..consumed);
            base += consumed as u64;
            if eof && !buf.is_empty() {
                if strict_end {
                    return Ok(None);
                }
                return Err(Error::Parse {
                    location: Location {
                        file: path.display().to_string(),
                        line: line_at(path, base),
                        column: None,
                    },
                    message: "unterminated quoted field at end of file".into(),
                });
            }
        }
        return Ok(Some(vec![ev.finish()]));
    }

    // Produce chunks ending on record boundaries; `emit` consumes them.
    let mut produce =
        |emit: &mut dyn FnMut(Chunk) -> bool, pool: &mut dyn FnMut() -> Vec<u8>| -> Result<()> {
            loop {
                if !eof {
                    let want = CHUNK.saturating_sub(buf.len()).max(CHUNK / 4);
                    eof = fill(&mut *reader, &mut buf, want, path)? == 0;
                }
                if buf.is_empty() {
                    return Ok(());
                }
                let cut = if eof {
                    if strict_end
                        && (!count_quotes(&buf).is_multiple_of(2) || buf.last() != Some(&b'\n'))
                    {
                        misaligned = true;
                        return Ok(());
                    }
                    if !count_quotes(&buf).is_multiple_of(2) {
                        return Err(Error::Parse {
                            location: Location {
                                file: path.display().to_string(),
                                line: line_at(path, base),
                                column: None,
                            },
                            message: "unterminated quoted field at end of file".into(),
                        });
                    }
                    if buf.last() != Some(&b'\n') {
                        buf.push(b'\n');
                    }
                    buf.len()
                } else {
                    match last_boundary(&buf) {
                        Some(c) => c,
                        // One record longer than the buffer: read more.
                        None => continue,
                    }
                };
                let mut next = pool();
                next.clear();
                next.extend_from_slice(&buf[cut..]);
                buf.truncate(cut);
                let full = std::mem::replace(&mut buf, next);
                let len = full.len() as u64;
                if !emit(Chunk { buf: full, base }) {
                    return Ok(());
                }
                base += len;
            }
        };

    let failed = AtomicBool::new(false);
    let (tx, rx) = mpsc::sync_channel::<Chunk>(threads * 2);
    let rx = Arc::new(Mutex::new(rx));
    let (pool_tx, pool_rx) = mpsc::channel::<Vec<u8>>();
    std::thread::scope(|s| {
        let mut handles = Vec::new();
        for _ in 0..threads {
            let rx = Arc::clone(&rx);
            let pool_tx = pool_tx.clone();
            let failed = &failed;
            let lay = &lay;
            let time_enc = time_enc.clone();
            handles.push(s.spawn(move || -> std::result::Result<Part, ChunkError> {
                let mut ev =
                    Evaluator::new(plan, true, time_enc).with_fallback(lay.fallback.clone());
                let mut err: Option<ChunkError> = None;
                loop {
                    let next = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => break,
                    };
                    let Ok(c) = next else { break };
                    if err.is_none()
                        && let Err(e) = scan_chunk(&c.buf, c.base, lay, nfields, nnums, &mut ev)
                    {
                        failed.store(true, Ordering::Relaxed);
                        err = Some(e);
                    }
                    let _ = pool_tx.send(c.buf);
                }
                match err {
                    Some(e) => Err(e),
                    None => Ok(ev.finish()),
                }
            }));
        }
        drop(pool_tx);
        let res = {
            let mut emit =
                |c: Chunk| -> bool { !failed.load(Ordering::Relaxed) && tx.send(c).is_ok() };
            let mut pool = || {
                pool_rx
                    .try_recv()
                    .unwrap_or_else(|_| Vec::with_capacity(CHUNK + CHUNK / 4))
            };
            produce(&mut emit, &mut pool)
        };
        drop(tx);
        let mut parts = Vec::new();
        let mut first_err: Option<ChunkError> = None;
        for h in handles {
            match h.join() {
                Ok(Ok(p)) => parts.push(p),
                Ok(Err(e)) => {
                    if first_err.as_ref().is_none_or(|f| e.offset < f.offset) {
                        first_err = Some(e);
                    }
                }
                Err(_) => {
                    return Err(Error::InvalidArgument(format!(
                        "{}: an aggregation worker panicked",
                        path.display()
                    )));
                }
            }
        }
        if let Some(e) = first_err {
            return Err(chunk_error(path, e));
        }
        res?;
        Ok(parts)
    })
    .map(|parts: Vec<Part>| (!misaligned).then_some(parts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_masks() {
        let mut b = [b'x'; 64];
        for i in [0usize, 7, 8, 9, 31, 56, 63] {
            b[i] = b',';
        }
        let m = eq_mask(&b, b',');
        assert_eq!(
            m,
            (1 << 0) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 31) | (1 << 56) | (1 << 63)
        );
        assert_eq!(prefix_xor(0b1001), 0b0111);
        let mut b = [b'a'; 64];
        b[3] = b'"';
        b[5] = b',';
        b[60] = b'\n';
        assert_eq!(masks(&b), (1 << 3, (1 << 5) | (1 << 60)));
    }

    #[test]
    fn boundaries_respect_quotes() {
        let b = b"a,\"x\ny\"\nb,c\nd,\"e\n";
        assert_eq!(last_boundary(b), Some(12));
        assert_eq!(first_boundary(b), Some(8));
        assert_eq!(last_boundary(b"a,\"b\nc"), None);
    }
}
