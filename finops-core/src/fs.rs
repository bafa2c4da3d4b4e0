//! Crash-safe file writes: write to a temporary file in the same directory, flush, fsync,
//! then rename over the target. A crash leaves either the old file or the new one, never half.

use crate::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A file being written atomically. Call [`AtomicFile::commit`] to publish it; dropping it
/// without committing removes the temporary file and leaves the target untouched.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    tmp: PathBuf,
    file: Option<std::io::BufWriter<std::fs::File>>,
}

impl AtomicFile {
    /// Start writing `target` (parent directories are created).
    pub fn create(target: impl AsRef<Path>) -> Result<Self> {
        let target = target.as_ref().to_path_buf();
        let dir = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let mut n = 0u32;
        loop {
            let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
            {
                Ok(f) => {
                    return Ok(AtomicFile {
                        target,
                        tmp,
                        file: Some(std::io::BufWriter::with_capacity(256 * 1024, f)),
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
                Err(e) => return Err(Error::io(&tmp, e)),
            }
        }
    }

    /// The final path.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flush, fsync and rename over the target.
    pub fn commit(mut self) -> Result<()> {
        let w = self
            .file
            .take()
            .ok_or_else(|| Error::InvalidArgument("already committed".into()))?;
        let f = w
            .into_inner()
            .map_err(|e| Error::io(&self.tmp, e.into_error()))?;
        f.sync_all().map_err(|e| Error::io(&self.tmp, e))?;
        drop(f);
        std::fs::rename(&self.tmp, &self.target).map_err(|e| Error::io(&self.target, e))?;
        if let Some(dir) = self.target.parent() {
            // Persist the rename itself; not every platform can open a directory.
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(std::io::Error::other("atomic file already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Write `bytes` to `path` atomically.
pub fn write_atomic(path: impl AsRef<Path>, bytes: &[u8]) -> Result<()> {
    let mut f = AtomicFile::create(path.as_ref())?;
    f.write_all(bytes)
        .map_err(|e| Error::io(path.as_ref(), e))?;
    f.commit()
}

/// Read a text file as UTF-8 (a leading byte-order mark is kept for the parser to skip).
/// Bytes that are not UTF-8 are an error naming the file and the line.
pub fn read_text(path: impl AsRef<Path>) -> Result<String> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..valid]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64
            + 1;
        Error::Parse {
            location: crate::error::Location {
                file: path.display().to_string(),
                line: Some(line),
                column: None,
            },
            message: format!("not UTF-8 text (byte {valid} of the file)"),
        }
    })
}

/// Which files of a credential directory count: regular files, never hidden ones (`.name`),
/// optionally only those whose name starts with a prefix (OCI's `config_`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirFilter {
    prefix: Option<String>,
}

impl DirFilter {
    /// Every visible regular file (an OVH token folder).
    pub fn visible_files() -> Self {
        DirFilter::default()
    }

    /// Visible regular files whose name starts with `prefix` (`config_`).
    pub fn with_prefix(prefix: impl Into<String>) -> Self {
        DirFilter {
            prefix: Some(prefix.into()),
        }
    }

    /// Whether a file name passes.
    pub fn accepts(&self, name: &str) -> bool {
        !name.starts_with('.') && self.prefix.as_deref().is_none_or(|p| name.starts_with(p))
    }

    /// `config_*` or `*`, for messages.
    pub fn pattern(&self) -> String {
        format!("{}*", self.prefix.as_deref().unwrap_or(""))
    }
}

/// The files of `dir` that `filter` accepts, in file-name order. An unreadable directory is
/// an error; so is one without any such file (naming the directory and the pattern).
pub fn list_files(dir: &Path, filter: &DirFilter) -> Result<Vec<PathBuf>> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut files = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let accepted = entry
            .file_name()
            .to_str()
            .is_some_and(|n| filter.accepts(n));
        if accepted && path.is_file() {
            files.push(path);
        }
    }
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    if files.is_empty() {
        return Err(Error::config_at(
            dir.display().to_string(),
            filter.pattern(),
            format!("no file matching {} in this directory", filter.pattern()),
        ));
    }
    Ok(files)
}

/// One file of a credential directory and what loading it gave.
#[derive(Debug)]
pub struct LoadedFile<T> {
    /// The file.
    pub path: PathBuf,
    /// Its value, or why it could not be read or loaded (other files are unaffected).
    pub result: Result<T>,
}

/// The credential-directory loader: list the files of `dir` that `filter` accepts (file-name
/// order), read each as UTF-8 text and give it to `load` with its path. A file that cannot be
/// read or loaded gets its error in its own [`LoadedFile`]; the others are still loaded. Only
/// an unreadable directory, or one without any such file, fails the whole call.
pub fn load_dir<T>(
    dir: &Path,
    filter: &DirFilter,
    mut load: impl FnMut(&Path, &str) -> Result<T>,
) -> Result<Vec<LoadedFile<T>>> {
    Ok(list_files(dir, filter)?
        .into_iter()
        .map(|path| {
            let result = read_text(&path).and_then(|text| load(&path, &text));
            LoadedFile { path, result }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_loader_filters_orders_and_isolates_errors() {
        let dir = tempfile::tempdir().unwrap();
        let w = |n: &str, b: &[u8]| std::fs::write(dir.path().join(n), b).unwrap();
        w("config_b", b"B");
        w("config_a", b"A");
        w("config_bad", b"\xff\xfe");
        w("config_err", b"E");
        w(".config_hidden", b"H");
        w("other", b"O");
        std::fs::create_dir(dir.path().join("config_dir")).unwrap();
        let got = load_dir(dir.path(), &DirFilter::with_prefix("config_"), |_, t| {
            if t == "E" {
                Err(Error::config("refused"))
            } else {
                Ok(t.to_string())
            }
        })
        .unwrap();
        let names: Vec<String> = got
            .iter()
            .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["config_a", "config_b", "config_bad", "config_err"]);
        assert_eq!(got[0].result.as_deref().unwrap(), "A");
        let e = got[2].result.as_ref().unwrap_err().to_string();
        assert!(e.contains("config_bad:1") && e.contains("UTF-8"), "{e}");
        assert!(got[3].result.is_err());
        let all = list_files(dir.path(), &DirFilter::visible_files()).unwrap();
        assert_eq!(all.len(), 5, "hidden files and folders are skipped");
        let e = list_files(dir.path(), &DirFilter::with_prefix("nothing_")).unwrap_err();
        assert!(e.to_string().contains("nothing_*"), "{e}");
        assert!(list_files(&dir.path().join("missing"), &DirFilter::visible_files()).is_err());
    }

    #[test]
    fn uncommitted_write_leaves_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        write_atomic(&p, b"old").unwrap();
        {
            let mut f = AtomicFile::create(&p).unwrap();
            f.write_all(b"new but crashed").unwrap();
        }
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "temp file removed"
        );
        write_atomic(&p, b"new").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
    }
}
