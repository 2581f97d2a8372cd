//! vlogmood: reproducible emotional-tone analysis of vlog audio.
//!
//! The crate is cut into one module per pipeline stage, in the order data flows through them
//! (see `DESIGN.md` §1), after one leaf that every stage writes through ([`atomic`]: atomic
//! files and folders, locks, leftovers of killed processes): [`audio`] decodes and preprocesses media files, [`corpus`] finds
//! input files, joins labels, fingerprints the data and caches features, [`features`] computes
//! librosa-faithful features, [`spec`] types and hashes experiment specs, [`split`] makes seeded
//! splits, [`models`] fits clusterings, [`metrics`] scores them as scikit-learn does,
//! [`study`] runs sweeps, grids and stability studies, [`report`] renders tables and figures,
//! and [`runs`] writes atomic run folders and compares and reproduces them. A module only uses
//! stages to its left; `tests/layering.rs` checks it (`spec` comes after `split` and `models`,
//! whose parameter types it embeds).
#![deny(missing_docs)]
#![deny(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod atomic;
pub mod audio;
pub mod corpus;
pub mod features;
pub mod metrics;
pub mod models;
pub mod report;
pub mod runs;
pub mod spec;
pub mod split;
pub mod study;
