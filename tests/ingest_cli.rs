//! `vlogmood ingest` driven as a user would: every supported format in, every kind of bad input
//! reported by name, exit codes, and no partial outputs.

mod util;

use util::{code, fixtures, list_files, read_wav_i16, stderr, vlogmood};

const GOOD_OUTPUTS: [&str; 12] = [
    "speech_11025_s32.wav",
    "speech_12000_f32.wav",
    "speech_22050_s16.wav",
    "speech_44100_aac.wav",
    "speech_44100_flac.wav",
    "speech_44100_vorbis.wav",
    "speech_48000_s16.wav",
    "speech_8000_u8.wav",
    "speech_video.wav",
    "sub/speech_16000_s24_stereo.wav",
    "sub/speech_44100_mp3.wav",
    "sub/speech_video_mov.wav",
];

/// (bad input, a phrase its failure reason must contain)
const BAD_INPUTS: [(&str, &str); 8] = [
    ("aac_5_1.m4a", "unsupported"),
    ("empty.wav", "empty"),
    ("nan.wav", "not finite"),
    ("not_audio.wav", "not a recognised"),
    ("silent.wav", "silent"),
    ("truncated_mp4.mp4", "truncated"),
    ("truncated_wav.wav", "truncated"),
    ("video_only.mp4", "no audio track"),
];

#[test]
fn good_and_bad_inputs_together_exit_1_with_every_failure_listed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let audio = fixtures().join("audio");
    let out = tmp.path().join("out");
    let run = vlogmood(
        tmp.path(),
        &[
            "ingest",
            audio.join("good").to_str().expect("utf8"),
            audio.join("bad").to_str().expect("utf8"),
            "--out",
            "out",
        ],
    );
    assert_eq!(code(&run), 1, "{}", stderr(&run));

    let mut expected: Vec<String> = GOOD_OUTPUTS.iter().map(|s| s.to_string()).collect();
    expected.push("failures.csv".into());
    expected.sort();
    assert_eq!(list_files(&out), expected, "only good inputs produce WAVs; no temporary files remain");

    let mut reader = csv::Reader::from_path(out.join("failures.csv")).expect("failures.csv");
    let rows: Vec<(String, String)> =
        reader.records().map(|r| r.expect("row")).map(|r| (r[0].to_string(), r[1].to_string())).collect();
    assert_eq!(rows.len(), BAD_INPUTS.len(), "{rows:?}");
    for ((file, reason), (bad, phrase)) in rows.iter().zip(BAD_INPUTS) {
        assert!(file.ends_with(bad), "{file} vs {bad}");
        assert!(reason.contains(phrase), "{bad}: {reason}");
        assert!(stderr(&run).contains(bad), "stderr names {bad}");
    }
    assert!(stderr(&run).contains("12 file(s) written"), "{}", stderr(&run));
}

#[test]
fn outputs_are_mono_pcm16_at_the_target_rate_and_the_22050_source_is_cut_exactly() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let good = fixtures().join("audio/good");
    let run = vlogmood(tmp.path(), &["ingest", good.to_str().expect("utf8"), "--out", "out"]);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    let failures = std::fs::read_to_string(tmp.path().join("out/failures.csv")).expect("failures.csv");
    assert_eq!(failures.trim(), "file,reason");
    for name in GOOD_OUTPUTS {
        let (sr, channels, samples) = read_wav_i16(&tmp.path().join("out").join(name));
        assert_eq!((sr, channels), (22_050, 1), "{name}");
        assert!(samples.len() > 22_050, "{name}: {} samples", samples.len());
    }
    // librosa trims this source at [9728, 50688) (expected.json); the output is exactly that span.
    let (_, _, source) = read_wav_i16(&good.join("speech_22050_s16.wav"));
    let (_, _, trimmed) = read_wav_i16(&tmp.path().join("out/speech_22050_s16.wav"));
    assert_eq!(trimmed, source[9728..50688]);
}

#[test]
fn no_trim_and_sample_rate_flags_are_applied() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = fixtures().join("audio/good/speech_22050_s16.wav");
    let run =
        vlogmood(tmp.path(), &["ingest", input.to_str().expect("utf8"), "--out", "out", "--no-trim", "--sr", "16000"]);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    let (_, _, source) = read_wav_i16(&input);
    let (sr, _, samples) = read_wav_i16(&tmp.path().join("out/speech_22050_s16.wav"));
    assert_eq!(sr, 16_000);
    assert_eq!(samples.len(), (source.len() * 16_000).div_ceil(22_050));
}

#[test]
fn invalid_options_exit_2_before_any_work() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = fixtures().join("audio/good");
    let run = vlogmood(tmp.path(), &["ingest", input.to_str().expect("utf8"), "--out", "out", "--top-db=-3"]);
    assert_eq!(code(&run), 2);
    assert!(stderr(&run).contains("trim_top_db"), "{}", stderr(&run));
    assert!(!tmp.path().join("out").exists(), "nothing written");
    let missing = vlogmood(tmp.path(), &["ingest", "no/such/folder", "--out", "out"]);
    assert_eq!(code(&missing), 2);
    assert!(stderr(&missing).contains("no/such/folder"));
}
