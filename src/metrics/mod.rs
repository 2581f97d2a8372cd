//! Clustering metrics that mirror scikit-learn (filled in by the metrics work).
