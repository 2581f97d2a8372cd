//! The one piece of MP4/MOV structure symphonia does not apply: the audio track's edit list.
//!
//! AAC encoders emit priming frames (1024 for ffmpeg's encoder, 2112 for Apple's) before the
//! first real sample and record that in the `elst` box as the edit's `media_time`. ffmpeg (and so
//! librosa, which decodes video through ffmpeg) skips them. This module reads just enough of the
//! ISO-BMFF box tree (`moov/trak/{edts/elst, mdia/hdlr}`) to find that offset.

use std::io::{Read, Seek, SeekFrom};

/// ffmpeg's priming convention for AAC when a file carries no edit list.
pub const AAC_PRIMING_FRAMES: u64 = 1024;

/// The start of the audible part of the first audio track, from its edit list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioEdit {
    /// Frames (in the track's media time scale, i.e. samples) to drop from the start.
    pub skip_frames: u64,
}

/// Largest `moov` box [`audio_edit_from_reader`] reads. A 2-hour video's `moov` (sample
/// tables) is a few MB; anything beyond this is not worth holding in memory for one offset.
pub const MAX_MOOV_BYTES: u64 = 256 << 20;

/// Reads the first audio track's edit list, if the bytes are an MP4/MOV file that has one.
#[must_use]
pub fn audio_edit(bytes: &[u8]) -> Option<AudioEdit> {
    let moov = boxes(bytes).find(|(kind, _)| kind == b"moov")?.1;
    audio_edit_in_moov(moov)
}

/// As [`audio_edit`], reading only the top-level box headers and the `moov` box from `reader`
/// (from its start) instead of the whole file. The reader's position is left anywhere.
///
/// Walks the same boxes as [`audio_edit`] and stops where it stops (a box whose size is
/// smaller than its header or runs past the end of the file). A `moov` larger than
/// [`MAX_MOOV_BYTES`] is treated as absent. I/O errors are returned.
pub fn audio_edit_from_reader<R: Read + Seek>(reader: &mut R) -> std::io::Result<Option<AudioEdit>> {
    let file_len = reader.seek(SeekFrom::End(0))?;
    let mut offset = 0u64;
    loop {
        let mut header = [0u8; 16];
        if file_len.saturating_sub(offset) < 8 {
            return Ok(None);
        }
        reader.seek(SeekFrom::Start(offset))?;
        reader.read_exact(&mut header[..8])?;
        let kind: [u8; 4] = [header[4], header[5], header[6], header[7]];
        let (size, header_len) = match be_u32(&header[0..4]) {
            0 => (file_len - offset, 8),
            1 => {
                if file_len - offset < 16 {
                    return Ok(None);
                }
                reader.read_exact(&mut header[8..16])?;
                let mut large = [0u8; 8];
                large.copy_from_slice(&header[8..16]);
                (u64::from_be_bytes(large), 16)
            }
            n => (u64::from(n), 8),
        };
        if size < header_len || size > file_len - offset {
            return Ok(None);
        }
        if &kind == b"moov" {
            let body_len = size - header_len;
            if body_len > MAX_MOOV_BYTES {
                return Ok(None);
            }
            let mut body = Vec::new();
            body.try_reserve_exact(body_len as usize).map_err(std::io::Error::other)?;
            reader.take(body_len).read_to_end(&mut body)?;
            return Ok(audio_edit_in_moov(&body));
        }
        offset += size;
    }
}

/// The first audio track's edit in the body of a `moov` box.
fn audio_edit_in_moov(moov: &[u8]) -> Option<AudioEdit> {
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
    /// The reader sees the same edit as the byte parser, for whole files and cut ones.
    fn both(file: &[u8]) -> (Option<AudioEdit>, Option<AudioEdit>) {
        let from_reader = audio_edit_from_reader(&mut std::io::Cursor::new(file)).expect("in-memory read");
        (audio_edit(file), from_reader)
    }

    #[test]
    fn reader_agrees_with_bytes() {
        let moov = mp4_box(b"moov", &[track(b"vide", &[(2272, 2002)]), track(b"soun", &[(2272, 1024)])].concat());
        let file = [mp4_box(b"ftyp", b"isom"), mp4_box(b"mdat", &[0; 100]), moov].concat();
        let (a, b) = both(&file);
        assert_eq!(a, Some(AudioEdit { skip_frames: 1024 }));
        assert_eq!(a, b);
        for cut in 0..file.len() {
            let (a, b) = both(&file[..cut]);
            assert_eq!(a, b, "cut at {cut}");
        }
        let mut large = 1u32.to_be_bytes().to_vec();
        large.extend_from_slice(b"free");
        large.extend_from_slice(&24u64.to_be_bytes());
        large.extend_from_slice(&[0; 8]);
        let file = [large, file].concat();
        assert_eq!(both(&file), (Some(AudioEdit { skip_frames: 1024 }), Some(AudioEdit { skip_frames: 1024 })));
        assert_eq!(both(b"RIFF\x24\0\0\0WAVEfmt "), (None, None));
    }
}
