//! A large plain log read on every core: the file is cut at line ends into
//! one chunk per thread, each chunk is read into a sink of its own, and the
//! sinks come back in file order for the caller to merge in that order, so
//! that the result is the one a single thread would give. Zeek TSV chunks
//! after the first are read with the file's header lines in front of them;
//! a chunk that meets another header block (two logs in one file) makes the
//! whole file be read again on one thread. Gzip, packets, CSV and lease
//! tables are read on one thread as before.

use crate::read::{Format, ReadError, Reader, Sink, read_file};
use crate::record::{Problem, Problems};
use crate::zeek;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// Files smaller than this are not worth the threads.
pub const PARALLEL_FROM: u64 = 8 * 1024 * 1024;

/// What one chunk gave.
struct Chunk<S> {
    sink: S,
    records: u64,
    lines: u64,
    problems: Problems,
    header_after_prelude: bool,
}

/// Reads `path` into sinks made by `make`, one per chunk in file order
/// (one sink when the file is read on one thread). `threads` is the most
/// chunks to cut.
pub fn read_file_parallel<S: Sink + Send>(
    path: &Path,
    reader: &mut Reader,
    threads: usize,
    make: &(dyn Fn() -> S + Sync),
) -> Result<(Format, u64, Vec<S>), ReadError> {
    let file = path.display().to_string();
    let io = |source| ReadError::Io {
        file: file.clone(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    let format = if threads > 1 && size >= PARALLEL_FROM {
        plain_format(path).map_err(io)?
    } else {
        None
    };
    let Some(format) = format else {
        let mut sink = make();
        let (format, records) = read_file(path, reader, &mut sink)?;
        return Ok((format, records, vec![sink]));
    };
    let (prelude, prelude_lines) = match format {
        Format::ZeekTsv => header_prelude(path).map_err(io)?,
        _ => (Vec::new(), 0),
    };
    // A TSV whose leading lines do not name its columns cannot be cut.
    if format == Format::ZeekTsv
        && !prelude
            .split(|byte| *byte == b'\n')
            .any(|line| line.starts_with(b"#fields"))
    {
        let mut sink = make();
        let (format, records) = read_file(path, reader, &mut sink)?;
        return Ok((format, records, vec![sink]));
    }
    let bounds = chunk_bounds(path, size, threads).map_err(io)?;
    let results: Vec<std::io::Result<Chunk<S>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = bounds
            .iter()
            .enumerate()
            .map(|(index, &(start, end))| {
                let prelude = if index == 0 { &[][..] } else { &prelude[..] };
                let file = &file;
                scope.spawn(move || {
                    read_chunk(path, file, format, start, end, prelude, prelude_lines, make)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("a reading thread failed")))
            })
            .collect()
    });
    let mut chunks = Vec::with_capacity(results.len());
    for result in results {
        chunks.push(result.map_err(io)?);
    }
    if chunks
        .iter()
        .skip(1)
        .any(|chunk| chunk.header_after_prelude)
    {
        let mut sink = make();
        let (format, records) = read_file(path, reader, &mut sink)?;
        return Ok((format, records, vec![sink]));
    }
    // Line numbers in a chunk's problems are its own: shift them by the
    // lines of the chunks before it (less the header lines put in front).
    let mut lines_before = 0u64;
    let mut records = 0u64;
    let mut sinks = Vec::with_capacity(chunks.len());
    for (index, chunk) in chunks.into_iter().enumerate() {
        let added = if index == 0 { 0 } else { prelude_lines };
        let unkept = chunk
            .problems
            .count
            .saturating_sub(chunk.problems.first.len() as u64);
        for problem in &chunk.problems.first {
            if let Some(problem) = shift_line(problem, lines_before, added) {
                if reader.problems.first.len() < Problems::KEPT {
                    reader.problems.first.push(problem);
                }
                reader.problems.count += 1;
            }
        }
        reader.problems.count += unkept;
        lines_before += chunk.lines.saturating_sub(added);
        records += chunk.records;
        sinks.push(chunk.sink);
    }
    Ok((format, records, sinks))
}

/// A problem's `line N` as a line of the whole file; `None` for one of the
/// header lines put in front of a chunk (reported by the first chunk).
fn shift_line(problem: &Problem, lines_before: u64, added: u64) -> Option<Problem> {
    let rest = problem.place.strip_prefix("line ")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let number: u64 = digits.parse().ok()?;
    if number <= added {
        return None;
    }
    Some(Problem {
        file: problem.file.clone(),
        place: format!(
            "line {}{}",
            number - added + lines_before,
            &rest[digits.len()..]
        ),
        reason: problem.reason.clone(),
    })
}

/// Zeek TSV or JSON lines, not compressed: the formats read in chunks.
/// The first line of a file's head that is not blank, as text (empty for
/// a blank head): what tells a log's format.
pub(crate) fn first_line(head: &[u8]) -> std::borrow::Cow<'_, str> {
    match head
        .split(|byte| *byte == b'\n')
        .find(|line| !line.iter().all(u8::is_ascii_whitespace))
    {
        Some(line) => String::from_utf8_lossy(line),
        None => std::borrow::Cow::Borrowed(""),
    }
}

fn plain_format(path: &Path) -> std::io::Result<Option<Format>> {
    let mut head = vec![0u8; 4096];
    let mut file = std::fs::File::open(path)?;
    let read = file.read(&mut head)?;
    head.truncate(read);
    let first = first_line(&head);
    let first = first.trim_start_matches('\u{feff}').trim();
    Ok(if first.starts_with("#separator") {
        Some(Format::ZeekTsv)
    } else if first.starts_with('{') {
        Some(Format::JsonLines)
    } else {
        None
    })
}

/// The leading `#` (and blank) lines of a Zeek TSV file, and how many they
/// are.
fn header_prelude(path: &Path) -> std::io::Result<(Vec<u8>, u64)> {
    let mut input = BufReader::new(std::fs::File::open(path)?);
    let mut prelude = Vec::new();
    let mut lines = 0;
    loop {
        let mut line = Vec::new();
        let read = input.read_until(b'\n', &mut line)?;
        let header = line.first() == Some(&b'#') || line.iter().all(u8::is_ascii_whitespace);
        if read == 0 || !header || !line.ends_with(b"\n") {
            return Ok((prelude, lines));
        }
        prelude.extend_from_slice(&line);
        lines += 1;
    }
}

/// Cuts `[0, size)` into up to `threads` ranges that end at line ends.
fn chunk_bounds(path: &Path, size: u64, threads: usize) -> std::io::Result<Vec<(u64, u64)>> {
    let mut file = std::fs::File::open(path)?;
    let mut starts = vec![0u64];
    let step = size / threads as u64;
    for index in 1..threads as u64 {
        let guess = (index * step).max(*starts.last().unwrap_or(&0));
        file.seek(SeekFrom::Start(guess))?;
        let mut skipped = Vec::new();
        let read = BufReader::new(&mut file).read_until(b'\n', &mut skipped)?;
        let start = guess + read as u64;
        if start >= size {
            break;
        }
        if start > *starts.last().unwrap_or(&0) {
            starts.push(start);
        }
    }
    let mut bounds = Vec::with_capacity(starts.len());
    for (index, start) in starts.iter().enumerate() {
        let end = starts.get(index + 1).copied().unwrap_or(size);
        bounds.push((*start, end));
    }
    Ok(bounds)
}

#[allow(clippy::too_many_arguments)] // one call site, each argument its own fact
fn read_chunk<S: Sink>(
    path: &Path,
    file: &str,
    format: Format,
    start: u64,
    end: u64,
    prelude: &[u8],
    prelude_lines: u64,
    make: &(dyn Fn() -> S + Sync),
) -> std::io::Result<Chunk<S>> {
    let mut handle = std::fs::File::open(path)?;
    handle.seek(SeekFrom::Start(start))?;
    let body = handle.take(end - start);
    let input = BufReader::with_capacity(1 << 20, prelude.chain(body));
    let mut sink = make();
    let mut problems = Problems::default();
    let (records, header_after_prelude, lines) = match format {
        Format::ZeekTsv => {
            let prelude = if prelude.is_empty() { 0 } else { prelude_lines };
            zeek::read_tsv_lines(input, file, &mut sink, &mut problems, prelude)?
        }
        _ => {
            let (records, lines) = zeek::read_json_lines(input, file, &mut sink, &mut problems)?;
            (records, false, lines)
        }
    };
    Ok(Chunk {
        sink,
        records,
        lines,
        problems,
        header_after_prelude,
    })
}
