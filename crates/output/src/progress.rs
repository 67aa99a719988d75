//! The live "N/M minions returned" line the CLI shows on stderr while a job
//! runs.
//!
//! It appears only when stderr is a terminal and only once the job has run
//! for [`REVEAL_DELAY`], so quick jobs, pipes and CI logs never see it.
//! Returns are printed to stdout inside [`Progress::suspend`], which clears
//! the line first and redraws it after, so the two never interleave on a
//! terminal.

use std::io::IsTerminal;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a job runs before the progress line appears: long enough that
/// `test.ping` on a few minions never flashes it.
pub const REVEAL_DELAY: Duration = Duration::from_millis(300);

/// How often the spinner and elapsed time refresh once visible.
const TICK: Duration = Duration::from_millis(100);

const WITH_TOTAL: &str = "{spinner} {pos}/{len} minions returned [{elapsed}]";
const WITHOUT_TOTAL: &str = "{spinner} {pos} minions returned [{elapsed}]";

/// Counts returns against the expected number of minions and draws that
/// count on stderr. Dropping it (or [`Progress::finish`]) clears the line.
pub struct Progress {
    bar: ProgressBar,
    enabled: bool,
    /// Dropping the sender tells the reveal thread the job ended first.
    cancel_reveal: Option<mpsc::Sender<()>>,
    reveal_thread: Option<thread::JoinHandle<()>>,
}

impl Progress {
    /// Progress for a job expected to reach `expected` minions (unknown
    /// yet: `None`), drawn on stderr when it is a terminal.
    pub fn new(expected: Option<u64>) -> Progress {
        if std::io::stderr().is_terminal() {
            Progress::with_draw_target(expected, ProgressDrawTarget::stderr, REVEAL_DELAY)
        } else {
            Progress::hidden(expected)
        }
    }

    /// Progress that counts but never draws (`--no-progress`, a pipe,
    /// `--static` into a file).
    pub fn hidden(expected: Option<u64>) -> Progress {
        let bar = ProgressBar::hidden();
        set_expected(&bar, expected);
        Progress {
            bar,
            enabled: false,
            cancel_reveal: None,
            reveal_thread: None,
        }
    }

    /// Progress that starts hidden and switches to `target()` after
    /// `delay`, unless it is finished first.
    pub(crate) fn with_draw_target(
        expected: Option<u64>,
        target: impl FnOnce() -> ProgressDrawTarget + Send + 'static,
        delay: Duration,
    ) -> Progress {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        set_expected(&bar, expected);
        let (cancel_reveal, cancelled) = mpsc::channel::<()>();
        let revealed = bar.clone();
        // A thread rather than a check on each return: a job whose minions
        // are all slow would otherwise show nothing until the first one
        // answers.
        let reveal_thread = thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = cancelled.recv_timeout(delay)
                && !revealed.is_finished()
            {
                revealed.set_draw_target(target());
                revealed.enable_steady_tick(TICK);
            }
        });
        Progress {
            bar,
            enabled: true,
            cancel_reveal: Some(cancel_reveal),
            reveal_thread: Some(reveal_thread),
        }
    }

    /// Whether this progress will draw at all (stderr is a terminal).
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Sets or changes the number of minions expected to return, once the
    /// publish tells which minions were targeted.
    pub fn set_expected(&self, expected: Option<u64>) {
        set_expected(&self.bar, expected);
    }

    pub fn expected(&self) -> Option<u64> {
        self.bar.length()
    }

    /// Counts one more minion as returned.
    pub fn minion_returned(&self) {
        self.bar.inc(1);
    }

    pub fn returned(&self) -> u64 {
        self.bar.position()
    }

    /// Runs `print` with the progress line cleared from the terminal, and
    /// redraws it afterwards: write a return to stdout in here.
    pub fn suspend<R>(&self, print: impl FnOnce() -> R) -> R {
        self.bar.suspend(print)
    }

    /// Clears the progress line for good; the counts stay readable.
    pub fn finish(&mut self) {
        // Stop the reveal first, so it cannot draw after the line is
        // cleared.
        self.cancel_reveal.take();
        if let Some(thread) = self.reveal_thread.take() {
            // The thread only waits on the channel just closed, or draws
            // once; it cannot block for long, and a panic in it must not
            // take the CLI down.
            let _ = thread.join();
        }
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

fn set_expected(bar: &ProgressBar, expected: Option<u64>) {
    let template = if expected.is_some() {
        WITH_TOTAL
    } else {
        WITHOUT_TOTAL
    };
    // The templates are constants, so this cannot fail at runtime; the
    // unit tests parse both.
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    match expected {
        Some(total) => bar.set_length(total),
        None => bar.unset_length(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use indicatif::InMemoryTerm;

    use super::*;

    #[test]
    fn templates_parse() {
        assert!(ProgressStyle::with_template(WITH_TOTAL).is_ok());
        assert!(ProgressStyle::with_template(WITHOUT_TOTAL).is_ok());
    }

    #[test]
    fn counts_returns_against_the_expected_number() {
        let progress = Progress::hidden(None);
        assert_eq!(progress.expected(), None);
        progress.set_expected(Some(3));
        progress.minion_returned();
        progress.minion_returned();
        assert_eq!((progress.returned(), progress.expected()), (2, Some(3)));
    }

    #[test]
    fn is_disabled_when_stderr_is_not_a_terminal() {
        let progress = Progress::new(Some(1));
        assert_eq!(progress.is_enabled(), std::io::stderr().is_terminal());
        assert!(!Progress::hidden(Some(1)).is_enabled());
    }

    /// Waits (bounded) until the in-memory terminal shows `needle`.
    fn wait_for(term: &InMemoryTerm, needle: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if term.contents().contains(needle) {
                return true;
            }
            thread::sleep(Duration::from_millis(10));
        }
        false
    }

    #[test]
    fn a_quick_job_never_draws() {
        let term = InMemoryTerm::new(4, 80);
        let drawn_to = term.clone();
        let mut progress = Progress::with_draw_target(
            Some(2),
            move || ProgressDrawTarget::term_like(Box::new(drawn_to)),
            Duration::from_secs(3600),
        );
        progress.minion_returned();
        progress.minion_returned();
        progress.finish();
        assert_eq!(term.contents(), "");
    }

    #[test]
    fn a_slow_job_shows_the_count_and_steps_aside_for_printing() {
        let term = InMemoryTerm::new(4, 80);
        let drawn_to = term.clone();
        let progress = Progress::with_draw_target(
            Some(3),
            move || ProgressDrawTarget::term_like(Box::new(drawn_to)),
            Duration::ZERO,
        );
        progress.minion_returned();
        assert!(
            wait_for(&term, "1/3 minions returned"),
            "terminal shows {:?}",
            term.contents()
        );
        let during = progress.suspend(|| term.contents());
        assert!(
            !during.contains("minions returned"),
            "line not cleared while printing: {during:?}"
        );
        progress.minion_returned();
        assert!(
            wait_for(&term, "2/3 minions returned"),
            "terminal shows {:?}",
            term.contents()
        );
        drop(progress);
        assert!(
            !term.contents().contains("minions returned"),
            "line left behind: {:?}",
            term.contents()
        );
    }
}
