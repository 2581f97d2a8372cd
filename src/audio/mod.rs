//! Decoding and preprocessing of media files (in progress).
