//! Audio features that mirror librosa 0.11 (filled in by the features work).
