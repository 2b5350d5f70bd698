//! Who is asking and what happens to the answers: the organisation running the surveys (from
//! `serve --organisation FILE.toml`: its name, an optional logo and a contact, in Arabic and
//! English), shown in the header, on the home page and on every start page, and the privacy
//! page `/privacy`, written from what the server really keeps (see [`Facts`]).
//!
//! The organisation file:
//!
//! ```toml
//! name = { ar = "مديرية شرطة البصرة", en = "Basra Police Directorate" }
//! contact = { ar = "الهاتف ٠٧٨٠٠٠٠٠٠٠٠", en = "Phone 07800000000" }   # optional
//! logo = "logo.svg"                                                    # optional, beside the file
//! ```

use std::path::Path;
use std::sync::{LazyLock, OnceLock};

use axum::{Router, routing::get};
use maud::Markup;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::Error;
use crate::survey::Text;

use super::AppState;
use super::views::{layout, privacy};
use super::visit::Visitor;

/// Largest logo accepted, in bytes: a logo is a small drawing, and it is on every page.
pub const LOGO_MAX_BYTES: usize = 100 * 1024;

/// The organisation that runs the surveys, as the public sees it.
#[derive(Debug, Clone)]
pub struct Organisation {
    pub name: Text,
    /// How to reach it (a phone, an address), shown as written.
    pub contact: Option<Text>,
    /// The logo's SVG text, served under a content-hashed URL ([`logo_href`]).
    pub logo: Option<String>,
}

/// What the server is configured to do with answers: the numbers the privacy page states.
#[derive(Debug, Clone, Copy)]
pub struct Facts {
    /// Hours without a saved page after which answers in progress are deleted
    /// (`serve --session-hours`).
    pub session_hours: u16,
}

impl Default for Facts {
    fn default() -> Facts {
        Facts {
            session_hours: u16::try_from(super::visit::INACTIVITY.whole_hours()).unwrap_or(21),
        }
    }
}

/// The organisation and the facts of this server: set once by `serve` before it listens.
#[derive(Debug, Clone, Default)]
pub struct About {
    pub organisation: Option<Organisation>,
    pub facts: Facts,
}

static ABOUT: OnceLock<About> = OnceLock::new();

/// Sets what the pages say about the server; only the first call counts (one server per
/// process).
pub fn install(about: About) {
    let _ = ABOUT.set(about);
}

/// What the pages say about the server (no organisation and the defaults when not installed,
/// as in unit tests).
pub fn about() -> &'static About {
    static DEFAULT: LazyLock<About> = LazyLock::new(About::default);
    ABOUT.get().unwrap_or(&DEFAULT)
}

/// The configured organisation, if any.
pub fn organisation() -> Option<&'static Organisation> {
    about().organisation.as_ref()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrganisation {
    name: RawText,
    contact: Option<RawText>,
    logo: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawText {
    ar: String,
    en: String,
}

impl RawText {
    fn into_text(self, what: &str, file: &Path) -> Result<Text, Error> {
        let (ar, en) = (self.ar.trim().to_string(), self.en.trim().to_string());
        if ar.is_empty() || en.is_empty() {
            return Err(Error::Other(format!(
                "{}: `{what}` needs both `ar` and `en`, not empty",
                file.display()
            )));
        }
        Ok(Text { ar, en })
    }
}

/// Reads an organisation file; the logo path is relative to the file's folder. Every problem
/// names the file.
pub fn load(file: &Path) -> Result<Organisation, Error> {
    let text = std::fs::read_to_string(file).map_err(|source| Error::Io {
        path: file.to_path_buf(),
        source,
    })?;
    let raw: RawOrganisation = toml::from_str(&text)
        .map_err(|e| Error::Other(format!("{}: {}", file.display(), e.message())))?;
    let logo = match raw.logo {
        None => None,
        Some(name) => {
            let path = file.parent().unwrap_or(Path::new(".")).join(&name);
            let bytes = std::fs::read(&path).map_err(|e| {
                Error::Other(format!("{}: logo {}: {e}", file.display(), path.display()))
            })?;
            if bytes.len() > LOGO_MAX_BYTES {
                return Err(Error::Other(format!(
                    "{}: the logo {} is {} KiB; keep it under {} KiB",
                    file.display(),
                    path.display(),
                    bytes.len() / 1024,
                    LOGO_MAX_BYTES / 1024
                )));
            }
            let svg = String::from_utf8(bytes).ok().filter(|s| s.contains("<svg"));
            match svg {
                Some(svg) => Some(svg),
                None => {
                    return Err(Error::Other(format!(
                        "{}: the logo {} must be an SVG file",
                        file.display(),
                        path.display()
                    )));
                }
            }
        }
    };
    Ok(Organisation {
        name: raw.name.into_text("name", file)?,
        contact: raw
            .contact
            .map(|c| c.into_text("contact", file))
            .transpose()?,
        logo,
    })
}

/// The logo's file name under `/static/`, with a hash of its content (cached for a year).
pub fn logo_file() -> Option<String> {
    static NAME: OnceLock<Option<String>> = OnceLock::new();
    NAME.get_or_init(|| {
        let svg = organisation()?.logo.as_ref()?;
        let hash = Sha256::digest(svg.as_bytes());
        let hex: String = hash.iter().take(5).map(|b| format!("{b:02x}")).collect();
        Some(format!("organisation.{hex}.svg"))
    })
    .clone()
}

/// The logo's URL, for `<img src>` (an image: its scripts, if any, never run).
pub fn logo_href() -> Option<String> {
    logo_file().map(|f| format!("/static/{f}"))
}

pub fn router() -> Router<AppState> {
    Router::new().route("/privacy", get(privacy_page))
}

async fn privacy_page(visitor: Visitor) -> Result<Markup, Error> {
    let lang = visitor.lang;
    let heading = privacy::HEADING.get(lang);
    let title = super::views::pages::title(lang, heading, None, false);
    let switch = layout::switch_href("/privacy", &[], lang);
    let stylesheet = super::assets::stylesheet_href();
    let chrome = layout::Chrome {
        lang,
        title: &title,
        switch_href: &switch,
        stylesheet: &stylesheet,
        kiosk: None,
        preview: false,
    };
    Ok(privacy::page(&chrome, about()))
}

#[cfg(test)]
mod tests {
    use super::load;

    fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn reads_name_contact_and_logo_and_names_the_file_on_errors() {
        let dir = std::env::temp_dir().join(format!("mizan-org-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        write(
            &dir,
            "logo.svg",
            r#"<svg xmlns="http://www.w3.org/2000/svg"/>"#,
        );
        let ok = write(
            &dir,
            "org.toml",
            "name = { ar = \"مديرية\", en = \"Directorate\" }\ncontact = { ar = \"هاتف\", en = \"Phone\" }\nlogo = \"logo.svg\"\n",
        );
        let org = load(&ok).unwrap();
        assert_eq!(org.name.en, "Directorate");
        assert_eq!(org.contact.unwrap().ar, "هاتف");
        assert!(org.logo.unwrap().starts_with("<svg"));

        for (text, expect) in [
            ("name = { ar = \"\", en = \"X\" }\n", "`name` needs both"),
            (
                "name = { ar = \"ع\", en = \"X\" }\nphone = \"1\"\n",
                "unknown field",
            ),
            (
                "name = { ar = \"ع\", en = \"X\" }\nlogo = \"org.toml\"\n",
                "must be an SVG",
            ),
            (
                "name = { ar = \"ع\", en = \"X\" }\nlogo = \"none.svg\"\n",
                "none.svg",
            ),
        ] {
            let bad = write(&dir, "bad.toml", text);
            let e = load(&bad).unwrap_err().to_string();
            assert!(e.contains(expect), "{text}: {e}");
            assert!(e.starts_with(&bad.display().to_string()), "{e}");
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
