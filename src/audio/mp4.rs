//! The one piece of MP4/MOV structure symphonia does not apply: the audio track's edit list.
//!
//! AAC encoders emit priming frames (1024 for ffmpeg's encoder, 2112 for Apple's) before the
//! first real sample and record that in the `elst` box as the edit's `media_time`. ffmpeg (and so
//! librosa, which decodes video through ffmpeg) skips them. This module reads just enough of the
//! ISO-BMFF box tree (`moov/trak/{edts/elst, mdia/hdlr}`) to find that offset.

/// ffmpeg's priming convention for AAC when a file carries no edit list.
pub const AAC_PRIMING_FRAMES: u64 = 1024;

/// The start of the audible part of the first audio track, from its edit list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioEdit {
    /// Frames (in the track's media time scale, i.e. samples) to drop from the start.
    pub skip_frames: u64,
}

/// Reads the first audio track's edit list, if the bytes are an MP4/MOV file that has one.
#[must_use]
pub fn audio_edit(bytes: &[u8]) -> Option<AudioEdit> {
    let moov = boxes(bytes).find(|(kind, _)| kind == b"moov")?.1;
    boxes(moov).filter(|(kind, _)| kind == b"trak").find_map(|(_, trak)| {
        let mdia = child(trak, b"mdia")?;
        let hdlr = child(mdia, b"hdlr")?;
        // hdlr: version/flags (4), pre_defined (4), handler_type (4).
        if hdlr.get(8..12)? != b"soun" {
            return None;
        }
        let elst = child(child(trak, b"edts")?, b"elst")?;
        first_media_time(elst).map(|skip_frames| AudioEdit { skip_frames })
    })
}

/// `media_time` of the first non-empty edit (`-1` marks an empty edit, i.e. inserted silence).
fn first_media_time(elst: &[u8]) -> Option<u64> {
    let version = *elst.first()?;
    let n_entries = be_u32(elst.get(4..8)?) as usize;
    let entry_len = if version == 1 { 20 } else { 12 };
    (0..n_entries).find_map(|i| {
        let entry = elst.get(8 + i * entry_len..8 + (i + 1) * entry_len)?;
        let media_time = if version == 1 {
            i64::from_be_bytes(entry.get(8..16)?.try_into().ok()?)
        } else {
            i64::from(i32::from_be_bytes(entry.get(4..8)?.try_into().ok()?))
        };
        u64::try_from(media_time).ok()
    })
}

fn child<'a>(parent: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    boxes(parent).find(|(k, _)| k == kind).map(|(_, body)| body)
}

fn be_u32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// Iterates over the boxes in `data` as (type, body); stops at the first malformed header.
fn boxes(data: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    let mut offset = 0usize;
    std::iter::from_fn(move || {
        let header = data.get(offset..offset + 8)?;
        let kind: [u8; 4] = header[4..8].try_into().ok()?;
        let (size, header_len) = match be_u32(&header[0..4]) {
            0 => (data.len() - offset, 8),
            1 => (usize::try_from(u64::from_be_bytes(data.get(offset + 8..offset + 16)?.try_into().ok()?)).ok()?, 16),
            n => (n as usize, 8),
        };
        if size < header_len {
            return None;
        }
        let body = data.get(offset + header_len..offset.checked_add(size)?)?;
        offset += size;
        Some((kind, body))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mp4_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(body);
        out
    }

    fn track(handler: &[u8; 4], elst_entries: &[(u32, i32)]) -> Vec<u8> {
        let mut elst = vec![0, 0, 0, 0];
        elst.extend_from_slice(&(elst_entries.len() as u32).to_be_bytes());
        for (duration, media_time) in elst_entries {
            elst.extend_from_slice(&duration.to_be_bytes());
            elst.extend_from_slice(&media_time.to_be_bytes());
            elst.extend_from_slice(&[0, 1, 0, 0]);
        }
        let mut hdlr = vec![0; 8];
        hdlr.extend_from_slice(handler);
        let mdia = mp4_box(b"mdia", &mp4_box(b"hdlr", &hdlr));
        let edts = mp4_box(b"edts", &mp4_box(b"elst", &elst));
        mp4_box(b"trak", &[edts, mdia].concat())
    }

    #[test]
    fn finds_the_audio_tracks_priming_not_the_videos() {
        let moov = mp4_box(b"moov", &[track(b"vide", &[(2272, 2002)]), track(b"soun", &[(2272, 1024)])].concat());
        let file = [mp4_box(b"ftyp", b"isom"), moov].concat();
        assert_eq!(audio_edit(&file), Some(AudioEdit { skip_frames: 1024 }));
    }

    #[test]
    fn skips_empty_edits() {
        let moov = mp4_box(b"moov", &track(b"soun", &[(10, -1), (2272, 2112)]));
        assert_eq!(audio_edit(&moov), Some(AudioEdit { skip_frames: 2112 }));
    }

    #[test]
    fn garbage_and_wav_bytes_have_no_edit() {
        assert_eq!(audio_edit(b"RIFF\x24\0\0\0WAVEfmt "), None);
        assert_eq!(audio_edit(&[0xff; 64]), None);
        assert_eq!(audio_edit(&[]), None);
    }
}
