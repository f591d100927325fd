//! Reproducers of issue 11's defects.
pub fn main(_n: &str, _rounds: Option<u64>) -> i32 {
    2
}
