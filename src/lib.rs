//! vlogmood: reproducible emotional-tone analysis of vlog audio.
//!
//! The crate is cut into one module per pipeline stage, in the order data flows through them
//! (see `DESIGN.md` §1): [`audio`] decodes and preprocesses media files, [`corpus`] finds
//! input files, joins labels and fingerprints the data, [`features`] computes librosa-faithful
//! features and [`metrics`] scores clusterings the way scikit-learn does. A module only uses
//! stages to its left; `tests/layering.rs` checks it.
#![deny(missing_docs)]
#![deny(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod audio;
pub mod corpus;
pub mod features;
pub mod metrics;
