//! Debates on the web: opened by those who speak for the commune, commented with a stance, threaded, closed.
//! (Federation of debates comes next: see docs/federation.md.)
//!
//! One file per behaviour: a debate's life on one server (`lifecycle`), who opens debates and under which
//! themes (`openers`), search (`search`), JSON and Atom (`feeds`), replies from a Fedify peer
//! (`remote_replies`), a debate followed, answered and moderated from another Parvis (`between_servers`), the
//! cost of a debate page (`costs`), and a deleted account's comments (`erasure`). Their helpers are in
//! `support::debates`.

mod between_servers;
mod costs;
mod erasure;
mod feeds;
mod group_software;
mod lifecycle;
mod openers;
mod presentation;
mod remote_replies;
mod search;
