//! The bundled fonts (Noto Sans, Noto Sans Devanagari, Noto Sans Tamil; OFL, see
//! `assets/fonts/`), and shaping a string into runs of glyphs, one font per run.
//!
//! krilla shapes one font at a time and does no fallback, so a name that mixes scripts is cut
//! into runs here: each character goes to the font of its script (or the first that has it),
//! spaces and joiners stay with the run they are in so shaping keeps its context.

use krilla::text::{Font, GlyphId, KrillaGlyph};
use std::sync::OnceLock;

static LATIN: &[u8] = include_bytes!("../../../assets/fonts/NotoSans-Regular.ttf");
static LATIN_BOLD: &[u8] = include_bytes!("../../../assets/fonts/NotoSans-Bold.ttf");
static DEVANAGARI: &[u8] = include_bytes!("../../../assets/fonts/NotoSansDevanagari-Regular.ttf");
static TAMIL: &[u8] = include_bytes!("../../../assets/fonts/NotoSansTamil-Regular.ttf");

/// A face of the bundled set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Face {
    /// Noto Sans.
    Latin,
    /// Noto Sans Bold.
    LatinBold,
    /// Noto Sans Devanagari.
    Devanagari,
    /// Noto Sans Tamil.
    Tamil,
}

struct Loaded {
    pdf: Font,
    shaper: rustybuzz::Face<'static>,
}

fn bytes(face: Face) -> &'static [u8] {
    match face {
        Face::Latin => LATIN,
        Face::LatinBold => LATIN_BOLD,
        Face::Devanagari => DEVANAGARI,
        Face::Tamil => TAMIL,
    }
}

fn loaded(face: Face) -> &'static Loaded {
    static FACES: [OnceLock<Loaded>; 4] = [const { OnceLock::new() }; 4];
    FACES[face as usize].get_or_init(|| {
        let data = bytes(face);
        // The fonts are compiled in and known good: a failure here is a broken build.
        Loaded {
            pdf: Font::new(data.into(), 0)
                .unwrap_or_else(|| unreachable!("bundled font {face:?} loads")),
            shaper: rustybuzz::Face::from_slice(data, 0)
                .unwrap_or_else(|| unreachable!("bundled font {face:?} parses")),
        }
    })
}

/// Whether `face` has a glyph for `c`.
pub fn covers(face: Face, c: char) -> bool {
    loaded(face).shaper.glyph_index(c).is_some()
}

fn script_face(c: char, bold: bool) -> Option<Face> {
    match c as u32 {
        0x0900..=0x097F | 0xA8E0..=0xA8FF | 0x1CD0..=0x1CFF => Some(Face::Devanagari),
        0x0B80..=0x0BFF => Some(Face::Tamil),
        _ if c.is_whitespace() || c == '\u{200C}' || c == '\u{200D}' => None,
        _ if bold && covers(Face::LatinBold, c) => Some(Face::LatinBold),
        _ => [Face::Latin, Face::Devanagari, Face::Tamil]
            .into_iter()
            .find(|f| covers(*f, c))
            .or(Some(Face::Latin)),
    }
}

/// A run of text in one face, shaped.
pub struct Run {
    /// The face.
    pub font: Font,
    /// The run's text.
    pub text: String,
    /// Its glyphs, advances in em.
    pub glyphs: Vec<KrillaGlyph>,
    /// Its width in em.
    pub width_em: f32,
}

/// Cuts `text` into runs by face and shapes each.
pub fn shape(text: &str, bold: bool) -> Vec<Run> {
    let base = if bold { Face::LatinBold } else { Face::Latin };
    let mut pieces: Vec<(Face, String)> = Vec::new();
    for c in text.chars() {
        let face = script_face(c, bold);
        match (pieces.last_mut(), face) {
            (Some((_, s)), None) => s.push(c),
            (Some((f, s)), Some(face)) if *f == face => s.push(c),
            (_, face) => pieces.push((face.unwrap_or(base), c.to_string())),
        }
    }
    pieces
        .into_iter()
        .map(|(face, text)| shape_run(face, text))
        .collect()
}

fn shape_run(face: Face, text: String) -> Run {
    let loaded = loaded(face);
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(&text);
    buffer.guess_segment_properties();
    let output = rustybuzz::shape(&loaded.shaper, &[], buffer);
    let upem = loaded.pdf.units_per_em();
    let infos = output.glyph_infos();
    let positions = output.glyph_positions();
    let mut glyphs = Vec::with_capacity(infos.len());
    let mut width_em = 0.0;
    for (i, (info, pos)) in infos.iter().zip(positions).enumerate() {
        let start = info.cluster as usize;
        // A cluster ends where the next glyph's begins (left-to-right scripts only here).
        let end = infos[i + 1..]
            .iter()
            .map(|n| n.cluster as usize)
            .find(|&c| c != start)
            .unwrap_or(text.len());
        let advance = pos.x_advance as f32 / upem;
        width_em += advance;
        glyphs.push(KrillaGlyph::new(
            GlyphId::new(info.glyph_id),
            advance,
            pos.x_offset as f32 / upem,
            pos.y_offset as f32 / upem,
            pos.y_advance as f32 / upem,
            start..end.max(start),
            None,
        ));
    }
    Run {
        font: loaded.pdf.clone(),
        text,
        glyphs,
        width_em,
    }
}
