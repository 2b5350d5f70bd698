//! Quotas: at most so many completed responses per cell (e.g. governorate × gender, or per
//! source tag). Pure: which cell a respondent's answers put them in, and that cell's limit.
//! Counting happens in storage, in the submit's own transaction (`db::quotas`).

use std::collections::BTreeMap;

use super::model::{Answer, Answers};

/// `[[quotas]]` of a survey file.
#[derive(Debug, Clone, PartialEq)]
pub struct Quota {
    pub id: String,
    /// What the cells are made of, in order.
    pub by: Vec<QuotaKey>,
    /// Places per cell.
    pub limit: u32,
    /// Cells with another limit, keyed like [`Quota::cell`] (`"baghdad/female"`).
    pub limits: BTreeMap<String, u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum QuotaKey {
    /// A single-choice (or Likert) question: its answer's code.
    Question(String),
    /// The source tag of a shared link (`none` when the link had none).
    Source,
}

/// Joins the parts of a cell's name; codes and tags never contain it.
pub const CELL_SEPARATOR: char = '/';
/// The cell part of a response without a source tag.
pub const NO_SOURCE: &str = "none";

impl Quota {
    /// The respondent's cell, once every part of it is known (`None` before: the person is
    /// not in any cell yet and goes on answering).
    pub fn cell(&self, answers: &Answers, source: Option<&str>) -> Option<String> {
        let mut parts = Vec::with_capacity(self.by.len());
        for key in &self.by {
            parts.push(match key {
                QuotaKey::Source => source.unwrap_or(NO_SOURCE).to_string(),
                QuotaKey::Question(id) => match answers.get(id)? {
                    Answer::Codes(codes) if codes.len() == 1 => codes[0].clone(),
                    Answer::Value(code) => code.clone(),
                    _ => return None,
                },
            });
        }
        Some(parts.join(&CELL_SEPARATOR.to_string()))
    }

    /// How many completed responses the cell takes.
    pub fn limit_of(&self, cell: &str) -> u32 {
        self.limits.get(cell).copied().unwrap_or(self.limit)
    }
}

/// One cell a response would take a place in, with that cell's limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaPlace {
    pub quota_id: String,
    pub cell: String,
    pub limit: u32,
}

/// The places a respondent's answers claim, one per quota whose cell is known.
pub fn places(quotas: &[Quota], answers: &Answers, source: Option<&str>) -> Vec<QuotaPlace> {
    quotas
        .iter()
        .filter_map(|q| {
            let cell = q.cell(answers, source)?;
            Some(QuotaPlace {
                quota_id: q.id.clone(),
                limit: q.limit_of(&cell),
                cell,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota() -> Quota {
        Quota {
            id: "gov-gender".into(),
            by: vec![
                QuotaKey::Question("governorate".into()),
                QuotaKey::Question("gender".into()),
            ],
            limit: 10,
            limits: [("basra/f".to_string(), 3)].into(),
        }
    }

    fn answers(pairs: &[(&str, &str)]) -> Answers {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Answer::Codes(vec![v.to_string()])))
            .collect()
    }

    #[test]
    fn a_cell_is_known_only_when_every_part_is_answered() {
        let q = quota();
        assert_eq!(q.cell(&answers(&[("governorate", "basra")]), None), None);
        let both = answers(&[("governorate", "basra"), ("gender", "f")]);
        assert_eq!(q.cell(&both, None).as_deref(), Some("basra/f"));
        assert_eq!(q.limit_of("basra/f"), 3);
        assert_eq!(q.limit_of("basra/m"), 10);
    }

    #[test]
    fn a_source_quota_knows_its_cell_from_the_start() {
        let q = Quota {
            id: "by-source".into(),
            by: vec![QuotaKey::Source],
            limit: 5,
            limits: BTreeMap::new(),
        };
        let none = Answers::new();
        assert_eq!(q.cell(&none, Some("facebook")).as_deref(), Some("facebook"));
        assert_eq!(q.cell(&none, None).as_deref(), Some(NO_SOURCE));
        let p = places(&[q, quota()], &none, Some("sms"));
        assert_eq!(p.len(), 1, "the governorate × gender cell is not known yet");
        assert_eq!(p[0].cell, "sms");
    }
}

/// Most cells listed one by one on the polling branch's page (past it, only cells with places
/// taken or their own limit).
pub const LISTED_CELLS: usize = 200;

impl Quota {
    /// The codes each part of a cell can take, in the survey's order.
    fn part_codes(&self, survey: &super::Survey) -> Vec<Vec<String>> {
        self.by
            .iter()
            .map(|key| match key {
                QuotaKey::Source => {
                    let mut tags = survey.sources.clone();
                    tags.push(NO_SOURCE.to_string());
                    tags
                }
                QuotaKey::Question(id) => survey
                    .question(id)
                    .map(|q| q.choices().iter().map(|c| c.code.clone()).collect())
                    .unwrap_or_default(),
            })
            .collect()
    }

    /// Every cell in questionnaire order, or `None` when there are more than [`LISTED_CELLS`].
    pub fn cells(&self, survey: &super::Survey) -> Option<Vec<String>> {
        let parts = self.part_codes(survey);
        let count = parts
            .iter()
            .try_fold(1usize, |n, p| n.checked_mul(p.len()))?;
        if count > LISTED_CELLS {
            return None;
        }
        let mut cells = vec![String::new()];
        for (i, codes) in parts.iter().enumerate() {
            cells = cells
                .iter()
                .flat_map(|prefix| {
                    codes.iter().map(move |c| {
                        if i == 0 {
                            c.clone()
                        } else {
                            format!("{prefix}{CELL_SEPARATOR}{c}")
                        }
                    })
                })
                .collect();
        }
        Some(cells)
    }

    /// A cell in words: each part's option label in `lang` (a source tag as it is).
    pub fn cell_label(&self, survey: &super::Survey, cell: &str, lang: super::Lang) -> String {
        cell.split(CELL_SEPARATOR)
            .zip(&self.by)
            .map(|(code, key)| match key {
                QuotaKey::Source => code.to_string(),
                QuotaKey::Question(id) => survey
                    .question(id)
                    .and_then(|q| q.choices().iter().find(|c| c.code == code))
                    .map_or_else(|| code.to_string(), |c| c.label.get(lang).to_string()),
            })
            .collect::<Vec<_>>()
            .join(" / ")
    }
}
