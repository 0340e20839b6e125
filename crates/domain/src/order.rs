//! Stable sorting with one copy of the sort algorithm for every element type.
//!
//! std's `sort_by`/`sort_by_key` are generic over the element and the
//! comparator, and its stable sort is a few KB of wasm per instantiation: the
//! app sorted some twenty kinds of lists, which cost its first load about
//! 24 KB before brotli. These sort indices through one `dyn` comparator
//! instead, then move the elements into place; the order is the same as
//! `sort_by`'s (stable).

use std::cmp::Ordering;

/// Like `slice::sort_by`, stable.
pub fn sort_by<T>(v: &mut Vec<T>, mut cmp: impl FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let order = {
        let items = &*v;
        sorted_indices(items.len(), &mut |a, b| {
            cmp(&items[a as usize], &items[b as usize])
        })
    };
    let mut slots: Vec<Option<T>> = v.drain(..).map(Some).collect();
    v.extend(order.iter().filter_map(|&i| slots[i as usize].take()));
}

/// Like `slice::sort_by_key`, stable.
pub fn sort_by_key<T, K: Ord>(v: &mut Vec<T>, mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// A bottom-up merge sort of the indices `0..n`: stable, O(n log n), and a
/// few hundred bytes of wasm where std's driftsort is a few KB.
#[inline(never)]
fn sorted_indices(n: usize, cmp: &mut dyn FnMut(u32, u32) -> Ordering) -> Vec<u32> {
    let mut a: Vec<u32> = (0..n as u32).collect();
    let mut b = vec![0u32; n];
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut l, mut r, mut k) = (start, mid, start);
            while l < mid && r < end {
                // Ties take the left run first: stable.
                if cmp(a[r], a[l]) == Ordering::Less {
                    b[k] = a[r];
                    r += 1;
                } else {
                    b[k] = a[l];
                    l += 1;
                }
                k += 1;
            }
            b[k..k + (mid - l)].copy_from_slice(&a[l..mid]);
            k += mid - l;
            b[k..end].copy_from_slice(&a[r..end]);
            start = end;
        }
        std::mem::swap(&mut a, &mut b);
        width *= 2;
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_std_and_is_stable() {
        let mut rng = 0x2545_f491_u64;
        for len in [0usize, 1, 2, 3, 5, 17, 64, 65, 200, 1000] {
            let mut v: Vec<(u8, usize)> = (0..len)
                .map(|i| {
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    ((rng % 5) as u8, i)
                })
                .collect();
            let mut expected = v.clone();
            expected.sort_by_key(|x| x.0);
            sort_by_key(&mut v, |x| x.0);
            assert_eq!(v, expected, "len {len}");
        }
    }

    #[test]
    fn sort_by_takes_any_order() {
        let mut v = vec!["b", "c", "a"];
        sort_by(&mut v, |a, b| b.cmp(a));
        assert_eq!(v, ["c", "b", "a"]);
    }
}
