//! What the channels stamp on a response (in its `metadata`), as export columns: `wave` (every
//! channel), then `mode, site, site_ar, stratum, cluster, interviewer` (kiosks and
//! interviewers), after `channel` and `source`. Shared-link responses carry only the wave. A survey that declares one of them as a
//! `[[metadata]]` field keeps it at its declared place, with its label; it is filled from the
//! same key, so a name is never two columns.

use std::collections::BTreeMap;

use crate::survey::Text;

/// One stamp: its column (and metadata key), what it holds and which channels fill it, in
/// the plain words of the codebook.
pub struct Stamp {
    pub name: &'static str,
    pub what: (&'static str, &'static str),
    pub filled: (&'static str, &'static str),
}

/// `mode` when a response has no `mode` stamp: the respondent answered alone.
pub const SELF_COMPLETED: &str = "self";
/// `mode` of an interview.
pub const FACE_TO_FACE: &str = "face-to-face";

const BY_SITE: (&str, &str) = (
    "تملؤه استجابات الكشك والمقابلات الميدانية؛ فارغ في استجابات الرابط المشترك.",
    "Filled for kiosk and field-interview responses; empty for shared-link responses.",
);

/// The stamps, in column order.
pub const STAMPS: [Stamp; 8] = [
    Stamp {
        name: "wave",
        what: (
            "جولة العمل الميداني المعلنة في ملف الاستبيان عند إرسال الإجابة (مثل 2026-W1).",
            "The fieldwork wave the survey file declared when the response was submitted (e.g. 2026-W1).",
        ),
        filled: (
            "مملوء لكل استجابة من كل القنوات (فارغ في استجابات ما قبل تخزين الجولة).",
            "Filled for every response of every channel (empty for responses stored before waves were recorded).",
        ),
    },
    Stamp {
        name: "mode",
        what: (
            "طريقة الإجابة: face-to-face (طرح مقابِل ميداني الأسئلة وأدخل الإجابات) أو self (أجاب المشارك بنفسه عبر الرابط المشترك أو في الكشك).",
            "How the questions were answered: face-to-face (a field interviewer asked them and entered the answers) or self (the respondent answered alone, by shared link or at a kiosk).",
        ),
        filled: ("مملوء لكل استجابة.", "Filled for every response."),
    },
    Stamp {
        name: "site",
        what: (
            "موقع الجمع (مركز الشرطة الذي فيه الكشك، أو موقع المقابلة)، باسمه الإنجليزي.",
            "Where the response was collected (the police station of the kiosk, or the interview's site), its name in English.",
        ),
        filled: BY_SITE,
    },
    Stamp {
        name: "site_ar",
        what: (
            "موقع الجمع، باسمه العربي (الموقع نفسه في العمود site).",
            "Where the response was collected, its name in Arabic (the same site as column site).",
        ),
        filled: BY_SITE,
    },
    Stamp {
        name: "stratum",
        what: ("طبقة المعاينة للموقع.", "The sampling stratum of the site."),
        filled: BY_SITE,
    },
    Stamp {
        name: "cluster",
        what: (
            "عنقود المعاينة (وحدة المعاينة الأولية) للموقع.",
            "The sampling cluster (primary sampling unit) of the site.",
        ),
        filled: BY_SITE,
    },
    Stamp {
        name: "interviewer",
        what: (
            "رمز مستعار للمقابِل الميداني (مثل INT-3F9A2C)، لا اسمه ولا حسابه: الرمز نفسه لكل مقابلات المقابِل نفسه.",
            "A pseudonymous code of the field interviewer (such as INT-3F9A2C), never a name or an account: the same code for every interview by the same interviewer.",
        ),
        filled: (
            "تملؤه المقابلات الميدانية وحدها؛ فارغ في استجابات الكشك والرابط المشترك.",
            "Filled for field-interview responses only; empty for kiosk and shared-link responses.",
        ),
    },
    Stamp {
        name: "base_weight",
        what: (
            "وزن التصميم الأساسي (١ ÷ احتمال الاختيار) للوحدة المسحوبة في العيّنة الاحتمالية.",
            "The base design weight (1 / probability of selection) of the unit drawn in the probability sample.",
        ),
        filled: (
            "تملؤه استجابات الدعوات (العيّنة المسحوبة) وحدها؛ فارغ في القنوات الأخرى (عيّنة غير احتمالية).",
            "Filled for invitation (drawn sample) responses only; empty on other channels (non-probability).",
        ),
    },
];

/// The stamp named `name`, if it is one.
pub fn stamp(name: &str) -> Option<&'static Stamp> {
    STAMPS.iter().find(|s| s.name == name)
}

impl Stamp {
    /// What the column holds, for the codebook's question columns.
    pub fn what(&self) -> Text {
        Text {
            ar: self.what.0.into(),
            en: self.what.1.into(),
        }
    }

    /// Which responses fill it, for the codebook's note columns.
    pub fn filled(&self) -> Text {
        Text {
            ar: self.filled.0.into(),
            en: self.filled.1.into(),
        }
    }
}

/// The `mode` cell: the response's `mode` stamp, else `self` (shared link and kiosk).
pub fn mode_cell(metadata: &BTreeMap<String, String>) -> String {
    metadata
        .get("mode")
        .filter(|m| !m.is_empty())
        .cloned()
        .unwrap_or_else(|| SELF_COMPLETED.to_string())
}

/// How the channels are called in the codebook and on the results pages.
pub fn channel_label(code: &str) -> Option<Text> {
    let (ar, en) = match code {
        "link" => ("رابط مشترك", "Shared link"),
        "kiosk" => ("شاشة الخدمة الذاتية (كشك)", "Kiosk"),
        "interviewer" => ("مقابلة ميدانية", "Field interview"),
        "invitation" => ("دعوة ضمن عيّنة مسحوبة", "Invitation (drawn sample)"),
        _ => return None,
    };
    Some(Text {
        ar: ar.into(),
        en: en.into(),
    })
}

/// The channels, in the order the codebook lists them.
pub const CHANNELS: [&str; 3] = ["link", "kiosk", "interviewer"];

/// How the `mode` codes are called in the codebook.
pub fn mode_label(code: &str) -> Option<Text> {
    let (ar, en) = match code {
        FACE_TO_FACE => (
            "وجهاً لوجه (مقابلة ميدانية)",
            "Face to face (field interview)",
        ),
        SELF_COMPLETED => (
            "تعبئة ذاتية (رابط مشترك أو كشك)",
            "Self-completed (shared link or kiosk)",
        ),
        _ => return None,
    };
    Some(Text {
        ar: ar.into(),
        en: en.into(),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use crate::db::StoredResponse;
    use crate::export::{columns, write_codebook, write_microdata};
    use crate::survey::{Survey, parse_str};

    fn example() -> Survey {
        let path = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/surveys/citizen-security.toml"
        ));
        parse_str(&std::fs::read_to_string(path).unwrap(), path).unwrap_or_else(|r| panic!("{r}"))
    }

    /// A survey that declares no metadata (and `wave` as a declared field that is no stamp).
    fn plain() -> Survey {
        let src = r#"id = "plain"
wave = "w1"
title = { ar = "ع", en = "T" }

[[metadata]]
id = "district"
label = { ar = "الحي", en = "District" }

[[pages]]
id = "p"
[[pages.questions]]
id = "q"
type = "short_text"
text = { ar = "ع", en = "Q" }
"#;
        parse_str(src, Path::new("plain.toml")).unwrap_or_else(|r| panic!("{r}"))
    }

    fn response(channel: &str, metadata: &[(&str, &str)]) -> StoredResponse {
        StoredResponse {
            id: format!("{channel}-0000"),
            survey_version: "v1".into(),
            submitted_on: "2026-12-01".into(),
            lang: "ar".into(),
            channel: channel.into(),
            source: None,
            metadata: metadata
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            answers: Default::default(),
        }
    }

    fn link() -> StoredResponse {
        response("link", &[])
    }

    fn kiosk() -> StoredResponse {
        response(
            "kiosk",
            &[
                ("site", "Karrada station"),
                ("site_ar", "مركز شرطة الكرادة"),
                ("stratum", "urban"),
                ("cluster", "c12"),
            ],
        )
    }

    fn interview() -> StoredResponse {
        response(
            "interviewer",
            &[
                ("site", "Abu Al-Khaseeb"),
                ("site_ar", "أبو الخصيب"),
                ("stratum", "rural"),
                ("cluster", "c07"),
                ("interviewer", "INT-3F9A2C"),
                ("mode", "face-to-face"),
            ],
        )
    }

    fn names(survey: &Survey) -> Vec<String> {
        columns(survey).into_iter().map(|c| c.name).collect()
    }

    /// Each response as column name → cell.
    fn cells(survey: &Survey, r: &StoredResponse) -> BTreeMap<String, String> {
        columns(survey)
            .into_iter()
            .map(|c| {
                let cell = c.cell(r);
                (c.name, cell)
            })
            .collect()
    }

    #[test]
    fn the_stamps_follow_channel_and_source() {
        let got = names(&plain());
        assert_eq!(
            got,
            [
                "response_id",
                "survey_version",
                "submitted_on",
                "lang",
                "channel",
                "source",
                "wave",
                "mode",
                "site",
                "site_ar",
                "stratum",
                "cluster",
                "interviewer",
                "base_weight",
                "district",
                "q"
            ]
        );
    }

    #[test]
    fn declared_stamps_keep_their_place_and_no_name_is_two_columns() {
        let got = names(&example());
        assert_eq!(
            &got[4..14],
            [
                "channel",
                "source",
                "wave",
                "mode",
                "site_ar",
                "interviewer",
                "base_weight",
                "site",
                "stratum",
                "cluster"
            ]
        );
        let mut unique = got.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), got.len(), "duplicate column names: {got:?}");
    }

    #[test]
    fn each_channel_fills_its_stamps() {
        for survey in [plain(), example()] {
            let link = cells(&survey, &link());
            assert_eq!(link["mode"], "self");
            for stamp in ["site", "site_ar", "stratum", "cluster", "interviewer"] {
                assert_eq!(link[stamp], "", "{stamp} of a link response");
            }
            let kiosk = cells(&survey, &kiosk());
            assert_eq!(kiosk["channel"], "kiosk");
            assert_eq!(kiosk["mode"], "self", "a kiosk is self-completed");
            assert_eq!(kiosk["site"], "Karrada station");
            assert_eq!(kiosk["site_ar"], "مركز شرطة الكرادة");
            assert_eq!(kiosk["stratum"], "urban");
            assert_eq!(kiosk["cluster"], "c12");
            assert_eq!(kiosk["interviewer"], "");
            let interview = cells(&survey, &interview());
            assert_eq!(interview["mode"], "face-to-face");
            assert_eq!(interview["interviewer"], "INT-3F9A2C");
            assert_eq!(interview["site_ar"], "أبو الخصيب");
            assert_eq!(interview["cluster"], "c07");
        }
    }

    #[tokio::test]
    async fn the_microdata_carries_the_stamps_once() {
        let survey = example();
        let rows = vec![Ok(link()), Ok(kiosk()), Ok(interview())];
        let mut out = Vec::new();
        write_microdata(&survey, futures::stream::iter(rows), &mut out)
            .await
            .unwrap();
        let mut reader = csv::Reader::from_reader(&out[3..]);
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        let col = |name: &str| {
            let at: Vec<usize> = (0..header.len()).filter(|&i| header[i] == name).collect();
            assert_eq!(at.len(), 1, "{name} in {header:?}");
            at[0]
        };
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        let got: Vec<(&str, &str, &str, &str)> = rows
            .iter()
            .map(|r| {
                (
                    &r[col("channel")],
                    &r[col("mode")],
                    &r[col("site")],
                    &r[col("interviewer")],
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("link", "self", "", ""),
                ("kiosk", "self", "Karrada station", ""),
                (
                    "interviewer",
                    "face-to-face",
                    "Abu Al-Khaseeb",
                    "INT-3F9A2C"
                ),
            ]
        );
    }

    fn codebook(survey: &Survey) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        write_codebook(survey, &mut out).unwrap();
        csv::Reader::from_reader(&out[3..])
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect()
    }

    #[test]
    fn the_codebook_says_what_each_stamp_is_and_who_fills_it() {
        for survey in [plain(), example()] {
            let rows = codebook(&survey);
            let row = |column: &str, code: &str| -> Vec<String> {
                rows.iter()
                    .find(|r| r[0] == column && r[4] == code)
                    .unwrap_or_else(|| panic!("no codebook row for {column} = {code}"))
                    .clone()
            };
            // Every stamp column is described, in both languages, with its channels.
            for stamp in super::STAMPS {
                assert!(rows.iter().any(|r| r[0] == stamp.name), "{}", stamp.name);
                for r in rows.iter().filter(|r| r[0] == stamp.name) {
                    assert_eq!(r[3], "metadata");
                    assert_eq!(
                        (r[8].as_str(), r[9].as_str()),
                        stamp.filled,
                        "{}",
                        stamp.name
                    );
                }
            }
            assert!(rows.iter().all(|r| r.len() == 10));
            assert_eq!(
                row("interviewer", "")[9],
                "Filled for field-interview responses only; empty for kiosk and shared-link responses."
            );
            assert_eq!(
                row("site", "")[9],
                "Filled for kiosk and field-interview responses; empty for shared-link responses."
            );
            assert_eq!(row("mode", "self")[9], "Filled for every response.");
            // Other columns have no note.
            assert_eq!(&row("lang", "ar")[8..], ["", ""]);
            assert_eq!(&row("channel", "link")[8..], ["", ""]);
            assert_eq!(
                row("mode", "face-to-face")[6],
                "Face to face (field interview)"
            );
            assert_eq!(
                row("mode", "self")[6],
                "Self-completed (shared link or kiosk)"
            );
            assert_eq!(row("channel", "kiosk")[5], "شاشة الخدمة الذاتية (كشك)");
            assert_eq!(row("channel", "interviewer")[6], "Field interview");
            assert_eq!(row("channel", "link")[6], "Shared link");
            // The codebook and the microdata name the same columns.
            let names = names(&survey);
            for n in &names {
                assert!(rows.iter().any(|r| &r[0] == n), "{n} not in the codebook");
            }
            for r in &rows {
                assert!(
                    names.contains(&r[0]),
                    "codebook names unknown column {}",
                    r[0]
                );
            }
        }
        // A declared stamp keeps the survey's label; its note says who fills it.
        let survey = example();
        let rows = codebook(&survey);
        let stratum = rows
            .iter()
            .find(|r| r[0] == "stratum" && r[4] == "urban")
            .unwrap();
        let label = &survey.metadata_field("stratum").unwrap().label;
        assert_eq!((&stratum[1], &stratum[2]), (&label.ar, &label.en));
        assert!(stratum[9].ends_with("empty for shared-link responses."));
        // An undeclared one says what it is.
        let rows = codebook(&plain());
        let what = |c: &str| rows.iter().find(|r| r[0] == c).unwrap()[2].clone();
        assert!(what("interviewer").contains("never a name"));
        assert!(what("site_ar").contains("in Arabic"));
        assert!(what("mode").starts_with("How the questions were answered"));
        // A declared field that is no stamp is as declared, without a note.
        let district = rows.iter().find(|r| r[0] == "district").unwrap();
        assert_eq!(&district[1..3], ["الحي", "District"]);
        assert_eq!(&district[8..], ["", ""]);
    }
}

#[cfg(test)]
mod reserved {
    /// The loader keeps questions off every export column; its list must name the stamps.
    #[test]
    fn the_loader_reserves_every_stamp() {
        let reserved = &crate::survey::load::EXPORT_COLUMNS;
        let fixed = &reserved[..crate::survey::load::FIXED_EXPORT_COLUMNS];
        let stamps: Vec<&str> = super::STAMPS.iter().map(|s| s.name).collect();
        assert_eq!(&reserved[fixed.len()..], stamps.as_slice());
        let survey = crate::survey::parse_str(
            "id = \"t\"\nwave = \"w\"\ntitle = { ar = \"ع\", en = \"T\" }\n[[pages]]\nid = \"p\"\n[[pages.questions]]\nid = \"q\"\ntype = \"date\"\ntext = { ar = \"ع\", en = \"Q\" }\n",
            std::path::Path::new("t.toml"),
        )
        .unwrap_or_else(|r| panic!("{r}"));
        let names: Vec<String> = crate::export::columns(&survey)
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(&names[..reserved.len()], reserved);
    }
}
