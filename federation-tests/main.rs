//! The integration test binary: real Parvis instances on loopback, on both databases.

mod support;
