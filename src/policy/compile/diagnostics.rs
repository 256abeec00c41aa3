//! The mistakes a compile finds, bounded: at most [`MAX_ERRORS`] are kept (each gets its
//! line found in the source, which reads the text), and at most [`MAX_HINTS`] get a
//! "did you mean" (each a search over the names), so a hostile policy full of mistakes
//! costs no more than a few.

use crate::error::{Error, ErrorKind};
use crate::policy::suggest::{did_you_mean, suggest};

/// Mistakes kept; a last error says how many more there were.
pub const MAX_ERRORS: usize = 100;
/// Mistakes that get a suggestion.
pub const MAX_HINTS: usize = 16;

pub(super) struct Diagnostics {
    list: Vec<Error>,
    dropped: usize,
    hints_left: usize,
}

impl Diagnostics {
    pub(super) fn new() -> Diagnostics {
        Diagnostics {
            list: Vec::new(),
            dropped: 0,
            hints_left: MAX_HINTS,
        }
    }

    pub(super) fn push(&mut self, error: Error) {
        if self.list.len() < MAX_ERRORS {
            self.list.push(error);
        } else {
            self.dropped += 1;
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// ` (did you mean `NAME`?)` for the candidate nearest `name`, while hints last.
    pub(super) fn hint<'a>(
        &mut self,
        name: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> String {
        if self.hints_left == 0 {
            return String::new();
        }
        self.hints_left -= 1;
        did_you_mean(suggest(name, candidates))
    }

    /// The mistakes in document order, and a last one counting those not kept.
    pub(super) fn into_errors(mut self) -> Vec<Error> {
        if self.dropped > 0 {
            self.list.push(Error::new(
                ErrorKind::LimitExceeded,
                format!(
                    "{} more mistakes not listed (only the first {MAX_ERRORS} are): fix these and compile again",
                    self.dropped
                ),
            ));
        }
        self.list
    }
}
