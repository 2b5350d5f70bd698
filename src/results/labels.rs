//! Words for the numbers: the survey's own wording for each estimated variable, category and
//! domain value, in both languages, so that pages and workbooks never show bare codes when the
//! survey file has a label.

use std::collections::BTreeMap;

use crate::export::OPTION_SEPARATOR;
use crate::export::stamps::{channel_label, mode_label};
use crate::survey::{Survey, Text};

fn same(s: &str) -> Text {
    Text {
        ar: s.to_string(),
        en: s.to_string(),
    }
}

/// An index's label, a question's text (a grid row: its item text), a multiple-choice option
/// column's question and option; else the column name itself.
pub fn variable(survey: &Survey, name: &str) -> Text {
    if let Some(index) = survey.indices.iter().find(|i| i.id == name) {
        return index.label.clone();
    }
    if let Some(q) = survey.question_of(name) {
        return match q.grid_item(name) {
            Some(item) => Text {
                ar: format!("{} — {}", q.text.ar, item.text.ar),
                en: format!("{} — {}", q.text.en, item.text.en),
            },
            None => q.text.clone(),
        };
    }
    if let Some((key, code)) = name.split_once(OPTION_SEPARATOR) {
        if let Some(q) = survey.question(key) {
            if let Some(c) = q.choice(code) {
                return Text {
                    ar: format!("{} — {}", q.text.ar, c.label.ar),
                    en: format!("{} — {}", q.text.en, c.label.en),
                };
            }
        }
    }
    if let Some(m) = survey.metadata_field(name) {
        return m.label.clone();
    }
    same(name)
}

/// The label of one code of a column (a choice of its question), else the code.
pub fn value(survey: &Survey, column: &str, code: &str) -> Text {
    survey
        .question_of(column)
        .and_then(|q| q.choice(code))
        .map(|c| c.label.clone())
        .unwrap_or_else(|| same(code))
}

/// The Arabic name of each site (`site` → `site_ar`), as kiosk and interviewer responses
/// carry them.
pub type SiteNames = BTreeMap<String, String>;

/// The label of one value of a breakdown column: the channels and modes in words, a site by
/// its English name and, in Arabic, by its Arabic name when the responses carry one; the
/// language of the answers by its name; else as [`value`].
pub fn domain_value(survey: &Survey, domain: &str, code: &str, sites: &SiteNames) -> Text {
    let named = match domain {
        "channel" => channel_label(code),
        "mode" => mode_label(code),
        "lang" => match code {
            "ar" => Some(("العربية", "Arabic")),
            "en" => Some(("الإنجليزية", "English")),
            _ => None,
        }
        .map(|(ar, en)| Text {
            ar: ar.into(),
            en: en.into(),
        }),
        "site" => Some(Text {
            ar: sites.get(code).cloned().unwrap_or_else(|| code.to_string()),
            en: code.to_string(),
        }),
        _ => None,
    };
    named.unwrap_or_else(|| value(survey, domain, code))
}

/// The columns a results page can break estimates down by, with their labels: the sampling
/// metadata, the site of kiosk and interviewer responses (`site`, whether the survey declares
/// it or not), every single choice question, the channel and the language of the answers.
pub fn domain_columns(
    survey: &Survey,
    channel: Text,
    lang: Text,
    site: Text,
) -> Vec<(String, Text)> {
    let mut out: Vec<(String, Text)> = survey
        .metadata
        .iter()
        .map(|m| (m.id.clone(), m.label.clone()))
        .collect();
    if survey.metadata_field("site").is_none() {
        out.push(("site".into(), site));
    }
    for q in survey.questions() {
        if matches!(q.kind, crate::survey::QuestionKind::SingleChoice { .. }) {
            out.push((q.id.clone(), q.text.clone()));
        }
    }
    out.push(("channel".into(), channel));
    out.push(("lang".into(), lang));
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::survey::parse_str;

    fn t(ar: &str, en: &str) -> Text {
        Text {
            ar: ar.into(),
            en: en.into(),
        }
    }

    fn survey(metadata: &str) -> Survey {
        let src = format!(
            "id = \"t\"\nwave = \"w\"\ntitle = {{ ar = \"ع\", en = \"T\" }}\n{metadata}\n[[pages]]\nid = \"p\"\n[[pages.questions]]\nid = \"gender\"\ntype = \"single_choice\"\ntext = {{ ar = \"الجنس\", en = \"Gender\" }}\noptions = [{{ code = \"f\", ar = \"أنثى\", en = \"Female\" }}, {{ code = \"m\", ar = \"ذكر\", en = \"Male\" }}]\n"
        );
        parse_str(&src, Path::new("t.toml")).unwrap_or_else(|r| panic!("{r}"))
    }

    fn ids(columns: &[(String, Text)]) -> Vec<&str> {
        columns.iter().map(|(id, _)| id.as_str()).collect()
    }

    #[test]
    fn site_and_channel_are_offered_whether_declared_or_not() {
        let (channel, lang, site) = (
            t("قناة", "Channel"),
            t("لغة", "Language"),
            t("الموقع", "Site"),
        );
        let plain = domain_columns(&survey(""), channel.clone(), lang.clone(), site.clone());
        assert_eq!(ids(&plain), ["site", "gender", "channel", "lang"]);
        assert_eq!(plain[0].1, site);
        let declared = survey(
            "[[metadata]]\nid = \"stratum\"\nlabel = { ar = \"الطبقة\", en = \"Stratum\" }\n[[metadata]]\nid = \"site\"\nlabel = { ar = \"مركز الشرطة\", en = \"Police station\" }\n",
        );
        let columns = domain_columns(&declared, channel, lang, site);
        assert_eq!(
            ids(&columns),
            ["stratum", "site", "gender", "channel", "lang"]
        );
        assert_eq!(
            columns[1].1,
            t("مركز الشرطة", "Police station"),
            "the survey's own label"
        );
    }

    #[test]
    fn breakdown_groups_read_as_words() {
        let s = survey("");
        let none = SiteNames::new();
        for (code, ar, en) in [
            ("link", "رابط مشترك", "Shared link"),
            ("kiosk", "شاشة الخدمة الذاتية (كشك)", "Kiosk"),
            ("interviewer", "مقابلة ميدانية", "Field interview"),
            (
                "invitation",
                "دعوة ضمن عيّنة مسحوبة",
                "Invitation (drawn sample)",
            ),
        ] {
            assert_eq!(domain_value(&s, "channel", code, &none), t(ar, en));
        }
        // A channel without a label yet reads as its code rather than disappearing.
        assert_eq!(
            domain_value(&s, "channel", "sms-panel", &none),
            t("sms-panel", "sms-panel")
        );
        let sites = SiteNames::from([(
            "Karrada station".to_string(),
            "مركز شرطة الكرادة".to_string(),
        )]);
        assert_eq!(
            domain_value(&s, "site", "Karrada station", &sites),
            t("مركز شرطة الكرادة", "Karrada station")
        );
        // Without an Arabic name the English one is shown in both.
        assert_eq!(
            domain_value(&s, "site", "Basra Central", &sites),
            t("Basra Central", "Basra Central")
        );
        assert_eq!(
            domain_value(&s, "lang", "ar", &none),
            t("العربية", "Arabic")
        );
        assert_eq!(
            domain_value(&s, "mode", "face-to-face", &none).en,
            "Face to face (field interview)"
        );
        // Other columns: the survey's labels, as before.
        assert_eq!(domain_value(&s, "gender", "f", &none), t("أنثى", "Female"));
    }
}
