//! Parvis: a federated civic server. Each town runs its own instance; the commune, its officials and its
//! citizens are ActivityPub actors.

pub mod api;
pub mod app;
pub mod calendar;
pub mod civic;
pub mod cli;
pub mod config;
pub mod context;
pub mod db;
pub mod error;
pub mod federation;
pub mod ids;
pub mod limits;
pub mod mail;
pub mod model;
pub mod oidc;
pub mod ops;
#[cfg(test)]
mod properties;
pub mod web;
