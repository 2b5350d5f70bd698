//! The design file of `mizan estimate` (TOML, documented in docs/estimate.md), and building a
//! [`Design`] from it and a [`Table`]. The reference test builds its designs through the same
//! code, so what it proves holds for the command.

use super::table::{Table, ascii_label};
use crate::stats::{Design, LonelyPsu, Margin, RakeControl, ReliabilityRules, TrimBounds};
use crate::{Error, Result};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DesignFile {
    #[serde(default)]
    pub data: DataSpec,
    #[serde(default)]
    pub design: DesignSpec,
    pub calibration: Option<CalibrationSpec>,
    pub trim: Option<TrimSpec>,
    /// Weighting-class nonresponse adjustment of the base weights, before calibration.
    pub nonresponse: Option<NonresponseSpec>,
    #[serde(default)]
    pub output: OutputSpec,
    #[serde(default)]
    pub reliability: ReliabilitySpec,
    #[serde(default, rename = "variable")]
    pub variables: Vec<VariableSpec>,
    #[serde(default, rename = "index")]
    pub indices: Vec<IndexSpec>,
    /// Rows to keep (all filters at once), before anything else: see [`super::filter`].
    #[serde(default, rename = "filter")]
    pub filters: Vec<FilterSpec>,
}

/// One `[[filter]]`: keep the rows whose `column` is one of `equals`, or whose date (the
/// first ten characters, `YYYY-MM-DD`, as KoboToolbox and ODK write `_submission_time` and
/// `SubmissionDate`) is within `from` and `to`, both included.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterSpec {
    pub column: String,
    pub equals: Option<OneOrMany>,
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    /// Answers that mean "no answer" (besides an empty cell), e.g. `["dk", "refused"]`.
    #[serde(default)]
    pub missing: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DesignSpec {
    /// Weight column; absent = every weight 1.
    pub weights: Option<String>,
    pub strata: Option<String>,
    /// PSU (cluster) column; absent = each row its own PSU.
    pub cluster: Option<String>,
    /// `"jkn"` for stratified delete-one-PSU jackknife replicates.
    pub replicates: Option<String>,
    /// R's `survey.lonely.psu`: `fail` (default), `remove`, `certainty`, `adjust`, `average`.
    pub lonely_psu: Option<String>,
}

impl DesignSpec {
    pub fn lonely(&self) -> LonelyPsu {
        self.lonely_psu
            .as_deref()
            .and_then(LonelyPsu::parse)
            .unwrap_or_default()
    }
}

/// `[nonresponse]`: each respondent's weight × invited ÷ responded within their class.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NonresponseSpec {
    /// The weighting-class column, e.g. `stratum` (the invitation's stratum).
    pub by: String,
    /// CSV with the columns `<by>` and `invited`, relative to the design file. Without it, the
    /// stored-data path (results pages, `estimate --survey`) counts the drawn sample's
    /// invitations per stratum in the database.
    pub invited: Option<String>,
    /// Invited per class, filled in from the database when `invited` is absent.
    #[serde(skip)]
    pub invited_counts: Option<Vec<(String, u64)>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationSpec {
    /// `"poststratify"` (one margin, joint cells of its `by` columns) or `"rake"`.
    pub method: String,
    #[serde(rename = "margin")]
    pub margins: Vec<MarginSpec>,
    pub tolerance: Option<f64>,
    pub max_iterations: Option<usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarginSpec {
    pub by: OneOrMany,
    /// CSV with the `by` columns and a `Freq` (or `total`) column, relative to the design file.
    pub targets: Option<PathBuf>,
    /// Inline targets: tables with the `by` columns and `total`.
    pub cells: Option<Vec<toml::Table>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrimSpec {
    pub lower: f64,
    pub upper: f64,
    #[serde(default = "yes")]
    pub strict: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    /// Interval method for proportions and category shares (means always use t).
    #[serde(default = "default_interval")]
    pub interval: String,
    #[serde(default = "default_level")]
    pub level: f64,
    /// Domain columns: every estimate is also given for each of their values.
    #[serde(default)]
    pub domains: Vec<String>,
}

impl Default for OutputSpec {
    fn default() -> Self {
        OutputSpec {
            interval: default_interval(),
            level: default_level(),
            domains: Vec::new(),
        }
    }
}

fn default_interval() -> String {
    "logit".into()
}

fn default_level() -> f64 {
    0.95
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ReliabilitySpec {
    pub min_n: Option<usize>,
    pub min_n_eff: Option<f64>,
    pub max_relative_se: Option<f64>,
}

impl ReliabilitySpec {
    pub fn rules(&self) -> ReliabilityRules {
        let d = ReliabilityRules::default();
        ReliabilityRules {
            min_n: self.min_n.unwrap_or(d.min_n),
            min_n_eff: self.min_n_eff.unwrap_or(d.min_n_eff),
            max_relative_se: self.max_relative_se.unwrap_or(d.max_relative_se),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableSpec {
    pub name: String,
    /// `"mean"`, `"proportion"`, `"categorical"` or `"total"` (Σ w·y: of a number, or with
    /// `category` the estimated number of people who gave that answer).
    #[serde(rename = "type")]
    pub kind: String,
    /// Overrides `[output] interval` for this variable.
    pub interval: Option<String>,
    /// For a proportion: the answer it counts (1 for that answer, 0 for any other), e.g.
    /// `"yes"` for a single-choice question.
    #[serde(default)]
    pub category: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexSpec {
    pub name: String,
    pub items: Vec<String>,
    /// Scale ends `[low, high]` of every item (e.g. `[1, 5]`).
    pub scale: [f64; 2],
    /// Items an answer needs for the index to have a value (default: all).
    pub min_answered: Option<usize>,
    /// Items whose scale runs the other way.
    #[serde(default)]
    pub reversed: Vec<String>,
    /// Scale ends of the items whose scale differs from `scale`, e.g. `{ trust = [1, 5] }`.
    #[serde(default)]
    pub item_scales: std::collections::BTreeMap<String, [f64; 2]>,
}

impl IndexSpec {
    /// The scale ends `[low, high]` of one item (before reversal).
    pub fn scale_of(&self, item: &str) -> [f64; 2] {
        self.item_scales.get(item).copied().unwrap_or(self.scale)
    }
}

impl DesignFile {
    /// Every data column the file names (weights, strata, clusters, calibration cells,
    /// domains, variables, index items), each once, in that order: all an estimate reads.
    pub fn columns(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut add = |name: &str| {
            if !out.iter().any(|o| o == name) {
                out.push(name.to_string());
            }
        };
        let d = &self.design;
        for c in [&d.weights, &d.strata, &d.cluster].into_iter().flatten() {
            add(c);
        }
        if let Some(nr) = &self.nonresponse {
            add(&nr.by);
        }
        if let Some(cal) = &self.calibration {
            for m in &cal.margins {
                for b in m.by.to_vec() {
                    add(&b);
                }
            }
        }
        for c in &self.output.domains {
            add(c);
        }
        for v in &self.variables {
            add(&v.name);
        }
        for i in &self.indices {
            for item in &i.items {
                add(item);
            }
        }
        for f in &self.filters {
            add(&f.column);
        }
        out
    }
}

fn design_error(path: &Path, msg: impl std::fmt::Display) -> Error {
    Error::Stats(format!("{}: {msg}", path.display()))
}

impl DesignFile {
    pub fn read(path: &Path) -> Result<DesignFile> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<DesignFile> {
        let file: DesignFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| {
                text.as_bytes()[..s.start.min(text.len())]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count()
                    + 1
            });
            match line {
                Some(l) => design_error(path, format!("line {l}: {}", e.message())),
                None => design_error(path, e.message()),
            }
        })?;
        file.check(path)?;
        Ok(file)
    }

    fn check(&self, path: &Path) -> Result<()> {
        if let Some(c) = &self.calibration {
            match c.method.as_str() {
                "poststratify" if c.margins.len() != 1 => {
                    return Err(design_error(
                        path,
                        "[calibration] poststratify takes exactly one [[calibration.margin]] (list all cell columns in its `by`)",
                    ));
                }
                "poststratify" | "rake" => {}
                other => {
                    return Err(design_error(
                        path,
                        format!("[calibration] method `{other}`: use `poststratify` or `rake`"),
                    ));
                }
            }
            for m in &c.margins {
                if m.targets.is_some() == m.cells.is_some() {
                    return Err(design_error(
                        path,
                        "each [[calibration.margin]] needs either `targets` (a CSV file) or `cells` (inline totals)",
                    ));
                }
            }
        }
        if let Some(r) = &self.design.replicates {
            if !r.eq_ignore_ascii_case("jkn") {
                return Err(design_error(
                    path,
                    format!("[design] replicates `{r}`: only `jkn` is supported"),
                ));
            }
        }
        if let Some(l) = &self.design.lonely_psu {
            if LonelyPsu::parse(l).is_none() {
                return Err(design_error(
                    path,
                    format!(
                        "[design] lonely_psu `{l}`: use fail, remove, certainty, adjust or average (R's survey.lonely.psu)"
                    ),
                ));
            }
            if l != "fail" && self.design.replicates.is_some() {
                return Err(design_error(
                    path,
                    "[design] lonely_psu applies to the linearised variance; with replicates every stratum needs two PSUs",
                ));
            }
        }
        super::filter::check(&self.filters).map_err(|m| design_error(path, m))?;
        if crate::stats::IntervalMethod::parse(&self.output.interval).is_none() {
            return Err(design_error(
                path,
                format!(
                    "[output] interval `{}`: use t, logit, xlogit, asin, beta, mean or likelihood",
                    self.output.interval
                ),
            ));
        }
        let uses_likelihood = |v: &VariableSpec| {
            v.kind != "mean"
                && v.interval.as_deref().unwrap_or(&self.output.interval) == "likelihood"
        };
        if let Some(v) = self.variables.iter().find(|v| uses_likelihood(v)) {
            if !self.output.domains.is_empty() || self.design.replicates.is_some() {
                return Err(design_error(
                    path,
                    format!(
                        "variable `{}`: the likelihood interval is available for whole-sample estimates on designs without replicates; with domains or replicates use logit or beta",
                        v.name
                    ),
                ));
            }
        }
        for v in &self.variables {
            if !matches!(
                v.kind.as_str(),
                "mean" | "proportion" | "categorical" | "total"
            ) {
                return Err(design_error(
                    path,
                    format!(
                        "variable `{}`: type `{}`: use mean, proportion, categorical or total",
                        v.name, v.kind
                    ),
                ));
            }
            if v.category.is_some() && !matches!(v.kind.as_str(), "proportion" | "total") {
                return Err(design_error(
                    path,
                    format!(
                        "variable `{}`: `category` is for type = \"proportion\" (the share giving that answer) or \"total\" (the number giving it)",
                        v.name
                    ),
                ));
            }
            if let Some(i) = &v.interval {
                if crate::stats::IntervalMethod::parse(i).is_none() {
                    return Err(design_error(
                        path,
                        format!("variable `{}`: unknown interval `{i}`", v.name),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Joins the values of several columns into one cell key.
fn cell_key(parts: &[&str]) -> String {
    parts.join("\u{1f}")
}

/// Targets of one margin: cell keys with their labels and totals.
fn read_targets(
    spec: &MarginSpec,
    by: &[String],
    base_dir: &Path,
    design_path: &Path,
) -> Result<Vec<(String, String, f64)>> {
    let mut out = Vec::new();
    if let Some(rel) = &spec.targets {
        let path = base_dir.join(rel);
        let t = Table::read(&path, &[])?;
        let total_col = ["Freq", "total", "Total", "freq"]
            .iter()
            .find(|n| t.headers.iter().any(|h| h == *n))
            .ok_or_else(|| design_error(&path, "targets need a `Freq` (or `total`) column"))?;
        let by_cols: Vec<&super::table::Column> =
            by.iter().map(|b| t.column(b)).collect::<Result<_>>()?;
        let totals = t.column(total_col)?;
        for row in 0..t.rows() {
            let parts: Vec<String> = by_cols.iter().map(|c| ascii_label(c.get(row))).collect();
            let refs: Vec<&str> = parts.iter().map(|s| s.as_str()).collect();
            let cell = totals.get(row).trim();
            let total = if cell.is_empty() || cell.eq_ignore_ascii_case("na") {
                f64::NAN
            } else {
                super::table::ascii_number(cell)
                    .parse::<f64>()
                    .map_err(|_| {
                        design_error(
                            &path,
                            format!("line {}: target `{cell}` is not a number", row + 2),
                        )
                    })?
            };
            out.push((cell_key(&refs), label(by, &refs), total));
        }
    } else if let Some(cells) = &spec.cells {
        for (k, cell) in cells.iter().enumerate() {
            let mut parts = Vec::new();
            for b in by {
                let v = cell.get(b).ok_or_else(|| {
                    design_error(
                        design_path,
                        format!("calibration cell {} has no `{b}`", k + 1),
                    )
                })?;
                parts.push(match v {
                    toml::Value::String(s) => ascii_label(s),
                    other => ascii_label(&other.to_string()),
                });
            }
            let total = match cell.get("total") {
                Some(toml::Value::Integer(i)) => *i as f64,
                Some(toml::Value::Float(f)) => *f,
                _ => {
                    return Err(design_error(
                        design_path,
                        format!("calibration cell {} needs a numeric `total`", k + 1),
                    ));
                }
            };
            let refs: Vec<&str> = parts.iter().map(|s| s.as_str()).collect();
            out.push((cell_key(&refs), label(by, &refs), total));
        }
    }
    let mut seen = HashMap::new();
    for (key, lab, _) in &out {
        if seen.insert(key.clone(), ()).is_some() {
            return Err(design_error(
                design_path,
                format!("target cell {lab} is given twice"),
            ));
        }
    }
    Ok(out)
}

fn label(by: &[String], values: &[&str]) -> String {
    by.iter()
        .zip(values)
        .map(|(b, v)| format!("{b}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Cell codes of each row for a margin, and its totals and labels by code.
fn margin_columns(
    table: &Table,
    spec: &MarginSpec,
    base_dir: &Path,
    design_path: &Path,
) -> Result<(Vec<u32>, Vec<f64>, Vec<String>)> {
    let by = spec.by.to_vec();
    let targets = read_targets(spec, &by, base_dir, design_path)?;
    let index: HashMap<&str, u32> = targets
        .iter()
        .enumerate()
        .map(|(i, (k, _, _))| (k.as_str(), i as u32))
        .collect();
    let cols: Vec<&super::table::Column> =
        by.iter().map(|b| table.column(b)).collect::<Result<_>>()?;
    let mut cells = Vec::with_capacity(table.rows());
    for row in 0..table.rows() {
        let parts: Vec<String> = cols.iter().map(|c| ascii_label(c.get(row))).collect();
        let refs: Vec<&str> = parts.iter().map(|s| s.as_str()).collect();
        match index.get(cell_key(&refs).as_str()) {
            Some(c) => cells.push(*c),
            None => {
                return Err(design_error(
                    &table.path,
                    format!(
                        "line {}: respondent in no target cell ({})",
                        table.line(row),
                        label(&by, &refs)
                    ),
                ));
            }
        }
    }
    Ok((
        cells,
        targets.iter().map(|t| t.2).collect(),
        targets.into_iter().map(|t| t.1).collect(),
    ))
}

impl NonresponseSpec {
    /// People invited per class (labels as [`ascii_label`] compares them): from the `invited`
    /// file (relative to `base_dir`), else from the database's counts.
    pub fn invited(&self, design_path: &Path, base_dir: &Path) -> Result<Vec<(String, f64)>> {
        match (&self.invited, &self.invited_counts) {
            (Some(file), _) => {
                let t = Table::read(&base_dir.join(file), &[])?;
                // Codes and labels from one call: they index each other.
                t.required_codes(&self.by)?;
                let (class, names) = t.codes(&self.by)?;
                let invited = t.required_numeric("invited")?;
                Ok(class
                    .iter()
                    .zip(invited)
                    .map(|(&c, n)| (ascii_label(&names[c as usize]), n))
                    .collect())
            }
            (None, Some(counts)) => Ok(counts
                .iter()
                .map(|(c, n)| (ascii_label(c), *n as f64))
                .collect()),
            (None, None) => Err(Error::Stats(format!(
                "{}: [nonresponse] needs `invited = \"FILE.csv\"` (columns `{}` and `invited`) when the data is a file",
                design_path.display(),
                self.by
            ))),
        }
    }
}

/// The `[nonresponse]` factor of every row: invited ÷ responded within its class.
fn nonresponse_factors(
    table: &Table,
    nr: &NonresponseSpec,
    design_path: &Path,
    base_dir: &Path,
) -> Result<Vec<f64>> {
    // Codes and labels from one call: they index each other (a column's own dictionary may
    // be in another order than the codes an estimate uses).
    table.required_codes(&nr.by)?;
    let (classes, labels) = table.codes(&nr.by)?;
    let counts = nr.invited(design_path, base_dir)?;
    let invited: Vec<Option<f64>> = labels
        .iter()
        .map(|l| {
            let l = ascii_label(l);
            counts.iter().find(|(c, _)| *c == l).map(|(_, n)| *n)
        })
        .collect();
    crate::stats::nonresponse::class_factors(&classes, &invited, &labels).map_err(|e| match e {
        Error::Stats(m) => Error::Stats(format!("{}: {m}", design_path.display())),
        other => other,
    })
}

/// The design the file describes, on this table: weights, strata, clusters, then replicates,
/// calibration and trimming in that order (as R's `as.svrepdesign`, `rake`, `trimWeights`).
/// `design_path` is for messages; target files are relative to `base_dir`.
pub fn build_design(
    table: &Table,
    file: &DesignFile,
    design_path: &Path,
    base_dir: &Path,
) -> Result<Design> {
    check_variables(table, file)?;
    let spec = &file.design;
    let mut weights = match &spec.weights {
        Some(w) => table.required_numeric(w)?,
        None => vec![1.0; table.rows()],
    };
    if let Some(nr) = &file.nonresponse {
        let factors = nonresponse_factors(table, nr, design_path, base_dir)?;
        for (w, f) in weights.iter_mut().zip(factors) {
            *w *= f;
        }
    }
    let strata = spec
        .strata
        .as_deref()
        .map(|s| table.required_codes(s))
        .transpose()?;
    let clusters = spec
        .cluster
        .as_deref()
        .map(|c| table.required_codes(c))
        .transpose()?;
    let with_source = |e: Error| match e {
        Error::Stats(m) => Error::Stats(format!("{}: {m}", table.path.display())),
        other => other,
    };
    let lonely = spec.lonely();
    if let (Some(name), Some(strata)) = (&spec.strata, &strata) {
        if lonely == LonelyPsu::Fail {
            note_lonely_stratum(table, name, strata, clusters.as_deref());
        }
    }
    let mut design =
        Design::with_lonely_psu(weights, strata.as_deref(), clusters.as_deref(), lonely)
            .map_err(with_source)?;
    if spec.replicates.is_some() {
        design = design.with_jackknife()?;
    }
    if let Some(cal) = &file.calibration {
        let margins: Vec<(Vec<u32>, Vec<f64>, Vec<String>)> = cal
            .margins
            .iter()
            .map(|m| margin_columns(table, m, base_dir, design_path))
            .collect::<Result<_>>()?;
        let margins_ref: Vec<Margin<'_>> = margins
            .iter()
            .map(|(c, t, l)| Margin {
                cells: c,
                totals: t,
                labels: l,
            })
            .collect();
        let in_file = |e: Error| match e {
            Error::Stats(m) => Error::Stats(format!("{}: calibration: {m}", design_path.display())),
            other => other,
        };
        design = if cal.method == "poststratify" {
            design.poststratify(margins_ref[0]).map_err(in_file)?
        } else {
            let d = RakeControl::default();
            let control = RakeControl {
                tolerance: cal.tolerance.unwrap_or(d.tolerance),
                max_iterations: cal.max_iterations.unwrap_or(d.max_iterations),
            };
            design.rake(&margins_ref, control).map_err(in_file)?
        };
    }
    if let Some(t) = &file.trim {
        design = design.trim(TrimBounds {
            lower_rel: t.lower,
            upper_rel: t.upper,
            strict: t.strict,
        })?;
    }
    Ok(design)
}

/// The first stratum with a single PSU, named by its value on standard error (R stops with
/// "Stratum (x) has only one PSU at stage 1"; Mizan gives the estimates without a variance,
/// with the status `single_psu:x`, and says how to get one).
fn note_lonely_stratum(table: &Table, name: &str, strata: &[u32], clusters: Option<&[u32]>) {
    if let Err(e) = lonely_stratum(table, name, strata, clusters) {
        eprintln!("note: {e}");
    }
}

fn lonely_stratum(
    table: &Table,
    name: &str,
    strata: &[u32],
    clusters: Option<&[u32]>,
) -> Result<()> {
    let (_, labels) = table.codes(name)?;
    let mut first: Vec<Option<(usize, u32)>> = vec![None; labels.len()];
    let mut several = vec![false; labels.len()];
    for (i, s) in strata.iter().enumerate() {
        let psu = clusters.map_or(i as u32, |c| c[i]);
        match first[*s as usize] {
            None => first[*s as usize] = Some((i, psu)),
            Some((_, p)) if p != psu => several[*s as usize] = true,
            _ => {}
        }
    }
    match (0..labels.len()).find(|h| first[*h].is_some() && !several[*h]) {
        None => Ok(()),
        Some(h) => {
            let row = first[h].map_or(0, |f| f.0);
            Err(Error::Stats(format!(
                "{}: stratum `{}` (column `{}`, first on line {}) has only one PSU: estimates come without a variance (status single_psu); merge it with another stratum, or set [design] lonely_psu = \"adjust\" (or remove, certainty, average) as R's survey.lonely.psu",
                table.path.display(),
                super::table::short(&labels[h]),
                super::table::short(name),
                table.line(row)
            )))
        }
    }
}

/// What the table must hold for the variables: the summary column of a multiple-choice
/// question (KoboToolbox and ODK add one 0/1 column `name/option` for each option) is
/// refused, since its cells are combinations of answers (`borehole bottled`), which in a label
/// export cannot even be split (labels have spaces); the option columns, in every export, are
/// what to estimate.
fn check_variables(table: &Table, file: &DesignFile) -> Result<()> {
    for v in &file.variables {
        let prefix = format!("{}/", v.name);
        let options: Vec<&String> = table
            .headers
            .iter()
            .filter(|h| h.starts_with(&prefix))
            .collect();
        if !options.is_empty() && table.has_column(&v.name) {
            let shown: Vec<String> = options
                .iter()
                .take(3)
                .map(|o| format!("`{}`", super::table::short(o)))
                .collect();
            return Err(Error::Stats(format!(
                "{}: column `{}` is a multiple-choice question (its cells list several answers): estimate its option columns instead, each as type = \"proportion\": {}{}",
                table.path.display(),
                super::table::short(&v.name),
                shown.join(", "),
                if options.len() > 3 { ", …" } else { "" }
            )));
        }
    }
    Ok(())
}
