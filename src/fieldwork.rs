//! The rules of fieldwork outside the public link, written once for the command line and the
//! admin pages: what a kiosk registration and an interviewer's area must hold, enrolment codes,
//! and interviewers' pseudonymous codes.
//!
//! Strata and clusters are codes (`[a-z0-9][a-z0-9_-]*`, as in survey files); when a survey
//! restricts the values of its `stratum` or `cluster` metadata, a kiosk running it must use
//! one of them, so that its responses can be weighted.

use crate::db::NewKiosk;
use crate::survey::{Survey, Text};

/// Idle timeout of a kiosk when none is given, and its bounds. The warning comes
/// [`KIOSK_WARNING_SECONDS`] before the end, so the shortest timeout leaves half a minute of
/// quiet reading before it.
pub const KIOSK_IDLE_DEFAULT: u32 = 120;
pub const KIOSK_IDLE_MIN: u32 = 60;
pub const KIOSK_IDLE_MAX: u32 = 3600;
/// How long before the idle timeout a kiosk warns (WCAG 2.2.1 asks for at least 20 s).
pub const KIOSK_WARNING_SECONDS: u32 = 30;
/// Longest site name, in characters.
const SITE_CHARS: usize = 100;

/// A kiosk registration as typed (command line or admin form).
#[derive(Debug, Clone, Default)]
pub struct KioskForm {
    pub surveys: Vec<String>,
    pub site_ar: String,
    pub site_en: String,
    pub stratum: String,
    pub cluster: String,
    pub idle_seconds: Option<u32>,
}

/// A problem with a form field, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: &'static str,
    pub message: Text,
}

fn problem(field: &'static str, ar: String, en: String) -> FieldProblem {
    FieldProblem {
        field,
        message: Text { ar, en },
    }
}

fn is_code(s: &str) -> bool {
    crate::survey::load::is_valid_code(s)
}

/// Check a stratum and cluster (empty: none) against the codes rule and, for each survey, the
/// values it declares for `stratum` and `cluster`.
fn check_area_for(surveys: &[&Survey], stratum: &str, cluster: &str) -> Vec<FieldProblem> {
    let mut out = Vec::new();
    if !is_code(stratum) {
        out.push(problem(
            "stratum",
            "اكتب رمز الطبقة بحروف لاتينية صغيرة وأرقام (مثل urban أو baghdad)".into(),
            "Enter the stratum as a code of lower-case letters and digits (e.g. urban, baghdad)"
                .into(),
        ));
    }
    if !cluster.is_empty() && !is_code(cluster) {
        out.push(problem(
            "cluster",
            "اكتب رمز العنقود بحروف لاتينية صغيرة وأرقام، أو اتركه فارغًا".into(),
            "Enter the cluster as a code of lower-case letters and digits, or leave it empty"
                .into(),
        ));
    }
    for survey in surveys {
        for (field, value) in [("stratum", stratum), ("cluster", cluster)] {
            let Some(declared) = survey.metadata_field(field) else {
                continue;
            };
            if value.is_empty() || declared.values.is_empty() || !out.is_empty() {
                continue;
            }
            if !declared.values.iter().any(|v| v == value) {
                let list = declared.values.join(", ");
                out.push(problem(
                    field,
                    format!(
                        "«{value}» ليست من قيم {field} في الاستبيان {}: {list}",
                        survey.id
                    ),
                    format!(
                        "`{value}` is not one of the {field} values of survey {}: {list}",
                        survey.id
                    ),
                ));
            }
        }
    }
    out
}

/// A kiosk registration, checked against the loaded surveys: every problem at once.
pub fn check_kiosk(all: &[&Survey], form: &KioskForm) -> Result<NewKiosk, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut surveys = Vec::new();
    if form.surveys.is_empty() {
        problems.push(problem(
            "survey",
            "اختر استبيانًا واحدًا على الأقل".into(),
            "Choose at least one survey".into(),
        ));
    }
    for id in &form.surveys {
        match all.iter().find(|s| s.id == *id) {
            Some(s) if !surveys.iter().any(|x: &&Survey| x.id == s.id) => surveys.push(*s),
            Some(_) => {}
            None => problems.push(problem(
                "survey",
                format!("لا يوجد استبيان بالمعرّف {id}"),
                format!("There is no survey `{id}`"),
            )),
        }
    }
    let site = |s: &str| {
        let s = s.trim();
        !s.is_empty() && s.chars().count() <= SITE_CHARS && !s.chars().any(char::is_control)
    };
    if !site(&form.site_ar) {
        problems.push(problem(
            "site_ar",
            format!("اكتب اسم الموقع بالعربية (حتى {SITE_CHARS} حرف)"),
            format!("Enter the site's name in Arabic (up to {SITE_CHARS} characters)"),
        ));
    }
    if !site(&form.site_en) {
        problems.push(problem(
            "site_en",
            format!("اكتب اسم الموقع بالإنجليزية (حتى {SITE_CHARS} حرف)"),
            format!("Enter the site's name in English (up to {SITE_CHARS} characters)"),
        ));
    }
    let (stratum, cluster) = (form.stratum.trim(), form.cluster.trim());
    problems.extend(check_area_for(&surveys, stratum, cluster));
    let idle = form.idle_seconds.unwrap_or(KIOSK_IDLE_DEFAULT);
    if !(KIOSK_IDLE_MIN..=KIOSK_IDLE_MAX).contains(&idle) {
        problems.push(problem(
            "idle_seconds",
            format!("مهلة الخمول بين {KIOSK_IDLE_MIN} و{KIOSK_IDLE_MAX} ثانية"),
            format!(
                "The idle timeout must be between {KIOSK_IDLE_MIN} and {KIOSK_IDLE_MAX} seconds"
            ),
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(NewKiosk {
        surveys: surveys.iter().map(|s| s.id.clone()).collect(),
        site_ar: form.site_ar.trim().to_string(),
        site_en: form.site_en.trim().to_string(),
        stratum: stratum.to_string(),
        cluster: cluster.to_string(),
        idle_seconds: idle,
    })
}

/// An interviewer's area, checked like a kiosk's (the surveys' declared values, if any).
pub fn check_area(
    all: &[&Survey],
    stratum: &str,
    cluster: &str,
) -> Result<(String, String), Vec<FieldProblem>> {
    let (stratum, cluster) = (stratum.trim(), cluster.trim());
    // An area serves every survey that accepts its values; it must fit at least one.
    let fits_one = all.is_empty()
        || all
            .iter()
            .any(|s| check_area_for(&[*s], stratum, cluster).is_empty());
    let mut problems = check_area_for(&[], stratum, cluster);
    if problems.is_empty() && !fits_one {
        problems = check_area_for(all, stratum, cluster);
    }
    if problems.is_empty() {
        Ok((stratum.to_string(), cluster.to_string()))
    } else {
        Err(problems)
    }
}

/// Whether a survey accepts responses stamped with this area.
pub fn survey_accepts_area(survey: &Survey, stratum: &str, cluster: &str) -> bool {
    check_area_for(&[survey], stratum, cluster).is_empty()
}

/// A new one-time enrolment code (128 random bits, hex).
pub fn new_enrolment_code() -> crate::Result<String> {
    Ok(hex(&crate::db::random_bytes::<16>()?))
}

/// The path an admin opens once in the kiosk's browser.
pub fn enrolment_path(code: &str) -> String {
    format!("/kiosk/enrol/{code}")
}

/// An enrolment code as it may appear in a URL: 32 lower-case hex digits.
pub fn is_enrolment_code(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The pseudonymous code stamped on an interviewer's responses: the same for one account
/// within one wave (analysts can study interviewer effects), different across waves, and
/// unlinkable to the account without the server's secret. A keyed SHA-256 of wave and name,
/// cut to 32 bits.
pub fn interviewer_code(secret: &[u8], wave: &str, name: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(b"mizan interviewer code\0")
        .chain_update(secret)
        .chain_update(b"\0")
        .chain_update(wave.as_bytes())
        .chain_update(b"\0")
        .chain_update(name.as_bytes())
        .finalize();
    format!("INT-{}", hex(&digest[..4]).to_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn survey() -> Survey {
        let src = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/surveys/citizen-security.toml"
        ))
        .unwrap();
        crate::survey::load::parse_str(&src, std::path::Path::new("citizen-security.toml")).unwrap()
    }

    fn form() -> KioskForm {
        KioskForm {
            surveys: vec!["citizen-security".into()],
            site_ar: "مركز شرطة الكرادة".into(),
            site_en: "Karrada police station".into(),
            stratum: "urban".into(),
            cluster: "karrada".into(),
            idle_seconds: None,
        }
    }

    #[test]
    fn a_good_kiosk_is_accepted_with_the_default_timeout() {
        let s = survey();
        let k = check_kiosk(&[&s], &form()).unwrap();
        assert_eq!(k.idle_seconds, KIOSK_IDLE_DEFAULT);
        assert_eq!(k.stratum, "urban");
        assert_eq!(k.surveys, vec!["citizen-security".to_string()]);
    }

    #[test]
    fn every_problem_of_a_kiosk_is_reported_at_once() {
        let s = survey();
        let bad = KioskForm {
            surveys: vec!["nope".into()],
            site_ar: " ".into(),
            site_en: "x".repeat(101),
            stratum: "Urban!".into(),
            cluster: "".into(),
            idle_seconds: Some(10),
        };
        let fields: Vec<&str> = check_kiosk(&[&s], &bad)
            .unwrap_err()
            .iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(
            fields,
            ["survey", "site_ar", "site_en", "stratum", "idle_seconds"]
        );
    }

    #[test]
    fn a_stratum_the_survey_does_not_declare_is_refused() {
        let s = survey();
        let mut f = form();
        f.stratum = "suburban".into();
        let p = check_kiosk(&[&s], &f).unwrap_err();
        assert_eq!(p[0].field, "stratum");
        assert!(p[0].message.en.contains("urban, rural"), "{:?}", p[0]);
        assert!(check_area(&[&s], "suburban", "").is_err());
        assert_eq!(
            check_area(&[&s], " rural ", "c7").unwrap(),
            ("rural".into(), "c7".into())
        );
    }

    #[test]
    fn interviewer_codes_are_stable_within_a_wave_and_differ_across() {
        let secret = [7u8; 32];
        let a = interviewer_code(&secret, "2026-W1", "سعاد");
        assert_eq!(a, interviewer_code(&secret, "2026-W1", "سعاد"));
        assert_ne!(a, interviewer_code(&secret, "2026-W2", "سعاد"));
        assert_ne!(a, interviewer_code(&secret, "2026-W1", "سعاد2"));
        assert_ne!(a, interviewer_code(&[8u8; 32], "2026-W1", "سعاد"));
        assert!(a.starts_with("INT-") && a.len() == 12 && !a.contains("سعاد"));
    }

    #[test]
    fn enrolment_codes_are_random_and_well_formed() {
        let a = new_enrolment_code().unwrap();
        assert!(is_enrolment_code(&a));
        assert_ne!(a, new_enrolment_code().unwrap());
        assert!(!is_enrolment_code("../../etc/passwd"));
        assert_eq!(enrolment_path(&a), format!("/kiosk/enrol/{a}"));
    }
}
