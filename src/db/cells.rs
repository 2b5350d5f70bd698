//! The compact typed form of a response ("cells"), written at submit in the same transaction
//! as the response row, and read by estimates instead of the answers' JSON.
//!
//! Why: an estimate over a million responses used to have the database extract each answer
//! key from each row's JSON text (one parse of the whole document per key and row) and then
//! decode the metadata JSON in Rust. The cells hold the same facts in a form that is read by
//! walking bytes: no parsing, no allocation per cell. They are written with the response, so
//! the two can never disagree; responses stored before (or by a process that did not know the
//! survey) are filled in by a backfill, and until it is done the per-survey counters say so
//! and estimates read the JSON (see `Db::change_marker`).
//!
//! The layout is fixed per survey version ([`Layout`]): the answer keys in survey-file order,
//! each with its choice codes, so a code is stored as its index (two bytes). Typed free text
//! (short and long text questions) is not in the cells at all: estimates do not use it, and
//! the words people typed are kept once, in the response's answers. Layouts are stored in
//! `cell_layouts` so that responses of a version whose file has since changed stay readable.
//!
//! Anonymity: a cells row is keyed exactly as its response (survey id and random id), holds
//! nothing the response does not hold (less: no free text), and no counter, sequence or time.
//!
//! Row format (format 1), all integers little-endian:
//! `u8 1, str version, u8 lang (0 ar, 1 en), [10] day, str channel, u8 has_source [str],
//! u16 n, n × (str key, str value) metadata in key order, then one value per layout key`;
//! `str` is `u32 length + UTF-8`; a value is `u8 tag`: 0 not answered, 1 `u16` code index,
//! 2 `f64` number, 3 `str` text, 4 `u16 n` then n × item (the codes of a multiple choice),
//! an item being a `u16` code index or `0xFFFF` and a `str`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::survey::{Answer, Answers, QuestionKind, Survey};
use crate::{Error, Result};

const FORMAT: u8 = 1;
const OTHER: u16 = 0xFFFF;

/// Which answer keys a survey version's cells hold, in order, with their codes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    pub keys: Vec<LayoutKey>,
    /// Answer keys deliberately left out (typed free text): an estimate naming one of them
    /// reads the answers' JSON instead.
    pub omitted: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayoutKey {
    pub key: String,
    pub codes: Vec<String>,
}

impl Layout {
    /// The layout of a survey definition: every answer key in file order, typed text left out.
    pub fn of(survey: &Survey) -> Layout {
        let mut keys = Vec::new();
        let mut omitted = Vec::new();
        for q in survey.questions() {
            let codes: Vec<String> = q.choices().iter().map(|c| c.code.clone()).collect();
            match &q.kind {
                QuestionKind::ShortText { .. } | QuestionKind::LongText { .. } => {
                    omitted.push(q.id.clone())
                }
                QuestionKind::LikertGrid { items, .. } => {
                    for item in items {
                        keys.push(LayoutKey {
                            key: item.id.clone(),
                            codes: codes.clone(),
                        });
                    }
                }
                _ => keys.push(LayoutKey {
                    key: q.id.clone(),
                    codes,
                }),
            }
        }
        Layout { keys, omitted }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(json: &str) -> Result<Layout> {
        serde_json::from_str(json)
            .map_err(|e| Error::Other(format!("stored cell layout is not valid: {e}")))
    }

    fn code_index(&self, slot: usize, code: &str) -> Option<u16> {
        self.keys[slot]
            .codes
            .iter()
            .position(|c| c == code)
            .filter(|i| *i < OTHER as usize)
            .map(|i| i as u16)
    }
}

/// What a response's cells are made of (the response row's own fields).
pub struct Facts<'a> {
    pub version: &'a str,
    pub lang: &'a str,
    /// `YYYY-MM-DD`.
    pub day: &'a str,
    pub channel: &'a str,
    pub source: Option<&'a str>,
    pub metadata: &'a BTreeMap<String, String>,
    pub answers: &'a Answers,
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// Encode a response's cells with its version's layout.
pub fn encode(layout: &Layout, f: &Facts) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + 4 * layout.keys.len());
    out.push(FORMAT);
    put_str(&mut out, f.version);
    out.push(u8::from(f.lang == "en"));
    let mut day = [b'0'; 10];
    let n = f.day.len().min(10);
    day[..n].copy_from_slice(&f.day.as_bytes()[..n]);
    out.extend_from_slice(&day);
    put_str(&mut out, f.channel);
    match f.source {
        Some(s) => {
            out.push(1);
            put_str(&mut out, s);
        }
        None => out.push(0),
    }
    let meta = f.metadata.len().min(u16::MAX as usize);
    out.extend_from_slice(&(meta as u16).to_le_bytes());
    for (k, v) in f.metadata.iter().take(meta) {
        put_str(&mut out, k);
        put_str(&mut out, v);
    }
    for (slot, key) in layout.keys.iter().enumerate() {
        match f.answers.get(&key.key) {
            None => out.push(0),
            Some(Answer::Number(x)) => {
                out.push(2);
                out.extend_from_slice(&x.to_le_bytes());
            }
            Some(Answer::Value(s)) => match layout.code_index(slot, s) {
                Some(i) => {
                    out.push(1);
                    out.extend_from_slice(&i.to_le_bytes());
                }
                None => {
                    out.push(3);
                    put_str(&mut out, s);
                }
            },
            Some(Answer::Codes(codes)) => {
                out.push(4);
                let n = codes.len().min(u16::MAX as usize);
                out.extend_from_slice(&(n as u16).to_le_bytes());
                for c in codes.iter().take(n) {
                    match layout.code_index(slot, c) {
                        Some(i) => out.extend_from_slice(&i.to_le_bytes()),
                        None => {
                            out.extend_from_slice(&OTHER.to_le_bytes());
                            put_str(&mut out, c);
                        }
                    }
                }
            }
        }
    }
    out
}

/// One answer as read from the cells, borrowing from the row and its layout.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    None,
    /// A choice code: its index in the layout key's codes, and the code itself.
    Code(u16, &'a str),
    Number(f64),
    Text(&'a str),
    /// The codes of a multiple choice, still encoded (see [`Value::codes`]).
    Codes(&'a [u8], u16, &'a [String]),
}

impl<'a> Value<'a> {
    /// The codes of a multiple choice, in stored order.
    pub fn codes(&self) -> Vec<&'a str> {
        let Value::Codes(bytes, n, codes) = *self else {
            return Vec::new();
        };
        let mut r = Reader { b: bytes, at: 0 };
        let mut out = Vec::with_capacity(n as usize);
        for _ in 0..n {
            match r.u16() {
                Some(OTHER) => match r.str() {
                    Some(s) => out.push(s),
                    None => break,
                },
                Some(i) => out.push(codes.get(i as usize).map_or("", String::as_str)),
                None => break,
            }
        }
        out
    }

    /// The answer as the JSON path decodes it (for the reference comparison and rare cases).
    pub fn to_answer(&self) -> Option<Answer> {
        match *self {
            Value::None => None,
            Value::Code(_, c) => Some(Answer::Value(c.to_string())),
            Value::Number(x) => Some(Answer::Number(x)),
            Value::Text(s) => Some(Answer::Value(s.to_string())),
            Value::Codes(..) => Some(Answer::Codes(
                self.codes().into_iter().map(str::to_string).collect(),
            )),
        }
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn str(&mut self) -> Option<&'a str> {
        let n = self.u32()? as usize;
        std::str::from_utf8(self.take(n)?).ok()
    }
}

/// The fixed part of a cells row, and where its answers start.
#[derive(Debug, Clone, Copy)]
pub struct Head<'a> {
    pub version: &'a str,
    pub lang: &'static str,
    pub day: &'a str,
    pub channel: &'a str,
    pub source: Option<&'a str>,
    meta: &'a [u8],
    meta_n: u16,
    answers: &'a [u8],
}

fn corrupt() -> Error {
    Error::Other("stored cells of a response are not valid".into())
}

impl<'a> Head<'a> {
    pub fn read(b: &'a [u8]) -> Result<Head<'a>> {
        let mut r = Reader { b, at: 0 };
        (|| {
            if r.u8()? != FORMAT {
                return None;
            }
            let version = r.str()?;
            let lang = if r.u8()? == 1 { "en" } else { "ar" };
            let day = std::str::from_utf8(r.take(10)?).ok()?;
            let channel = r.str()?;
            let source = match r.u8()? {
                0 => None,
                _ => Some(r.str()?),
            };
            let meta_n = r.u16()?;
            let start = r.at;
            for _ in 0..meta_n {
                r.str()?;
                r.str()?;
            }
            let meta = &b[start..r.at];
            Some(Head {
                version,
                lang,
                day,
                channel,
                source,
                meta,
                meta_n,
                answers: &b[r.at..],
            })
        })()
        .ok_or_else(corrupt)
    }

    /// The metadata value of `key` (metadata are few: a linear walk).
    pub fn meta(&self, key: &str) -> Option<&'a str> {
        let mut r = Reader {
            b: self.meta,
            at: 0,
        };
        for _ in 0..self.meta_n {
            let k = r.str()?;
            let v = r.str()?;
            if k == key {
                return Some(v);
            }
        }
        None
    }

    /// Every metadata pair, in key order.
    pub fn metadata(&self) -> BTreeMap<String, String> {
        let mut r = Reader {
            b: self.meta,
            at: 0,
        };
        let mut out = BTreeMap::new();
        for _ in 0..self.meta_n {
            let (Some(k), Some(v)) = (r.str(), r.str()) else {
                break;
            };
            out.insert(k.to_string(), v.to_string());
        }
        out
    }

    /// The answers of the layout's slots: `out[i]` gets the value of slot `slots[i]` (slots
    /// not in the layout, `usize::MAX`, stay [`Value::None`]). One walk over the row.
    pub fn answers(
        &self,
        layout: &'a Layout,
        slots: &[usize],
        out: &mut Vec<Value<'a>>,
    ) -> Result<()> {
        self.answers_for(layout, &Wanted::new(slots), out)
    }

    /// [`Head::answers`] with the slots prepared once ([`Wanted`]) for many rows.
    pub fn answers_for(
        &self,
        layout: &'a Layout,
        wanted: &Wanted,
        out: &mut Vec<Value<'a>>,
    ) -> Result<()> {
        out.clear();
        out.resize(wanted.outputs, Value::None);
        let Some(last) = wanted.by_slot.len().checked_sub(1) else {
            return Ok(());
        };
        let mut r = Reader {
            b: self.answers,
            at: 0,
        };
        for (slot, key) in layout.keys.iter().enumerate().take(last + 1) {
            let value = (|| {
                Some(match r.u8()? {
                    0 => Value::None,
                    1 => {
                        let i = r.u16()?;
                        Value::Code(i, key.codes.get(i as usize)?.as_str())
                    }
                    2 => {
                        let b = r.take(8)?;
                        Value::Number(f64::from_le_bytes(b.try_into().ok()?))
                    }
                    3 => Value::Text(r.str()?),
                    4 => {
                        let n = r.u16()?;
                        let start = r.at;
                        for _ in 0..n {
                            if r.u16()? == OTHER {
                                r.str()?;
                            }
                        }
                        Value::Codes(&self.answers[start..r.at], n, &key.codes)
                    }
                    _ => return None,
                })
            })()
            .ok_or_else(corrupt)?;
            for i in &wanted.by_slot[slot] {
                out[*i] = value;
            }
        }
        Ok(())
    }
}

/// Which outputs each slot of a layout fills (built once per layout and request).
#[derive(Debug, Clone)]
pub struct Wanted {
    outputs: usize,
    /// Up to the last wanted slot.
    by_slot: Vec<Vec<usize>>,
}

impl Wanted {
    /// `slots[i]`: the slot whose value output `i` gets (`usize::MAX`: none).
    pub fn new(slots: &[usize]) -> Wanted {
        let mut by_slot: Vec<Vec<usize>> = Vec::new();
        for (i, s) in slots.iter().enumerate() {
            if *s == usize::MAX {
                continue;
            }
            if by_slot.len() <= *s {
                by_slot.resize(*s + 1, Vec::new());
            }
            by_slot[*s].push(i);
        }
        Wanted {
            outputs: slots.len(),
            by_slot,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_every_answer_as_the_json_path_reads_it() {
        let layout = Layout {
            keys: vec![
                LayoutKey {
                    key: "a".into(),
                    codes: vec!["1".into(), "2".into()],
                },
                LayoutKey {
                    key: "m".into(),
                    codes: vec!["x".into(), "y".into()],
                },
                LayoutKey {
                    key: "n".into(),
                    codes: vec![],
                },
                LayoutKey {
                    key: "d".into(),
                    codes: vec![],
                },
            ],
            omitted: vec!["comment".into()],
        };
        let mut answers = Answers::new();
        answers.insert("a".into(), Answer::Value("2".into()));
        answers.insert(
            "m".into(),
            Answer::Codes(vec!["y".into(), "other code".into()]),
        );
        answers.insert("n".into(), Answer::Number(1250.75));
        answers.insert("comment".into(), Answer::Value("كلام".into()));
        let mut metadata = BTreeMap::new();
        metadata.insert("site".into(), "s1".into());
        metadata.insert("site_ar".into(), "مركز".into());
        let bytes = encode(
            &layout,
            &Facts {
                version: "v1",
                lang: "en",
                day: "2026-12-02",
                channel: "kiosk",
                source: None,
                metadata: &metadata,
                answers: &answers,
            },
        );
        assert!(!bytes.windows(6).any(|w| w == "كلام".as_bytes()));
        let head = Head::read(&bytes).unwrap();
        assert_eq!(
            (head.version, head.lang, head.day, head.channel, head.source),
            ("v1", "en", "2026-12-02", "kiosk", None)
        );
        assert_eq!(head.meta("site_ar"), Some("مركز"));
        assert_eq!(head.metadata(), metadata);
        let mut out = Vec::new();
        head.answers(&layout, &[3, 2, 0, 1, usize::MAX], &mut out)
            .unwrap();
        let got: Vec<Option<Answer>> = out.iter().map(Value::to_answer).collect();
        assert_eq!(
            got,
            vec![
                None,
                Some(Answer::Number(1250.75)),
                Some(Answer::Value("2".into())),
                Some(Answer::Codes(vec!["y".into(), "other code".into()])),
                None
            ]
        );
        assert!(Head::read(&bytes[..5]).is_err());
    }
}
