//! Plausible random responses to any survey, for tests and benchmarks that need many stored
//! rows: every question type answered with one of its own codes or values, about one answer in
//! ten skipped, hidden questions pruned by the survey's own rules, and sampling metadata
//! (site, stratum, cluster) as interviewers would attach it. Deterministic for a given seed.
#![allow(dead_code)]

use std::collections::BTreeMap;

use mizan::db::NewResponse;
use mizan::survey::{Answer, Answers, Lang, QuestionKind, Survey, answers::prune_hidden};

/// SplitMix64: small, fast and reproducible; statistical quality is not the point here.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// One random response to `survey`.
pub fn random_response(survey: &Survey, rng: &mut Rng) -> NewResponse {
    let mut answers = Answers::new();
    for q in survey.questions() {
        let pick = |rng: &mut Rng, n: usize| rng.below(n);
        let mut put = |key: &str, a: Answer, rng: &mut Rng| {
            if !rng.chance(0.1) {
                answers.insert(key.to_string(), a);
            }
        };
        match &q.kind {
            QuestionKind::SingleChoice { options, .. } => {
                let c = &options[pick(rng, options.len())];
                put(&q.id, Answer::Value(c.code.clone()), rng);
            }
            QuestionKind::MultipleChoice { options, .. } => {
                let codes: Vec<String> = options
                    .iter()
                    .filter(|c| !c.exclusive)
                    .filter(|_| rng.chance(0.3))
                    .map(|c| c.code.clone())
                    .collect();
                if !codes.is_empty() {
                    put(&q.id, Answer::Codes(codes), rng);
                }
            }
            QuestionKind::Likert { scale } => {
                let c = &scale[pick(rng, scale.len())];
                put(&q.id, Answer::Value(c.code.clone()), rng);
            }
            QuestionKind::LikertGrid { scale, items } => {
                for item in items {
                    let c = &scale[pick(rng, scale.len())];
                    put(&item.id, Answer::Value(c.code.clone()), rng);
                }
            }
            QuestionKind::Rating {
                min, max, extra, ..
            } => {
                if !extra.is_empty() && rng.chance(0.05) {
                    put(&q.id, Answer::Value(extra[0].code.clone()), rng);
                } else {
                    let span = (max - min + 1) as usize;
                    put(
                        &q.id,
                        Answer::Number((*min + pick(rng, span) as i64) as f64),
                        rng,
                    );
                }
            }
            QuestionKind::Number { min, max, .. } => {
                let lo = min.unwrap_or(0.0);
                let hi = max.unwrap_or(lo + 120.0).min(lo + 120.0);
                let x = lo + pick(rng, (hi - lo) as usize + 1) as f64;
                put(&q.id, Answer::Number(x), rng);
            }
            QuestionKind::ShortText { .. } | QuestionKind::LongText { .. } => {
                if rng.chance(0.2) {
                    put(&q.id, Answer::Value("الخدمة جيدة، شكرًا".into()), rng);
                }
            }
            QuestionKind::Date { .. } => {
                put(
                    &q.id,
                    Answer::Value(format!("2026-0{}-1{}", 1 + pick(rng, 9), pick(rng, 10))),
                    rng,
                );
            }
        }
    }
    prune_hidden(survey, &mut answers);
    let mut metadata = BTreeMap::new();
    let cluster = rng.below(12);
    for field in &survey.metadata {
        let value = match field.id.as_str() {
            "cluster" => format!("c{cluster:02}"),
            "stratum" if !field.values.is_empty() => {
                field.values[cluster % field.values.len()].clone()
            }
            _ if !field.values.is_empty() => field.values[rng.below(field.values.len())].clone(),
            _ => format!("site-{}", cluster / 3),
        };
        metadata.insert(field.id.clone(), value);
    }
    let channels = ["link", "kiosk", "interviewer"];
    NewResponse {
        survey_id: survey.id.clone(),
        survey_version: survey.version.clone(),
        lang: if rng.chance(0.7) { Lang::Ar } else { Lang::En },
        channel: channels[rng.below(channels.len())].to_string(),
        source: None,
        metadata,
        answers,
    }
}
