//! The text of a PDF's pages, read where a file built to exhaust the
//! reader cannot take the process with it.
//!
//! The PDF library decodes every stream whole, decodes a stream again each
//! time a page or XObject names it (a page that names one stream a million
//! times costs a million inflations), recurses into form XObjects without a
//! depth limit (a form that draws itself overflows the stack: an abort, not
//! a panic), and may panic on damaged input. None of that can be bounded
//! from outside the library within one process. So a program that reads
//! PDFs from others names a helper ([`use_helper`]): a child process (the
//! `shinsa` binary, with a hidden subcommand) that holds itself to
//! [`HelperLimits`] with the kernel's resource limits and is killed at a
//! deadline; a PDF that breaks them is refused, and the process that asked
//! goes on. Without a helper (library tests, fuzzing) the library runs in
//! this process, its panics caught.

use std::ffi::OsString;
use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The program that reads a PDF's text in a child process: it takes the
/// PDF on its standard input, answers the pages as a JSON array of strings
/// on its standard output, and is given [`HelperLimits::args`] after
/// `args`.
#[derive(Debug, Clone)]
pub struct Helper {
    pub program: PathBuf,
    pub args: Vec<OsString>,
}

static HELPER: OnceLock<Helper> = OnceLock::new();

/// Reads PDFs with `helper` from now on (once per process; later calls are
/// ignored).
pub fn use_helper(helper: Helper) {
    let _already_set = HELPER.set(helper);
}

/// What the helper may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HelperLimits {
    /// Its address space, in megabytes: the reader's budget and room for
    /// the program itself.
    pub memory_mb: u64,
    /// Processor time, in seconds: the kernel stops it after.
    pub cpu_seconds: u64,
}

/// Room for the helper's own code, stacks and allocator beside the budget.
const PROGRAM_MB: u64 = 256;
/// Processor time of a reading: METI's largest list PDF (650 KB, 54
/// streams) reads in well under a second.
const CPU_SECONDS: u64 = 20;
/// How long the helper may take by the clock, waiting included.
const DEADLINE: Duration = Duration::from_secs(60);

impl HelperLimits {
    /// The limits of a reading under the process's budget.
    pub fn current() -> Self {
        HelperLimits {
            memory_mb: crate::budget::Budget::current().megabytes() + PROGRAM_MB,
            cpu_seconds: CPU_SECONDS,
        }
    }

    /// The limits as the helper's arguments: `--memory-mb N --cpu-seconds S`.
    pub fn args(self) -> [String; 4] {
        [
            "--memory-mb".to_owned(),
            self.memory_mb.to_string(),
            "--cpu-seconds".to_owned(),
            self.cpu_seconds.to_string(),
        ]
    }
}

/// The text of each page of `bytes`, or why it could not be read.
pub(crate) fn pages(bytes: &[u8]) -> Result<Vec<String>, String> {
    match HELPER.get() {
        Some(helper) => in_helper(helper, bytes),
        None => in_process(bytes),
    }
}

/// The text of each page, read in this process (what the helper runs).
pub fn in_process(bytes: &[u8]) -> Result<Vec<String>, String> {
    let bytes = bytes.to_vec();
    std::panic::catch_unwind(move || pdf_extract::extract_text_from_mem_by_pages(&bytes))
        .map_err(|_| "a PDF the reader could not parse".to_owned())?
        .map_err(|error| error.to_string())
}

fn in_helper(helper: &Helper, bytes: &[u8]) -> Result<Vec<String>, String> {
    let limits = HelperLimits::current();
    let mut child = std::process::Command::new(&helper.program)
        .args(&helper.args)
        .args(limits.args())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|error| {
            format!(
                "the PDF reader {} could not start: {error}",
                helper.program.display()
            )
        })?;
    let (Some(mut input), Some(output)) = (child.stdin.take(), child.stdout.take()) else {
        let _ = child.kill();
        return Err("the PDF reader's pipes could not be opened".to_owned());
    };
    let pdf = bytes.to_vec();
    // Written and read beside the wait, so that neither side blocks on a
    // full pipe. A helper that stops early closes its input: the write
    // fails, and the exit status says why.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&pdf);
    });
    let answer_limit = crate::budget::Budget::current().bytes;
    let reader = std::thread::spawn(move || {
        let mut answer = Vec::new();
        output
            .take(answer_limit)
            .read_to_end(&mut answer)
            .map(|_| answer)
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < DEADLINE => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "a PDF the reader could not read within {} s",
                    DEADLINE.as_secs()
                ));
            }
            Err(error) => return Err(format!("waiting for the PDF reader: {error}")),
        }
    };
    let _ = writer.join();
    let answer = reader
        .join()
        .map_err(|_| "the PDF reader's answer could not be read".to_owned())?
        .map_err(|error| format!("reading the PDF reader's answer: {error}"))?;
    if !status.success() {
        return Err(format!(
            "a PDF the reader could not read within its limits ({} MB of memory, {} s of processor time) or could not parse ({status})",
            limits.memory_mb, limits.cpu_seconds
        ));
    }
    match serde_json::from_slice::<Result<Vec<String>, String>>(&answer) {
        Ok(pages) => pages,
        Err(error) => Err(format!("the PDF reader answered no pages: {error}")),
    }
}

/// What the helper writes: the pages, or why there are none.
pub fn answer(pages: &Result<Vec<String>, String>) -> Vec<u8> {
    serde_json::to_vec(pages).unwrap_or_else(|error| {
        format!("{{\"Err\":\"the pages could not be written: {error}\"}}").into_bytes()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_reads_back_as_the_pages_or_the_reason() {
        let pages: Result<Vec<String>, String> = Ok(vec!["一".into(), "two".into()]);
        let read: Result<Vec<String>, String> = serde_json::from_slice(&answer(&pages)).unwrap();
        assert_eq!(read, pages);
        let refused: Result<Vec<String>, String> = Err("broken".into());
        let read: Result<Vec<String>, String> = serde_json::from_slice(&answer(&refused)).unwrap();
        assert_eq!(read, refused);
    }

    #[test]
    fn a_file_that_is_no_pdf_is_refused_in_process() {
        assert!(in_process(b"%PDF-1.7 nothing more").is_err());
    }
}
