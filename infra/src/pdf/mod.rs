//! Invoice and credit-note PDFs, rendered in-process with krilla.
//!
//! krilla (with its `simple-text` feature) embeds subsets of the bundled Noto fonts and shapes
//! text with rustybuzz, so Devanagari and Tamil names render with their conjuncts and vowel
//! signs, and writes the text's Unicode so the PDF can be searched and read back. It lives in
//! `infra` beside the other adapters: it is the one heavy, non-business dependency of the
//! invoice step, and keeping it out of `domain` keeps that crate pure and quick to build.

mod fonts;
mod layout;
mod report;
mod text;

pub use layout::{Align, Op, PAGE_HEIGHT, PAGE_WIDTH, layout};
pub use report::{TableReport, layout_report};
pub use text::{amount, money};

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::surface::Surface;
use mtbp_domain::invoice::InvoiceDocument;

/// The content type of what [`render`] makes.
pub const CONTENT_TYPE: &str = "application/pdf";

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
#[error("rendering the PDF failed: {0}")]
pub struct PdfError(String);

/// Renders a document to PDF bytes.
pub fn render(doc: &InvoiceDocument) -> Result<Vec<u8>, PdfError> {
    render_pages(
        &format!("{} {}", doc.kind.title(), doc.number),
        &layout(doc),
    )
}

/// Renders a table report to PDF bytes.
pub fn render_report(report: &TableReport) -> Result<Vec<u8>, PdfError> {
    render_pages(&report.title, &layout_report(report))
}

/// Draws laid-out pages into a PDF titled `title`.
pub fn render_pages(title: &str, pages: &[Vec<Op>]) -> Result<Vec<u8>, PdfError> {
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .creator("mtbp".to_owned()),
    );
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
        .ok_or_else(|| PdfError("bad page size".into()))?;
    for ops in pages {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in ops {
            draw(&mut surface, op);
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| PdfError(format!("{e:?}")))
}

fn draw(surface: &mut Surface<'_>, op: &Op) {
    match op {
        Op::Text {
            x,
            y,
            size,
            bold,
            align,
            text,
        } => {
            let runs = fonts::shape(text, *bold);
            let width: f32 = runs.iter().map(|r| r.width_em).sum::<f32>() * size;
            let mut pen = match align {
                Align::Left => *x,
                Align::Right => x - width,
            };
            for run in runs {
                surface.draw_glyphs(
                    Point::from_xy(pen, *y),
                    &run.glyphs,
                    run.font.clone(),
                    &run.text,
                    *size,
                    false,
                );
                pen += run.width_em * size;
            }
        }
        Op::Rule { x1, x2, y } => {
            let mut path = PathBuilder::new();
            path.move_to(*x1, *y);
            path.line_to(*x2, *y);
            if let Some(path) = path.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    paint: rgb::Color::new(120, 120, 120).into(),
                    width: 0.5,
                    ..Default::default()
                }));
                surface.draw_path(&path);
                surface.set_stroke(None);
                surface.set_fill(Some(Default::default()));
            }
        }
    }
}

#[cfg(test)]
mod tests;
