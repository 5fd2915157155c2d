//! The keyword prefilter: every occurrence of every detector keyword in one pass.
//!
//! One Aho-Corasick DFA (ASCII case-insensitive, overlapping semantics) over all keywords
//! (a contiguous NFA when there are too many for a DFA, see [`MAX_DFA_BYTES`]).
//! A DFA step is a dependent table load, so a single scan is bound by load latency, not by
//! throughput. The haystack is therefore cut into [`LANES`] consecutive pieces that are
//! stepped together, one byte of each per round: the loads are independent and overlap.
//! Each piece but the first starts `max_len - 1` bytes early, so a keyword that crosses a
//! cut is still seen, and reports only the matches that end inside its own piece: the
//! result is exactly that of a plain overlapping search.

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::nfa::contiguous;
use aho_corasick::{Anchored, MatchKind};

/// Pieces stepped together. Four hides most of the latency of an L1/L2 table load on
/// current x86-64 cores; more lanes spill the lane state out of registers.
const LANES: usize = 4;

/// Below this many bytes a haystack is scanned as one piece.
const MIN_SPLIT: usize = 1024;

/// Keyword bytes up to which the automaton is a DFA. A DFA holds a full transition row
/// per state (a state per keyword byte): beyond this it would take tens of megabytes and
/// seconds to build, and a contiguous NFA (failure transitions, a fraction of the memory)
/// is used instead.
pub const MAX_DFA_BYTES: usize = 64 * 1024;

/// A keyword occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Occurrence {
    /// Byte offset just past the keyword's last byte.
    pub end: usize,
    /// Index of the keyword, in the order given to [`Keywords::new`].
    pub keyword: usize,
}

enum Machine {
    Dfa(DFA),
    Nfa(contiguous::NFA),
}

pub struct Keywords {
    machine: Machine,
    lens: Vec<usize>,
    max_len: usize,
}

impl Keywords {
    /// Keywords must be non-empty; they match ASCII case-insensitively.
    pub fn new(keywords: &[String]) -> Result<Keywords, String> {
        Self::with_dfa_limit(keywords, MAX_DFA_BYTES)
    }

    fn with_dfa_limit(keywords: &[String], dfa_bytes: usize) -> Result<Keywords, String> {
        let total: usize = keywords.iter().map(String::len).sum();
        let machine = if total <= dfa_bytes {
            Machine::Dfa(
                DFA::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .prefilter(false)
                    .build(keywords)
                    .map_err(|e| e.to_string())?,
            )
        } else {
            Machine::Nfa(
                contiguous::NFA::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .prefilter(false)
                    .build(keywords)
                    .map_err(|e| e.to_string())?,
            )
        };
        Ok(Keywords {
            machine,
            lens: keywords.iter().map(String::len).collect(),
            max_len: keywords.iter().map(String::len).max().unwrap_or(1),
        })
    }

    /// Length in bytes of keyword `k`.
    pub fn len_of(&self, k: usize) -> usize {
        self.lens[k]
    }

    /// Every occurrence in `hay` (overlapping ones too), sorted by end offset, into `out`.
    pub fn find_all(&self, hay: &[u8], out: &mut Vec<Occurrence>) {
        out.clear();
        if self.lens.is_empty() {
            return;
        }
        match &self.machine {
            Machine::Dfa(a) => find_all(a, self.max_len, hay, out),
            Machine::Nfa(a) => find_all(a, self.max_len, hay, out),
        }
    }
}

fn find_all<A: Automaton>(a: &A, max_len: usize, hay: &[u8], out: &mut Vec<Occurrence>) {
    let Ok(start) = a.start_state(Anchored::No) else {
        return;
    };
    if hay.len() < MIN_SPLIT {
        scan(a, start, hay, 0, 0, out);
        return;
    }
    let piece = hay.len() / LANES;
    // Lane k reads hay[lo[k]..hi[k]] and reports matches that end after bound[k].
    let bound: [usize; LANES] = std::array::from_fn(|k| k * piece);
    let lo: [usize; LANES] = std::array::from_fn(|k| bound[k].saturating_sub(max_len - 1));
    let hi: [usize; LANES] = std::array::from_fn(|k| {
        if k + 1 == LANES {
            hay.len()
        } else {
            bound[k + 1]
        }
    });
    let steps = (0..LANES).map(|k| hi[k] - lo[k]).min().unwrap_or(0);
    let lanes: [&[u8]; LANES] = std::array::from_fn(|k| &hay[lo[k]..lo[k] + steps]);
    let [l0, l1, l2, l3] = lanes;
    let mut state = [start; LANES];
    let rounds = l0.iter().zip(l1).zip(l2).zip(l3).enumerate();
    for (j, (((&b0, &b1), &b2), &b3)) in rounds {
        // Four independent loads per round; one branch for all four lanes.
        state = [
            a.next_state(Anchored::No, state[0], b0),
            a.next_state(Anchored::No, state[1], b1),
            a.next_state(Anchored::No, state[2], b2),
            a.next_state(Anchored::No, state[3], b3),
        ];
        if state.iter().any(|&s| a.is_match(s)) {
            for k in 0..LANES {
                if a.is_match(state[k]) && lo[k] + j >= bound[k] {
                    report(a, state[k], lo[k] + j + 1, out);
                }
            }
        }
    }
    // The pieces differ in length by at most a few bytes: finish each one alone.
    for k in 0..LANES {
        let from = lo[k] + steps;
        let skip = bound[k].saturating_sub(from);
        scan(a, state[k], &hay[from..hi[k]], from, skip, out);
    }
    out.sort_unstable();
}

/// Scan `piece` (at `offset` in the haystack) from `state`, reporting matches whose
/// end lies past its first `skip` bytes.
fn scan<A: Automaton>(
    a: &A,
    mut state: StateID,
    piece: &[u8],
    offset: usize,
    skip: usize,
    out: &mut Vec<Occurrence>,
) {
    for (i, &b) in piece.iter().enumerate() {
        state = a.next_state(Anchored::No, state, b);
        if a.is_match(state) && i >= skip {
            report(a, state, offset + i + 1, out);
        }
    }
}

fn report<A: Automaton>(a: &A, state: StateID, end: usize, out: &mut Vec<Occurrence>) {
    for m in 0..a.match_len(state) {
        out.push(Occurrence {
            end,
            keyword: a.match_pattern(state, m).as_usize(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::AhoCorasick;

    fn reference(keywords: &[String], hay: &[u8]) -> Vec<Occurrence> {
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(keywords)
            .expect("automaton");
        let mut v: Vec<Occurrence> = ac
            .find_overlapping_iter(hay)
            .map(|m| Occurrence {
                end: m.end(),
                keyword: m.pattern().as_usize(),
            })
            .collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn same_as_a_plain_overlapping_search_at_every_length() {
        let keywords: Vec<String> = ["token", "secret", "secret_key", "key", "ghp_", "://", "-u "]
            .map(String::from)
            .to_vec();
        // The DFA, and the NFA that many keywords get.
        for limit in [MAX_DFA_BYTES, 0] {
            let kw = Keywords::with_dfa_limit(&keywords, limit).expect("keywords");
            assert_eq!(matches!(kw.machine, Machine::Dfa(_)), limit > 0);
            // Keywords everywhere, across every possible cut, in mixed case.
            let unit = "xSecret_Key=1 tokEN://a -u ghp_";
            let mut out = Vec::new();
            for n in [0, 1, 5, 1023, 1024, 1025, 1031, 4099, 10_000] {
                let hay: String = unit.chars().cycle().take(n).collect();
                for shift in 0..unit.len().min(n) {
                    let h = &hay.as_bytes()[shift..];
                    kw.find_all(h, &mut out);
                    assert_eq!(out, reference(&keywords, h), "length {n}, shift {shift}");
                }
            }
        }
    }

    #[test]
    fn a_keyword_across_every_cut_is_found_once() {
        let keywords = vec!["abcdefgh".to_owned()];
        let kw = Keywords::new(&keywords).expect("keywords");
        let mut out = Vec::new();
        for at in 0..4000 {
            let mut hay = vec![b'.'; 4096];
            hay[at..at + 8].copy_from_slice(b"ABCDEFGH");
            kw.find_all(&hay, &mut out);
            assert_eq!(
                out,
                vec![Occurrence {
                    end: at + 8,
                    keyword: 0
                }],
                "at {at}"
            );
        }
    }
}
