//! What the property tests (proptest) share: how many cases they run, and the macro that makes each property
//! two tests. Each property runs [`CASES`] cases in `cargo test`; its `fuzz_…` twin runs [`FUZZ_CASES`] and is
//! ignored: `cargo test --release --lib -- --ignored fuzz`. No failure file is written into the tree.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseResult, TestRunner};

/// Cases per property in the normal test run.
pub(crate) const CASES: u32 = 10_000;
/// Cases per property in the ignored `fuzz_…` twins.
pub(crate) const FUZZ_CASES: u32 = 1_000_000;

/// Runs `property` on `cases` values of `strategy`; on failure, panics with the shrunk input.
pub(crate) fn run<S: Strategy>(
    cases: u32,
    strategy: S,
    property: impl Fn(S::Value) -> TestCaseResult,
) {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    if let Err(failure) = runner.run(&strategy, property) {
        panic!("{failure}");
    }
}

/// A property as two tests: `$name` with [`CASES`] cases and the ignored `$fuzz` with [`FUZZ_CASES`].
macro_rules! property {
    ($(#[doc = $doc:literal])* $name:ident, $fuzz:ident, $strategy:expr, $property:expr $(,)?) => {
        $(#[doc = $doc])*
        #[test]
        fn $name() {
            $crate::properties::run($crate::properties::CASES, $strategy, $property);
        }

        $(#[doc = $doc])*
        #[test]
        #[ignore = "fuzzing: cargo test --release --lib -- --ignored fuzz"]
        fn $fuzz() {
            $crate::properties::run($crate::properties::FUZZ_CASES, $strategy, $property);
        }
    };
}
pub(crate) use property;
