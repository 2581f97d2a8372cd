//! Features of a whole corpus: decode, preprocess and extract every file in parallel, through
//! the feature cache, collecting per-file failures instead of stopping.
//!
//! Output is identical whatever the thread count: files are processed independently and
//! results are collected in file order.

use ndarray::Array2;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::audio::{preprocess_file, Downstream, MemoryBudget, PreprocessParams, ProcessedAudio};
use crate::corpus::{to_hex, CacheKey, CorpusFile, Failure, FeatureCache};

use super::{Descriptive, Extractor, FeatureParams, FeaturesError, FileFeatures};

/// Version of the cached payload layout and of the numbers in it; part of every cache key,
/// with the crate version, so a change to either never reads stale entries.
const CACHE_FORMAT: &str = "vlogmood-features-v2";

/// What the features stage holds per sample of the preprocessed signal at its peak, for the
/// per-file memory budget, in thousandths of a byte.
///
/// In memory: the signal is read a window at a time, the spectrograms are held a block at a
/// time and the per-frame values that wait for the whole recording go to spills that move to
/// disk past a fixed size (all inside [`crate::audio::FIXED_BYTES_PER_FILE`]); what still grows
/// with the length is the onset envelope and beat tracking's work arrays over it, about 54
/// bytes per 512-sample hop (105 thousandths of a byte a sample), rounded up to 64 bytes a hop.
///
/// In temporary files: the spills, 624 bytes a hop for the mel rows and contrast's valleys
/// and peaks at the default parameters, and 8 bytes a pitch peak for chroma's tuning (a few a
/// hop in speech, about 120 in white noise; the noisy figure is taken): 1,584 bytes a hop,
/// 3.1 bytes a sample. Measured on a tmpfs `TMPDIR` beside the signal's 4 bytes a sample, an
/// hour of white noise at 22,050 Hz spilled 2.35 bytes a sample (2.5 counting the first
/// 14 MiB, which stay in memory).
pub const FEATURES_DOWNSTREAM: Downstream =
    Downstream { memory_millibytes_per_sample: 125, temp_file_millibytes_per_sample: 3094 };

/// What preprocessing did to a file (kept beside its features).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AudioSummary {
    /// Decoded duration after resampling, before trimming, in seconds.
    pub raw_duration_s: f64,
    /// First kept sample (of the resampled signal).
    pub trim_start: usize,
    /// One past the last kept sample.
    pub trim_end: usize,
    /// Source sample rate in Hz.
    pub source_sample_rate_hz: u32,
    /// Source channel count.
    pub source_channels: usize,
}

impl From<&ProcessedAudio> for AudioSummary {
    fn from(p: &ProcessedAudio) -> Self {
        Self {
            raw_duration_s: p.raw_duration_s,
            trim_start: p.trim.start,
            trim_end: p.trim.end,
            source_sample_rate_hz: p.source_sample_rate_hz,
            source_channels: p.source_channels,
        }
    }
}

/// What [`extract_corpus`] does with each file's log-mel image, the one large output (a
/// 128×128 image is 64 KB; the other features of a file, under 1 KB). Holding every image
/// until the end made memory grow with the corpus (450 MB at 6,400 files).
#[derive(Clone, Copy)]
pub enum Images<'a> {
    /// Keep every image in [`CorpusFeatures::features`] (a study reads them).
    Keep,
    /// Drop each image once the file's features are cached: nothing downstream reads them.
    Drop,
    /// Hand each image to a writer as soon as it exists (with the file's index in the input
    /// list), then drop it; an error fails that file.
    Write(&'a (dyn Fn(usize, &Array2<f32>) -> std::io::Result<()> + Sync)),
}

/// The features of every file that could be processed, in file order, and the failures.
#[derive(Debug, Clone, PartialEq)]
pub struct CorpusFeatures {
    /// Index (into the input file list) of each processed file, ascending.
    pub rows: Vec<usize>,
    /// Features per processed file (with an empty log-mel image unless the images were kept).
    pub features: Vec<FileFeatures>,
    /// Preprocessing facts per processed file.
    pub audio: Vec<AudioSummary>,
    /// Files that failed, with the reason.
    pub failures: Vec<Failure>,
    /// Files whose features came from the cache.
    pub n_cached: usize,
}

impl CorpusFeatures {
    /// The `(n_files, n_columns)` matrix of a recipe: a vector recipe's values (`seed45`,
    /// `descriptive`) or each file's image flattened row-major (`logmel128`, when the images
    /// were kept); None for an unknown recipe or images of different sizes.
    #[must_use]
    pub fn matrix(&self, recipe: &str) -> Option<Array2<f64>> {
        let row = |f: &FileFeatures| -> Option<Vec<f64>> {
            match recipe {
                "seed45" => Some(f.seed45.clone()),
                "descriptive" => Some(f.descriptive.to_vec()),
                // Row-major (mel, frame), as the recipe's column names.
                "logmel128" => Some(f.logmel.iter().map(|&v| f64::from(v)).collect()),
                _ => None,
            }
        };
        let n_cols = match recipe {
            "seed45" => super::SEED45_NAMES.len(),
            "descriptive" => super::DESCRIPTIVE_NAMES.len(),
            "logmel128" => self.features.first().map_or(0, |f| f.logmel.len()),
            _ => return None,
        };
        let rows: Vec<Vec<f64>> = self.features.iter().map(row).collect::<Option<_>>()?;
        Array2::from_shape_vec((rows.len(), n_cols), rows.concat()).ok()
    }
}

/// Extracts the features of `files` (with their SHA-256 `hashes`, same order).
///
/// Each file is looked up in `cache` by (content hash, parameters); on a miss it is decoded,
/// preprocessed and analysed, and the result stored. `images` says what becomes of each log-mel
/// image. `on_file_done` is called once per file. Only invalid parameters are an error; a file
/// that fails is listed in `failures`.
pub fn extract_corpus(
    files: &[CorpusFile],
    hashes: &[String],
    preprocess_params: &PreprocessParams,
    params: &FeatureParams,
    cache: Option<&FeatureCache>,
    images: Images<'_>,
    on_file_done: &(dyn Fn() + Sync),
) -> Result<CorpusFeatures, FeaturesError> {
    let extractor = Extractor::new(params.clone())?;
    // Each worker thread holds one file at a time.
    let budget = MemoryBudget::from_system(rayon::current_num_threads());
    let params_hash = params_hash(preprocess_params, params);
    let results: Vec<Result<(FileFeatures, AudioSummary, bool), String>> = files
        .par_iter()
        .zip(hashes)
        .enumerate()
        .map_init(
            || extractor.clone(),
            |extractor, (index, (file, hash))| {
                let key = CacheKey { file_sha256: hash.clone(), params_hash: params_hash.clone() };
                let result = match cache.and_then(|c| c.get(&key)).and_then(|bytes| decode_entry(&bytes)) {
                    Some((features, audio)) => Ok((features, audio, true)),
                    None => compute(file, preprocess_params, &budget, extractor).map(|(features, audio)| {
                        if let Some(cache) = cache {
                            // The cache only saves time; a failed write costs a recomputation later.
                            let _ = cache.put(&key, &encode_entry(&features, &audio));
                        }
                        (features, audio, false)
                    }),
                };
                on_file_done();
                result.and_then(|(mut features, audio, cached)| {
                    if let Images::Write(write) = images {
                        write(index, &features.logmel)
                            .map_err(|e| format!("{}: writing its log-mel: {e}", file.path.display()))?;
                    }
                    if !matches!(images, Images::Keep) {
                        features.logmel = Array2::zeros((0, 0));
                    }
                    Ok((features, audio, cached))
                })
            },
        )
        .collect();

    let mut out = CorpusFeatures { rows: vec![], features: vec![], audio: vec![], failures: vec![], n_cached: 0 };
    for (index, (file, result)) in files.iter().zip(results).enumerate() {
        match result {
            Ok((features, audio, cached)) => {
                out.rows.push(index);
                out.features.push(features);
                out.audio.push(audio);
                out.n_cached += usize::from(cached);
            }
            Err(reason) => out.failures.push(Failure { file: file.path.display().to_string(), reason }),
        }
    }
    Ok(out)
}

/// Preprocesses (streaming from disk, within `budget`) and extracts one file.
fn compute(
    file: &CorpusFile,
    preprocess_params: &PreprocessParams,
    budget: &MemoryBudget,
    extractor: &mut Extractor,
) -> Result<(FileFeatures, AudioSummary), String> {
    let processed =
        preprocess_file(&file.path, preprocess_params, budget, FEATURES_DOWNSTREAM).map_err(|e| e.to_string())?;
    let features = extractor.extract(&processed.samples, processed.sample_rate_hz);
    // The last block of spectrograms (up to 17 MB), the per-frame records and the tuning peaks:
    // free them now rather than hold them while this worker decodes its next file.
    extractor.release_buffers();
    let features = features.map_err(|e| format!("{}: {e}", file.path.display()))?;
    Ok((features, AudioSummary::from(&processed)))
}

/// Hash of everything that shapes a cached payload: with a file's content hash, its
/// [`CacheKey`].
#[must_use]
pub fn params_hash(preprocess_params: &PreprocessParams, params: &FeatureParams) -> String {
    let json = serde_json::json!({
        "format": CACHE_FORMAT,
        "crate": env!("CARGO_PKG_VERSION"),
        "preprocess": preprocess_params,
        "features": params,
    });
    to_hex(&Sha256::digest(json.to_string().as_bytes()))
}

/// Little-endian payload: seed45 (len + f64s), descriptive (10 f64s), log-mel (rows, cols,
/// f32s), audio summary.
fn encode_entry(features: &FileFeatures, audio: &AudioSummary) -> Vec<u8> {
    let mut out = Vec::with_capacity(features.logmel.len() * 4 + 512);
    let put_u64 = |out: &mut Vec<u8>, v: u64| out.extend_from_slice(&v.to_le_bytes());
    put_u64(&mut out, features.seed45.len() as u64);
    for v in &features.seed45 {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for v in features.descriptive.to_vec() {
        out.extend_from_slice(&v.to_le_bytes());
    }
    let (rows, cols) = features.logmel.dim();
    put_u64(&mut out, rows as u64);
    put_u64(&mut out, cols as u64);
    for v in &features.logmel {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&audio.raw_duration_s.to_le_bytes());
    put_u64(&mut out, audio.trim_start as u64);
    put_u64(&mut out, audio.trim_end as u64);
    put_u64(&mut out, u64::from(audio.source_sample_rate_hz));
    put_u64(&mut out, audio.source_channels as u64);
    out
}

/// Inverse of [`encode_entry`]; None if the payload does not have that shape.
fn decode_entry(bytes: &[u8]) -> Option<(FileFeatures, AudioSummary)> {
    let mut reader = Reader { bytes, at: 0 };
    let n45 = usize::try_from(reader.u64()?).ok()?;
    let seed45 = (0..n45).map(|_| reader.f64()).collect::<Option<Vec<f64>>>()?;
    let d = (0..10).map(|_| reader.f64()).collect::<Option<Vec<f64>>>()?;
    let descriptive = Descriptive {
        duration_s: d[0],
        amplitude_mean: d[1],
        amplitude_std: d[2],
        amplitude_skew: d[3],
        zcr_mean: d[4],
        spectral_centroid_mean: d[5],
        spectral_bandwidth_mean: d[6],
        tempo_bpm: d[7],
        beat_mean_frame: d[8],
        n_beats: d[9] as usize,
    };
    let rows = usize::try_from(reader.u64()?).ok()?;
    let cols = usize::try_from(reader.u64()?).ok()?;
    let logmel_values = (0..rows.checked_mul(cols)?).map(|_| reader.f32()).collect::<Option<Vec<f32>>>()?;
    let logmel = Array2::from_shape_vec((rows, cols), logmel_values).ok()?;
    let audio = AudioSummary {
        raw_duration_s: reader.f64()?,
        trim_start: usize::try_from(reader.u64()?).ok()?,
        trim_end: usize::try_from(reader.u64()?).ok()?,
        source_sample_rate_hz: u32::try_from(reader.u64()?).ok()?,
        source_channels: usize::try_from(reader.u64()?).ok()?,
    };
    (reader.at == bytes.len()).then_some((FileFeatures { seed45, descriptive, logmel }, audio))
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let chunk = self.bytes.get(self.at..self.at + N)?.try_into().ok()?;
        self.at += N;
        Some(chunk)
    }
    fn u64(&mut self) -> Option<u64> {
        self.take().map(u64::from_le_bytes)
    }
    fn f64(&mut self) -> Option<f64> {
        self.take().map(f64::from_le_bytes)
    }
    fn f32(&mut self) -> Option<f32> {
        self.take().map(f32::from_le_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (FileFeatures, AudioSummary) {
        let features = FileFeatures {
            seed45: (0..45).map(|i| i as f64 * 0.1).collect(),
            descriptive: Descriptive {
                duration_s: 1.5,
                amplitude_mean: -0.001,
                amplitude_std: 0.1,
                amplitude_skew: 0.2,
                zcr_mean: 0.05,
                spectral_centroid_mean: 1800.0,
                spectral_bandwidth_mean: 1500.0,
                tempo_bpm: 120.0,
                beat_mean_frame: f64::NAN,
                n_beats: 0,
            },
            logmel: Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32 - 80.0),
        };
        let audio = AudioSummary {
            raw_duration_s: 3.2,
            trim_start: 512,
            trim_end: 30_000,
            source_sample_rate_hz: 48_000,
            source_channels: 2,
        };
        (features, audio)
    }

    #[test]
    fn cache_entries_round_trip_bit_exactly() {
        let (features, audio) = sample();
        let (back, back_audio) = decode_entry(&encode_entry(&features, &audio)).expect("decodes");
        assert_eq!(back.seed45, features.seed45);
        assert_eq!(back.logmel, features.logmel);
        assert_eq!(back_audio, audio);
        assert!(back.descriptive.beat_mean_frame.is_nan());
        assert_eq!(back.descriptive.tempo_bpm, 120.0);
    }

    #[test]
    fn truncated_or_padded_entries_are_rejected() {
        let (features, audio) = sample();
        let bytes = encode_entry(&features, &audio);
        assert!(decode_entry(&bytes[..bytes.len() - 1]).is_none());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode_entry(&longer).is_none());
    }

    #[test]
    fn images_are_kept_dropped_or_written_as_asked_and_the_rest_is_the_same() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus/mini");
        let files: Vec<CorpusFile> = ["actor01-angry.wav", "actor01-happy.wav", "missing.wav"]
            .iter()
            .map(|name| CorpusFile { relative_path: (*name).into(), path: dir.join(name) })
            .collect();
        let hashes = vec!["00".repeat(32), "11".repeat(32), "22".repeat(32)];
        let (pre, params) = (PreprocessParams::default(), FeatureParams::default());
        let extract = |images| extract_corpus(&files, &hashes, &pre, &params, None, images, &|| {}).expect("extract");
        let kept = extract(Images::Keep);
        assert_eq!(kept.rows, [0, 1]);
        assert!(kept.features.iter().all(|f| f.logmel.dim() == (128, 128)));

        let written = std::sync::Mutex::new(Vec::new());
        let write = |index: usize, image: &Array2<f32>| {
            written.lock().unwrap().push((index, image.clone()));
            Ok(())
        };
        for images in [Images::Drop, Images::Write(&write)] {
            let lean = extract(images);
            assert_eq!((lean.rows.clone(), lean.failures.len()), (kept.rows.clone(), 1));
            assert!(lean.features.iter().all(|f| f.logmel.is_empty()), "no image held");
            assert_eq!(lean.matrix("seed45"), kept.matrix("seed45"));
        }
        let mut written = written.into_inner().unwrap();
        written.sort_by_key(|(index, _)| *index);
        assert_eq!(written.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [0, 1], "each processed file, by its index");
        assert!(written.iter().zip(&kept.features).all(|((_, image), f)| *image == f.logmel));
    }

    #[test]
    fn params_hash_changes_with_any_parameter() {
        let base = params_hash(&PreprocessParams::default(), &FeatureParams::default());
        let other = PreprocessParams { trim_top_db: 30.0, ..PreprocessParams::default() };
        assert_ne!(base, params_hash(&other, &FeatureParams::default()));
        assert_eq!(base, params_hash(&PreprocessParams::default(), &FeatureParams::default()));
    }
}
