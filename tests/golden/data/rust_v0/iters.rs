// Iterator adaptors, async-free generators via closures, sorting, string formatting, slices, traits with generic methods.
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;

pub trait Visitor<T> {
    fn visit<I: Iterator<Item = T>>(&mut self, it: I) -> usize;
}

pub struct Counter<'a> {
    seen: HashMap<&'a str, usize>,
}

impl<'a> Visitor<&'a str> for Counter<'a> {
    fn visit<I: Iterator<Item = &'a str>>(&mut self, it: I) -> usize {
        let mut n = 0;
        for w in it {
            *self.seen.entry(w).or_insert(0) += 1;
            n += 1;
        }
        n
    }
}

#[inline(never)]
pub fn histogram(text: &str) -> Vec<(String, usize)> {
    let mut c = Counter { seen: HashMap::new() };
    c.visit(text.split_whitespace());
    let mut v: Vec<(String, usize)> = c.seen.into_iter().map(|(k, v)| (k.to_uppercase(), v)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

#[inline(never)]
pub fn windows_max(xs: &[i64], w: usize) -> Vec<i64> {
    xs.windows(w).map(|s| *s.iter().max().unwrap()).collect()
}

#[inline(never)]
pub fn chunked<const K: usize>(xs: &[u8]) -> Vec<[u8; K]> {
    xs.chunks_exact(K).map(|c| c.try_into().unwrap()).collect()
}

#[inline(never)]
pub fn zip_fold(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).fold(0.0, |acc, (x, y)| acc + x * y)
}

#[inline(never)]
pub fn render(rows: &[(String, usize)]) -> String {
    let mut s = String::new();
    for (k, v) in rows.iter().take(5) {
        let _ = writeln!(s, "{:>8} {:<4} {:#x}", k, v, v);
    }
    s
}

pub fn main() {
    let text = "the quick brown fox jumps over the lazy dog the end";
    let h = histogram(text);
    let out = render(&h);
    std::io::stdout().write_all(out.as_bytes()).unwrap();
    println!("{:?}", windows_max(&[3, 1, 4, 1, 5, 9, 2, 6], 3));
    println!("{:?}", chunked::<3>(b"abcdefgh"));
    println!("{:?}", chunked::<2>(b"abcd"));
    println!("{}", zip_fold(&[1.0, 2.0], &[3.0, 4.0]));
    let mut fib = (0u64, 1u64);
    let f: Vec<u64> = std::iter::from_fn(|| {
        fib = (fib.1, fib.0 + fib.1);
        Some(fib.0)
    })
    .take_while(|&x| x < 1000)
    .filter(|x| x % 2 == 0)
    .collect();
    println!("{:?}", f);
    let nested: Vec<Vec<u8>> = (0..4).map(|i| (0..i).collect()).collect();
    let flat: Vec<u8> = nested.into_iter().flatten().rev().step_by(2).collect();
    println!("{:?}", flat);
    let mut words: Vec<&str> = text.split(' ').collect();
    words.sort_unstable_by_key(|w| std::cmp::Reverse(w.len()));
    words.dedup();
    println!("{:?}", words.iter().peekable().peek());
    let pos = text.char_indices().position(|(_, c)| c == 'z');
    println!("{:?} {:?}", pos, text.rsplit_once(' '));
}
