// Panics, Result chains, Rc/Arc/RefCell, threads, non-ASCII (punycode) identifiers, nested modules.
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

pub mod outer {
    pub mod inner {
        #[derive(Debug, Default)]
        pub struct Zähler {
            pub n: u32,
        }
        impl Zähler {
            #[inline(never)]
            pub fn erhöhen(&mut self) -> u32 {
                self.n += 1;
                self.n
            }
        }
        #[inline(never)]
        pub fn 计算(x: u64) -> u64 {
            x.wrapping_mul(2654435761) >> 3
        }
        #[inline(never)]
        pub fn naïve_größe<T>(v: &[T]) -> usize {
            std::mem::size_of::<T>() * v.len()
        }
    }
}

#[derive(Debug)]
pub enum AppError {
    Parse(std::num::ParseIntError),
    Range { lo: i32, hi: i32 },
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Parse(e) => write!(f, "parse: {}", e),
            AppError::Range { lo, hi } => write!(f, "range {}..{}", lo, hi),
        }
    }
}

impl std::error::Error for AppError {}

impl From<std::num::ParseIntError> for AppError {
    fn from(e: std::num::ParseIntError) -> Self {
        AppError::Parse(e)
    }
}

#[inline(never)]
pub fn parse_in_range(s: &str, lo: i32, hi: i32) -> Result<i32, AppError> {
    let v: i32 = s.trim().parse()?;
    if v < lo || v > hi {
        return Err(AppError::Range { lo, hi });
    }
    Ok(v)
}

#[inline(never)]
pub fn boxed_err(s: &str) -> Result<i32, Box<dyn std::error::Error + Send + Sync>> {
    Ok(parse_in_range(s, 0, 100).map_err(|e| e.to_string())?)
}

pub fn main() {
    let mut z = outer::inner::Zähler::default();
    z.erhöhen();
    println!("{:?} {} {}", z, outer::inner::计算(7), outer::inner::naïve_größe(&[1u16, 2, 3]));
    for s in ["5", "x", "500"] {
        match boxed_err(s) {
            Ok(v) => println!("ok {}", v),
            Err(e) => println!("err {}", e),
        }
    }
    let shared = Rc::new(RefCell::new(vec![1, 2, 3]));
    let s2 = Rc::clone(&shared);
    s2.borrow_mut().push(4);
    println!("{:?}", shared.borrow());
    let counter = Arc::new(Mutex::new(0u64));
    let handles: Vec<_> = (0..3)
        .map(|i| {
            let c = Arc::clone(&counter);
            std::thread::spawn(move || {
                *c.lock().unwrap() += i;
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    println!("{}", counter.lock().unwrap());
    let r = std::panic::catch_unwind(|| {
        let v: Vec<i32> = Vec::new();
        if v.is_empty() {
            panic!("empty vector: {}", v.len());
        }
        v[0]
    });
    println!("caught: {}", r.is_err());
    let o: Option<&str> = std::env::args().nth(5).as_deref().map(|_| "x");
    println!("{}", o.unwrap_or_default());
}
