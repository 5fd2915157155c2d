//! A count of the steps the scanners take where the cost depends on the shape of the input
//! (downloads looked at, bytes searched again, characters matched): tests compare it
//! across input sizes to check that the work grows linearly. Per thread, one add a step.

use std::cell::Cell;

thread_local! {
    static STEPS: Cell<u64> = const { Cell::new(0) };
}

/// Count `n` steps on this thread.
#[inline]
pub fn add(n: usize) {
    STEPS.with(|s| s.set(s.get().wrapping_add(n as u64)));
}

/// The steps counted on this thread since the last call.
pub fn take() -> u64 {
    STEPS.with(|s| s.replace(0))
}
