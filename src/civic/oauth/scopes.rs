//! OAuth scopes as Mastodon defines them: `read`, `write`, `follow`, `push`, `profile`, and the granular
//! `read:statuses`, `write:media`… An app asks for scopes at registration, a person grants a part of them,
//! and each API endpoint names the one scope it needs ([`Scope`]), which the token's must cover.

use std::collections::BTreeSet;
use std::fmt;

/// What a granular scope is about (`read:<resource>`, `write:<resource>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resource {
    Accounts,
    Blocks,
    Bookmarks,
    Conversations,
    Favourites,
    Filters,
    Follows,
    Lists,
    Media,
    Mutes,
    Notifications,
    Reports,
    Search,
    Statuses,
}

impl Resource {
    pub const ALL: [Resource; 14] = [
        Resource::Accounts,
        Resource::Blocks,
        Resource::Bookmarks,
        Resource::Conversations,
        Resource::Favourites,
        Resource::Filters,
        Resource::Follows,
        Resource::Lists,
        Resource::Media,
        Resource::Mutes,
        Resource::Notifications,
        Resource::Reports,
        Resource::Search,
        Resource::Statuses,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Accounts => "accounts",
            Resource::Blocks => "blocks",
            Resource::Bookmarks => "bookmarks",
            Resource::Conversations => "conversations",
            Resource::Favourites => "favourites",
            Resource::Filters => "filters",
            Resource::Follows => "follows",
            Resource::Lists => "lists",
            Resource::Media => "media",
            Resource::Mutes => "mutes",
            Resource::Notifications => "notifications",
            Resource::Reports => "reports",
            Resource::Search => "search",
            Resource::Statuses => "statuses",
        }
    }

    fn parse(s: &str) -> Option<Resource> {
        Resource::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// One scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// `read`, or `read:<resource>`.
    Read(Option<Resource>),
    /// `write`, or `write:<resource>`.
    Write(Option<Resource>),
    /// `follow` (Mastodon's older scope: following, blocks and mutes, read and written).
    Follow,
    /// `push` (Web Push subscriptions).
    Push,
    /// `profile`: only who the person is (`verify_credentials`).
    Profile,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Scope> {
        Some(match s {
            "read" => Scope::Read(None),
            "write" => Scope::Write(None),
            "follow" => Scope::Follow,
            "push" => Scope::Push,
            "profile" => Scope::Profile,
            _ => match s.split_once(':')? {
                ("read", r) => Scope::Read(Some(Resource::parse(r)?)),
                ("write", r) => Scope::Write(Some(Resource::parse(r)?)),
                _ => return None,
            },
        })
    }

    /// Whether holding `self` lets a token do what needs `needed`.
    pub fn covers(self, needed: Scope) -> bool {
        use Resource::{Accounts, Blocks, Follows, Mutes};
        match (self, needed) {
            (a, b) if a == b => true,
            (Scope::Read(None), Scope::Read(Some(_)) | Scope::Profile) => true,
            (Scope::Write(None), Scope::Write(Some(_))) => true,
            (Scope::Read(Some(Accounts)), Scope::Profile) => true,
            (Scope::Follow, Scope::Read(Some(r)) | Scope::Write(Some(r))) => {
                matches!(r, Follows | Blocks | Mutes)
            }
            _ => false,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Read(None) => f.write_str("read"),
            Scope::Write(None) => f.write_str("write"),
            Scope::Read(Some(r)) => write!(f, "read:{}", r.as_str()),
            Scope::Write(Some(r)) => write!(f, "write:{}", r.as_str()),
            Scope::Follow => f.write_str("follow"),
            Scope::Push => f.write_str("push"),
            Scope::Profile => f.write_str("profile"),
        }
    }
}

/// A set of scopes, as written in OAuth (`"read write:statuses"`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Scopes(BTreeSet<Scope>);

/// A scope Parvis does not know (`admin:read`, a typo): refused with its name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope '{0}'")]
pub struct UnknownScope(pub String);

impl Scopes {
    /// Every scope: what a token made by `parvis admin token create` carries.
    pub fn all() -> Scopes {
        Scopes::parse("read write follow push profile").unwrap_or_default()
    }

    /// Space-separated scopes (`+` too, as some apps send them in URLs); empty is none.
    pub fn parse(s: &str) -> Result<Scopes, UnknownScope> {
        s.split([' ', '+'])
            .filter(|w| !w.is_empty())
            .map(|w| Scope::parse(w).ok_or_else(|| UnknownScope(w.to_string())))
            .collect::<Result<BTreeSet<_>, _>>()
            .map(Scopes)
    }

    /// The scopes as stored; an unknown word (never written by us) is skipped.
    pub fn stored(s: &str) -> Scopes {
        Scopes(s.split(' ').filter_map(Scope::parse).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }

    /// Whether one of these scopes covers `needed`.
    pub fn allow(&self, needed: Scope) -> bool {
        self.0.iter().any(|s| s.covers(needed))
    }

    /// Whether every scope of `asked` is covered by these (an authorization asks for no more than the app
    /// registered).
    pub fn include(&self, asked: &Scopes) -> bool {
        asked
            .0
            .iter()
            .all(|a| self.0.iter().any(|s| *s == *a || s.covers(*a)))
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words: Vec<String> = self.0.iter().map(Scope::to_string).collect();
        f.write_str(&words.join(" "))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn scopes_read_and_write_as_mastodon_writes_them() {
        let s = Scopes::parse("read write:statuses follow").unwrap();
        assert_eq!(s.to_string(), "read write:statuses follow");
        assert_eq!(
            Scopes::parse("read+write").unwrap().to_string(),
            "read write"
        );
        assert_eq!(
            Scopes::parse("read admin:read"),
            Err(UnknownScope("admin:read".into()))
        );
        assert_eq!(
            Scopes::parse("read:nothing"),
            Err(UnknownScope("read:nothing".into()))
        );
    }

    #[test]
    fn a_broad_scope_covers_its_granular_ones_and_no_other() {
        let read = Scopes::parse("read").unwrap();
        assert!(read.allow(Scope::Read(Some(Resource::Statuses))));
        assert!(read.allow(Scope::Profile));
        assert!(!read.allow(Scope::Write(Some(Resource::Statuses))));
        let statuses = Scopes::parse("write:statuses").unwrap();
        assert!(statuses.allow(Scope::Write(Some(Resource::Statuses))));
        assert!(!statuses.allow(Scope::Write(Some(Resource::Media))));
        assert!(!statuses.allow(Scope::Write(None)));
        let follow = Scopes::parse("follow").unwrap();
        assert!(follow.allow(Scope::Write(Some(Resource::Follows))));
        assert!(!follow.allow(Scope::Write(Some(Resource::Statuses))));
        let profile = Scopes::parse("profile").unwrap();
        assert!(profile.allow(Scope::Profile));
        assert!(!profile.allow(Scope::Read(Some(Resource::Accounts))));
    }

    #[test]
    fn an_authorization_asks_for_no_more_than_the_app_registered() {
        let app = Scopes::parse("read write:statuses").unwrap();
        assert!(app.include(&Scopes::parse("read:accounts write:statuses").unwrap()));
        assert!(!app.include(&Scopes::parse("write").unwrap()));
        assert!(!app.include(&Scopes::parse("follow").unwrap()));
    }
}
