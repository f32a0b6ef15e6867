//! The only way Parvis dereferences a remote URL: signed by the instance actor (servers in secure mode refuse
//! unsigned GETs), through the SSRF-guarded client, size-limited, refusing blocked servers.
//!
//! Provenance lives here, once: a document is believed only from its own origin. An ActivityPub document is
//! accepted when its `id` is the URL it was finally served from (else it is fetched once more at its `id`,
//! and must match there), redirects stay on one origin and every hop passes the federation policy, and the
//! answer must be ActivityPub JSON. An actor's key and endpoints must be on the actor's server, and a key id
//! belongs to the actor its own document names. This closes the class of Mastodon's CVE-2024-23832, where a
//! file planted on a server (an upload, an open redirect's target) posed as an actor of that server.
//!
//! One file per job: fetching a document under those rules (`documents`), fetching, checking and storing
//! actors (`actors`), fetching the owners of unknown keys within limits (`keys`), fetching again the actors
//! flagged as untrusted (`refetch`), and finding an account from a handle, name or URL (`lookup`).

mod actors;
mod documents;
mod keys;
mod lookup;
mod refetch;

pub use actors::{actor, check_actor};
pub use documents::{get, image, object};
pub use keys::{KEY_FETCHES_AT_ONCE, KEY_RETRY_AFTER, KeyFetches, SENDER, actor_for_key};
pub use lookup::{Resolved, resolve, webfinger};
pub use refetch::refetch_flagged;
