//! Input files, labels and the dataset fingerprint (in progress).
