//! What the protocol property tests share.

// Each test file uses what it needs of this.
#![allow(dead_code)]

/// xorshift64*: small, deterministic, good enough to drive a schedule.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// A pull's answer from a model server: the page and this client's results
/// after `results_after`.
pub fn pull_response(
    changes: Vec<zhijian_domain::sync::Change>,
    cursor: u64,
    has_more: bool,
    last_seq: u64,
    results: Option<&Vec<zhijian_domain::sync::MutationResult>>,
    results_after: u64,
) -> zhijian_domain::sync::PullResponse {
    zhijian_domain::sync::PullResponse {
        changes,
        cursor,
        has_more,
        reset: false,
        epoch: 0,
        last_seq,
        results: results
            .map(|rs| {
                rs.iter()
                    .filter(|r| r.seq > results_after)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default(),
    }
}
