//! Row structs and value types. No I/O here.

pub mod actor;
pub mod schema;
pub mod username;

pub use actor::{Account, Actor, ActorKind, Mandate, NewActor, Role};
pub use username::Username;
