// More monomorphizations: BinaryHeap, BTreeSet, Cow, boxed closures, a custom Iterator, Hash impls, sort keys.
use std::borrow::Cow;
use std::collections::{BTreeSet, BinaryHeap, HashMap};
use std::hash::{Hash, Hasher};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Token<'s> {
    Word(Cow<'s, str>),
    Num(u128),
    Pair(i8, char),
}

pub struct Lexer<'s> {
    rest: &'s str,
}

impl<'s> Iterator for Lexer<'s> {
    type Item = Token<'s>;
    fn next(&mut self) -> Option<Token<'s>> {
        let t = self.rest.trim_start();
        if t.is_empty() {
            return None;
        }
        let end = t.find(char::is_whitespace).unwrap_or(t.len());
        let (w, r) = t.split_at(end);
        self.rest = r;
        Some(match w.parse::<u128>() {
            Ok(n) => Token::Num(n),
            Err(_) if w.len() == 2 => Token::Pair(w.len() as i8, w.chars().last().unwrap()),
            Err(_) if w.contains('_') => Token::Word(Cow::Owned(w.replace('_', "-"))),
            Err(_) => Token::Word(Cow::Borrowed(w)),
        })
    }
}

pub struct Key<K, V, const SHIFT: u8> {
    k: K,
    v: V,
}

impl<K: Hash, V, const SHIFT: u8> Hash for Key<K, V, SHIFT> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.k.hash(h);
        h.write_u8(SHIFT);
    }
}

impl<K: PartialEq, V, const SHIFT: u8> PartialEq for Key<K, V, SHIFT> {
    fn eq(&self, o: &Self) -> bool {
        self.k == o.k
    }
}
impl<K: Eq, V, const SHIFT: u8> Eq for Key<K, V, SHIFT> {}

#[inline(never)]
pub fn pipeline() -> Vec<Box<dyn Fn(i64) -> i64 + Send>> {
    let mut v: Vec<Box<dyn Fn(i64) -> i64 + Send>> = Vec::new();
    for k in 1..4 {
        v.push(Box::new(move |x| x * k));
    }
    v.push(Box::new(|x| -x));
    v
}

#[inline(never)]
pub fn top_k<T: Ord + Clone>(xs: &[T], k: usize) -> Vec<T> {
    let mut h: BinaryHeap<std::cmp::Reverse<T>> = BinaryHeap::new();
    for x in xs {
        h.push(std::cmp::Reverse(x.clone()));
        if h.len() > k {
            h.pop();
        }
    }
    h.into_sorted_vec().into_iter().map(|r| r.0).collect()
}

pub fn main() {
    let toks: Vec<Token> = Lexer { rest: "alpha 12 b7 snake_case 340282366920938463463374607431768211455 zz" }.collect();
    println!("{:?}", toks);
    let set: BTreeSet<Token> = toks.iter().cloned().collect();
    println!("{}", set.len());
    let mut m: HashMap<Key<String, f32, 3>, u16> = HashMap::new();
    m.insert(Key { k: "a".into(), v: 1.5 }, 1);
    m.insert(Key { k: "b".into(), v: 2.5 }, 2);
    println!("{} {}", m.len(), m.keys().map(|k| k.v).sum::<f32>());
    let mut m2: HashMap<Key<(u8, bool), (), 200>, Vec<&str>> = HashMap::new();
    m2.entry(Key { k: (1, true), v: () }).or_default().push("x");
    println!("{}", m2.len());
    let p = pipeline();
    println!("{:?}", p.iter().map(|f| f(10)).collect::<Vec<_>>());
    println!("{:?}", top_k(&[5, 3, 9, 1, 7], 2));
    println!("{:?}", top_k(&["q", "a", "z"], 1));
    let mut people = vec![("bob", 31u8), ("alice", 27), ("carol", 31)];
    people.sort_by_key(|&(n, a)| (std::cmp::Reverse(a), n));
    println!("{:?}", people);
    let cow: Cow<[u32]> = Cow::Borrowed(&[1, 2, 3]);
    let owned = cow.into_owned();
    println!("{:?} {:?}", owned, "x=1;y=2".split(';').map(|kv| kv.split_once('=')).collect::<Option<Vec<_>>>());
}
