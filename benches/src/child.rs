//! Runs one child process and reports what it cost: wall time, CPU time (user + system) and peak
//! resident set size, all of that process alone.
//!
//! `std::process` does not expose resource usage, and `getrusage(RUSAGE_CHILDREN)` keeps the
//! maximum over every child ever waited for, so one large run would mask every later one.
//! `wait4` returns the usage of exactly the child it reaps. It is the only unsafe code here.
//!
//! Caveat: Linux folds the high-water RSS of the address space a process leaves at `exec` into
//! its peak, and std spawns with `CLONE_VM` (vfork-style), so that address space is the
//! parent's: a child's peak never reads below the measuring process's own peak. Keep the
//! measuring process small before it measures (the tools here do their in-process work last).

#![allow(unsafe_code)]

use std::io::{self, Read};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// What one finished child process cost.
#[derive(Debug, Clone)]
pub struct Usage {
    /// Exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// From spawn to reaping.
    pub wall: Duration,
    /// User plus system CPU time.
    pub cpu: Duration,
    /// Peak resident set size of the whole process.
    pub peak_rss_bytes: u64,
    /// Everything it printed on stdout.
    pub stdout: String,
    /// Everything it printed on stderr.
    pub stderr: String,
}

impl Usage {
    /// Whether it exited with status 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

fn timeval(tv: libc::timeval) -> Duration {
    Duration::from_secs(tv.tv_sec.max(0) as u64) + Duration::from_micros(tv.tv_usec.max(0) as u64)
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    })
}

/// Runs `command` to completion (stdin closed, stdout and stderr captured) and measures it.
pub fn run(command: &mut Command) -> io::Result<Usage> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn()?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let pid = libc::pid_t::try_from(child.id())
        .map_err(|_| io::Error::other("child pid does not fit pid_t"))?;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is a plain C struct of integers, for which all-zero bytes are valid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own unreaped child (std never waits for it: we do not call
        // `Child::wait`), and both out-pointers are valid, exclusive and live for the call.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped == pid {
            break;
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
    let wall = started.elapsed();
    let code = if libc::WIFEXITED(status) {
        Some(libc::WEXITSTATUS(status))
    } else {
        None
    };
    Ok(Usage {
        code,
        wall,
        cpu: timeval(usage.ru_utime) + timeval(usage.ru_stime),
        // Linux reports ru_maxrss in KiB.
        peak_rss_bytes: u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_exit_code_output_and_memory() {
        let usage = run(Command::new("sh").args(["-c", "echo hello; exit 3"])).expect("sh runs");
        assert_eq!(usage.code, Some(3));
        assert_eq!(usage.stdout.trim(), "hello");
        assert!(usage.peak_rss_bytes > 0);
    }

    #[test]
    fn peak_rss_is_per_child() {
        // A child that touches 64 MiB, then one that does not: the second must not inherit the
        // first's peak (as getrusage(RUSAGE_CHILDREN) would report).
        let big = run(Command::new("python3").args(["-c", "b = bytearray(64 << 20)"]));
        let Ok(big) = big else {
            eprintln!("python3 not available: skipping");
            return;
        };
        let small = run(&mut Command::new("true")).expect("true runs");
        assert!(big.peak_rss_bytes > 64 << 20);
        assert!(small.peak_rss_bytes < 32 << 20);
    }
}
