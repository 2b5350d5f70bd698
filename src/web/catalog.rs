//! The surveys the server runs, reloadable without a restart.
//!
//! A load reads the surveys folder; every valid file (and its design file beside it) is
//! served, every broken one is refused with its report — shown to designers on `/design` — and
//! never takes the other surveys down. A reload (`POST /design/reload`, or `SIGHUP` to the
//! server) swaps the whole catalog at once; a file that fails its check then keeps its
//! running version. Someone in the middle of a survey whose file changed continues with the
//! new version: answers to questions that are the same are kept, the others are asked again
//! (`survey_flow`), and the response records the version it was completed in.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::survey::{Problem, Report, Survey};

/// One load of the surveys folder.
#[derive(Debug, Default)]
pub struct Catalog {
    surveys: BTreeMap<String, Arc<Survey>>,
    /// Problems of the files refused at this load (their running versions, if any, are kept).
    pub refused: Report,
}

impl Catalog {
    pub fn from_surveys(surveys: Vec<Survey>) -> Catalog {
        Catalog {
            surveys: surveys
                .into_iter()
                .map(|s| (s.id.clone(), Arc::new(s)))
                .collect(),
            refused: Report::default(),
        }
    }

    /// Load `dir`, keeping from `previous` the running version of any survey whose file is
    /// refused now.
    pub fn load(dir: &Path, previous: Option<&Catalog>) -> Catalog {
        let (surveys, mut refused) = crate::survey::load_each(&[dir.to_path_buf()]);
        let mut kept: BTreeMap<String, Arc<Survey>> = BTreeMap::new();
        for survey in surveys {
            // A broken design file beside a survey refuses that survey only.
            match crate::results::check_design_file(&survey) {
                Ok(()) => {
                    kept.insert(survey.id.clone(), Arc::new(survey));
                }
                Err(e) => refused.problems.push(Problem {
                    file: survey.path.clone(),
                    line: 0,
                    message: format!("its design file cannot be used: {e}"),
                }),
            }
        }
        if let Some(previous) = previous {
            let refused_files: Vec<&PathBuf> = refused.problems.iter().map(|p| &p.file).collect();
            for old in previous.surveys.values() {
                let design = old.path.with_extension("design.toml");
                let broken_now = refused_files
                    .iter()
                    .any(|f| **f == old.path || **f == design);
                if broken_now && !kept.contains_key(&old.id) {
                    kept.insert(old.id.clone(), old.clone());
                }
            }
        }
        Catalog {
            surveys: kept,
            refused,
        }
    }

    /// The survey with this id, drafts included.
    pub fn get(&self, id: &str) -> Option<&Arc<Survey>> {
        self.surveys.get(id)
    }

    /// Every survey, drafts included, by id.
    pub fn values(&self) -> impl Iterator<Item = &Arc<Survey>> {
        self.surveys.values()
    }

    /// The surveys respondents may answer (no drafts), by id.
    pub fn public(&self) -> impl Iterator<Item = &Arc<Survey>> {
        self.surveys.values().filter(|s| !s.draft)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "id = \"good\"\nwave = \"w1\"\ntitle = { ar = \"ع\", en = \"Good\" }\n[[pages]]\nid = \"p\"\n[[pages.questions]]\nid = \"q\"\ntype = \"short_text\"\ntext = { ar = \"ع\", en = \"Q\" }\n";

    #[test]
    fn a_broken_file_keeps_its_running_version_and_leaves_the_others() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("good.toml"), GOOD).unwrap();
        std::fs::write(dir.path().join("other.toml"), GOOD.replace("good", "other")).unwrap();
        let first = Catalog::load(dir.path(), None);
        assert_eq!(first.values().count(), 2);
        assert!(first.refused.problems.is_empty());
        // `other` breaks; a third file arrives broken.
        std::fs::write(dir.path().join("other.toml"), "id = \"other\"\nwave = ").unwrap();
        std::fs::write(dir.path().join("new.toml"), "nonsense").unwrap();
        let second = Catalog::load(dir.path(), Some(&first));
        assert!(second.get("good").is_some());
        assert!(
            Arc::ptr_eq(second.get("other").unwrap(), first.get("other").unwrap()),
            "the running version of the broken file keeps serving"
        );
        assert!(second.get("new").is_none());
        let files: Vec<_> = second
            .refused
            .problems
            .iter()
            .map(|p| p.file.clone())
            .collect();
        assert!(files.iter().any(|f| f.ends_with("other.toml")));
        assert!(files.iter().any(|f| f.ends_with("new.toml")));
        // Fixed: the new version replaces it.
        std::fs::write(
            dir.path().join("other.toml"),
            GOOD.replace("good", "other").replace("Good", "Fixed"),
        )
        .unwrap();
        let third = Catalog::load(dir.path(), Some(&second));
        assert_eq!(third.get("other").unwrap().title.en, "Fixed");
        // Deleted: gone.
        std::fs::remove_file(dir.path().join("other.toml")).unwrap();
        assert!(
            Catalog::load(dir.path(), Some(&third))
                .get("other")
                .is_none()
        );
    }

    #[test]
    fn drafts_are_not_public() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("good.toml"),
            GOOD.replace("wave = \"w1\"", "wave = \"w1\"\ndraft = true"),
        )
        .unwrap();
        let c = Catalog::load(dir.path(), None);
        assert!(c.get("good").unwrap().draft);
        assert_eq!(c.public().count(), 0);
    }
}
