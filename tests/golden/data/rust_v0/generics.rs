// Generics, traits, trait objects, const generics, closures, iterators.
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;

pub trait Shape {
    type Unit: fmt::Debug;
    fn area(&self) -> f64;
    fn unit(&self) -> Self::Unit;
}

#[derive(Debug, Clone, PartialEq)]
pub struct Square<const N: usize> {
    side: [f64; N],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Meters(i64);

impl<const N: usize> Shape for Square<N> {
    type Unit = Meters;
    fn area(&self) -> f64 {
        self.side.iter().map(|s| s * s).sum()
    }
    fn unit(&self) -> Meters {
        Meters(N as i64)
    }
}

pub struct Circle<T> {
    r: T,
}

impl<T: Into<f64> + Copy + fmt::Debug> Shape for Circle<T> {
    type Unit = T;
    fn area(&self) -> f64 {
        let r: f64 = self.r.into();
        3.14159 * r * r
    }
    fn unit(&self) -> T {
        self.r
    }
}

impl<const N: usize> fmt::Display for Square<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Square<{}>({:?})", N, self.side)
    }
}

#[inline(never)]
pub fn total_area(shapes: &[Box<dyn Shape<Unit = Meters>>]) -> f64 {
    shapes.iter().map(|s| s.area()).sum()
}

#[inline(never)]
pub fn signed<const V: i32>() -> i32 {
    std::hint::black_box(V) * 2
}

#[inline(never)]
pub fn flag<const B: bool, const C: char>() -> String {
    format!("{}{}", B, C)
}

#[inline(never)]
pub fn apply<F: Fn(u32) -> u32>(f: F, x: u32) -> u32 {
    f(x)
}

#[inline(never)]
pub fn call_ptr(f: extern "C" fn(i32) -> i32, g: unsafe fn(&str) -> usize) -> i32 {
    f(3) + unsafe { g("abc") } as i32
}

extern "C" fn triple(x: i32) -> i32 {
    x * 3
}

unsafe fn strlen(s: &str) -> usize {
    s.len()
}

#[inline(never)]
pub fn with_lifetimes<'a, 'b>(a: &'a str, b: &'b mut Vec<&'a str>) -> &'a str {
    b.push(a);
    a
}

#[inline(never)]
pub fn hrtb(f: &dyn for<'x> Fn(&'x str) -> &'x str) -> usize {
    f("hello").len()
}

#[inline(never)]
pub fn tuple_sum(t: (u8, i16, (u64,), [u32; 4])) -> u64 {
    t.0 as u64 + t.1 as u64 + (t.2).0 + t.3.iter().map(|&v| v as u64).sum::<u64>()
}

#[inline(never)]
pub fn raw(p: *const u8, q: *mut i128) -> u128 {
    unsafe { (*p as u128) + (*q as u128) }
}

pub fn main() {
    let shapes: Vec<Box<dyn Shape<Unit = Meters>>> = vec![
        Box::new(Square::<2> { side: [1.0, 2.0] }),
        Box::new(Square::<3> { side: [1.0, 2.0, 3.0] }),
    ];
    println!("{}", total_area(&shapes));
    println!("{}", Square::<1> { side: [4.0] });
    let c = Circle { r: 2.0f32 };
    println!("{} {:?}", c.area(), c.unit());
    println!("{} {}", signed::<-7>(), signed::<42>());
    println!("{} {}", flag::<true, 'x'>(), flag::<false, 'é'>());
    let k = 5;
    println!("{}", apply(|x| x + k, 1));
    println!("{}", apply(move |x| x * k, 2));
    println!("{}", call_ptr(triple, strlen));
    let mut v = Vec::new();
    println!("{}", with_lifetimes("a", &mut v));
    println!("{}", hrtb(&|s| &s[1..]));
    println!("{}", tuple_sum((1, -2, (3,), [4, 5, 6, 7])));
    let mut big = 9i128;
    println!("{}", raw(&7u8, &mut big));

    let mut m: HashMap<String, Vec<Meters>> = HashMap::new();
    for i in 0..50 {
        m.entry(format!("k{}", i % 7)).or_default().push(Meters(i));
    }
    let mut keys: Vec<_> = m.keys().cloned().collect();
    keys.sort();
    let b: BTreeMap<Meters, &str> = (0..10).map(|i| (Meters(i), "v")).collect();
    let s: HashSet<char> = "hello world".chars().filter(|c| c.is_alphabetic()).collect();
    let mut d: VecDeque<(u8, f64)> = VecDeque::new();
    d.push_back((1, 2.0));
    d.push_front((0, 1.0));
    let z: Vec<(usize, char)> = "ünïcödé".char_indices().rev().take(3).collect();
    println!("{:?} {:?} {} {:?} {:?}", keys, b.len(), s.len(), d, z);
    let words = ["alpha", "beta", "gamma"];
    let joined: String = words.iter().enumerate().flat_map(|(i, w)| w.chars().skip(i)).collect();
    println!("{}", joined);
}
