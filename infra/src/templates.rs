//! Message templates in files, rendered with `minijinja`:
//! `{dir}/{kind}/{channel}.{lang}.{part}`, where an email has the parts `subject`, `txt` and
//! `html` and a text message the part `txt`. HTML parts are auto-escaped; the others are not.
//!
//! English (`en`) exists for every kind and channel (checked at start-up); other languages
//! are used where their files exist.

use minijinja::{Environment, path_loader};
use mtbp_domain::{Channel, NotificationKind};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// A rendered email.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedEmail {
    /// The template's name, e.g. `confirmation/email.hi` (recorded with the notification).
    pub template: String,
    /// Subject line (one line: surrounding whitespace trimmed).
    pub subject: String,
    /// Plain-text part.
    pub text: String,
    /// HTML part.
    pub html: String,
}

/// A rendered text message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedText {
    /// The template's name, e.g. `reminder/sms.en`.
    pub template: String,
    /// The message.
    pub text: String,
}

/// The templates of one directory.
#[derive(Debug)]
pub struct Templates {
    dir: PathBuf,
    env: Environment<'static>,
}

impl Templates {
    /// Loads the templates under `dir`; fails if an English template is missing.
    pub fn new(dir: &Path) -> anyhow::Result<Self> {
        let mut env = Environment::new();
        env.set_loader(path_loader(dir));
        env.set_trim_blocks(true);
        let templates = Self {
            dir: dir.to_owned(),
            env,
        };
        for kind in NotificationKind::ALL {
            for name in
                parts(kind, Channel::Email, "en")
                    .into_iter()
                    .chain(parts(kind, Channel::Sms, "en"))
            {
                anyhow::ensure!(
                    dir.join(&name).is_file(),
                    "template {name} is missing under {}",
                    dir.display()
                );
            }
        }
        Ok(templates)
    }

    /// The languages `kind` has on `channel` (every part present), English included.
    pub fn languages(&self, kind: NotificationKind, channel: Channel) -> Vec<String> {
        let prefix = format!("{}.", channel.as_str());
        let Ok(entries) = std::fs::read_dir(self.dir.join(kind.as_str())) else {
            return vec!["en".into()];
        };
        let mut langs: Vec<String> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter_map(|f| Some(f.strip_prefix(&prefix)?.split('.').next()?.to_owned()))
            .filter(|lang| {
                parts(kind, channel, lang)
                    .iter()
                    .all(|p| self.dir.join(p).is_file())
            })
            .collect();
        langs.sort();
        langs.dedup();
        langs
    }

    /// Renders `kind`'s email in `lang` with `ctx`.
    pub fn email(
        &self,
        kind: NotificationKind,
        lang: &str,
        ctx: &impl Serialize,
    ) -> anyhow::Result<RenderedEmail> {
        let base = format!("{}/email.{lang}", kind.as_str());
        Ok(RenderedEmail {
            subject: self
                .render(&format!("{base}.subject"), ctx)?
                .trim()
                .to_owned(),
            text: self.render(&format!("{base}.txt"), ctx)?,
            html: self.render(&format!("{base}.html"), ctx)?,
            template: base,
        })
    }

    /// Renders `kind`'s text message in `lang` with `ctx`.
    pub fn text(
        &self,
        kind: NotificationKind,
        lang: &str,
        ctx: &impl Serialize,
    ) -> anyhow::Result<RenderedText> {
        let base = format!("{}/sms.{lang}", kind.as_str());
        Ok(RenderedText {
            text: self.render(&format!("{base}.txt"), ctx)?.trim().to_owned(),
            template: base,
        })
    }

    fn render(&self, name: &str, ctx: &impl Serialize) -> anyhow::Result<String> {
        let template = self.env.get_template(name)?;
        Ok(template.render(ctx)?)
    }
}

/// The files one message of `kind` on `channel` in `lang` needs.
fn parts(kind: NotificationKind, channel: Channel, lang: &str) -> Vec<String> {
    let exts: &[&str] = match channel {
        Channel::Email => &["subject", "txt", "html"],
        Channel::Sms => &["txt"],
    };
    exts.iter()
        .map(|ext| format!("{}/{}.{lang}.{ext}", kind.as_str(), channel.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NotifySettings;

    fn templates() -> Templates {
        let dir = NotifySettings::from_env().expect("settings").template_dir;
        Templates::new(&dir).expect("the checkout's templates")
    }

    #[test]
    fn every_kind_has_english_and_confirmation_has_hindi() {
        let t = templates();
        for kind in NotificationKind::ALL {
            assert!(t.languages(kind, Channel::Email).contains(&"en".to_owned()));
        }
        let langs = t.languages(NotificationKind::Confirmation, Channel::Email);
        assert!(langs.contains(&"hi".to_owned()), "{langs:?}");
    }

    #[test]
    fn html_parts_escape_what_they_are_given() {
        let ctx = serde_json::json!({"name": "<b>Asha</b>", "ticket_code": "T1", "movie": "M",
            "theater": "T", "city": "C", "address": "A", "screen": "S", "starts_at": "now",
            "seats": ["A1"], "vouchers": [], "total": "₹1", "qr_cid": "qr"});
        let mail = templates()
            .email(NotificationKind::Confirmation, "en", &ctx)
            .expect("renders");
        assert!(mail.html.contains("&lt;b&gt;Asha"), "{}", mail.html);
        assert!(mail.text.contains("<b>Asha</b>"));
        assert!(mail.subject.contains("T1"));
    }
}
