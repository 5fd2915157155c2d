//! The keyword prefilter: every occurrence of every detector keyword in one pass.
//!
//! One Aho-Corasick DFA (ASCII case-insensitive, overlapping semantics) over all keywords.
//! A DFA step is a dependent table load, so a single scan is bound by load latency, not by
//! throughput. The haystack is therefore cut into [`LANES`] consecutive pieces that are
//! stepped together, one byte of each per round: the loads are independent and overlap.
//! Each piece but the first starts `max_len - 1` bytes early, so a keyword that crosses a
//! cut is still seen, and reports only the matches that end inside its own piece: the
//! result is exactly that of a plain overlapping search.

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind};

/// Pieces stepped together. Four hides most of the latency of an L1/L2 table load on
/// current x86-64 cores; more lanes spill the lane state out of registers.
const LANES: usize = 4;

/// Below this many bytes a haystack is scanned as one piece.
const MIN_SPLIT: usize = 1024;

/// A keyword occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Occurrence {
    /// Byte offset just past the keyword's last byte.
    pub end: usize,
    /// Index of the keyword, in the order given to [`Keywords::new`].
    pub keyword: usize,
}

pub struct Keywords {
    dfa: DFA,
    start: StateID,
    lens: Vec<usize>,
    max_len: usize,
}

impl Keywords {
    /// Keywords must be non-empty; they match ASCII case-insensitively.
    pub fn new(keywords: &[String]) -> Result<Keywords, String> {
        let dfa = DFA::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .build(keywords)
            .map_err(|e| e.to_string())?;
        let start = dfa.start_state(Anchored::No).map_err(|e| e.to_string())?;
        Ok(Keywords {
            dfa,
            start,
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
        if hay.len() < MIN_SPLIT {
            self.scan(self.start, hay, 0, 0, out);
            return;
        }
        let piece = hay.len() / LANES;
        // Lane k reads hay[lo[k]..hi[k]] and reports matches that end after bound[k].
        let bound: [usize; LANES] = std::array::from_fn(|k| k * piece);
        let lo: [usize; LANES] = std::array::from_fn(|k| bound[k].saturating_sub(self.max_len - 1));
        let hi: [usize; LANES] = std::array::from_fn(|k| {
            if k + 1 == LANES {
                hay.len()
            } else {
                bound[k + 1]
            }
        });
        let steps = (0..LANES).map(|k| hi[k] - lo[k]).min().unwrap_or(0);
        let lanes: [&[u8]; LANES] = std::array::from_fn(|k| &hay[lo[k]..lo[k] + steps]);
        let dfa = &self.dfa;
        let [l0, l1, l2, l3] = lanes;
        let mut state = [self.start; LANES];
        let rounds = l0.iter().zip(l1).zip(l2).zip(l3).enumerate();
        for (j, (((&b0, &b1), &b2), &b3)) in rounds {
            // Four independent loads per round; one branch for all four lanes.
            state = [
                dfa.next_state(Anchored::No, state[0], b0),
                dfa.next_state(Anchored::No, state[1], b1),
                dfa.next_state(Anchored::No, state[2], b2),
                dfa.next_state(Anchored::No, state[3], b3),
            ];
            if state.iter().any(|&s| dfa.is_match(s)) {
                for k in 0..LANES {
                    if dfa.is_match(state[k]) && lo[k] + j >= bound[k] {
                        self.report(state[k], lo[k] + j + 1, out);
                    }
                }
            }
        }
        // The pieces differ in length by at most a few bytes: finish each one alone.
        for k in 0..LANES {
            let from = lo[k] + steps;
            let skip = bound[k].saturating_sub(from);
            self.scan(state[k], &hay[from..hi[k]], from, skip, out);
        }
        out.sort_unstable();
    }

    /// Scan `piece` (at `offset` in the haystack) from `state`, reporting matches whose
    /// end lies past its first `skip` bytes.
    fn scan(
        &self,
        mut state: StateID,
        piece: &[u8],
        offset: usize,
        skip: usize,
        out: &mut Vec<Occurrence>,
    ) {
        for (i, &b) in piece.iter().enumerate() {
            state = self.dfa.next_state(Anchored::No, state, b);
            if self.dfa.is_match(state) && i >= skip {
                self.report(state, offset + i + 1, out);
            }
        }
    }

    fn report(&self, state: StateID, end: usize, out: &mut Vec<Occurrence>) {
        for m in 0..self.dfa.match_len(state) {
            out.push(Occurrence {
                end,
                keyword: self.dfa.match_pattern(state, m).as_usize(),
            });
        }
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
        let kw = Keywords::new(&keywords).expect("keywords");
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
