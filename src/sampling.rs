//! Probability samples drawn from a sampling frame. Pure: reads a frame from any reader, draws
//! with a seeded generator, returns the units with their inclusion probabilities; the CLI
//! (`mizan sample draw`) does the files and the database.
//!
//! **Frame.** A CSV with a header: `unit_id` and `stratum` (required), `cluster` and `size`
//! (optional; `size` is the cluster's measure of size for two-stage draws and must be a
//! positive number on every row that has the column; ignored by one-stage draws).
//!
//! **One stage: stratified simple random sampling without replacement.** In stratum `h` with
//! `N_h` units, `n_h` are drawn by a partial Fisher–Yates shuffle; each gets π = n_h / N_h and
//! base weight N_h / n_h, so the base weights of a stratum add up to N_h.
//!
//! **Allocation** of the total `n` to the strata:
//! - `proportional`: n_h ∝ N_h, rounded by largest remainders (Hamilton), ties to the stratum
//!   first in name order. Every stratum gets at least one unit (a stratum with none would have
//!   π = 0 and could not be estimated): a stratum whose share is below one gets one and the
//!   rest is shared again among the others. So `n` must be at least the number of strata.
//! - `equal`: n / H each, the remainder one each to the strata first in name order.
//! - `given`: n_h from a CSV (`stratum`, `n`) naming every stratum of the frame; they must add
//!   up to `n`.
//!
//! A stratum asked for more units than it has is an error, never silently capped.
//!
//! **Two stages** (`clusters_per_stratum = K`): in each stratum K clusters are drawn by
//! systematic PPS (probability proportional to size: a random start in [0, M/K) and steps of
//! M/K along the clusters' cumulated sizes, in frame order of their first row), with
//! π_c = K·M_c/M; a cluster with K·M_c ≥ M is taken with certainty (π_c = 1) and the rest drawn
//! among the others. The cluster's size M_c is its `size` (which must be the same on all its
//! rows), or without that column its number of units. The stratum's n_h units are then shared
//! equally among the drawn clusters (the remainder one each to the first drawn) and drawn by
//! simple random sampling in each: π = π_c · m_c / N_c, the usual two-stage weight given the
//! clusters drawn. With sizes equal to the unit counts and n_h a multiple of K the sample is
//! self-weighting (π = K·m / N_h).
//!
//! **Reproducible.** The generator is ChaCha20 keyed by the seed (8 bytes little-endian then
//! zeros), and uniform integers are taken from its 64-bit outputs by rejection, so the same
//! frame and seed give the same units in the same order whatever the version of `rand`.
//! Strata are drawn in name order; units are listed stratum by stratum in the order drawn.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use rand::rngs::ChaCha20Rng;
use rand::{Rng, SeedableRng};

use crate::{Error, Result};

/// One row of the frame.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameUnit {
    pub unit_id: String,
    pub stratum: String,
    /// Empty when the frame has no cluster column (or the cell is empty).
    pub cluster: String,
    pub size: Option<f64>,
    /// Line of the CSV file (the header is line 1).
    pub line: u64,
}

/// A checked frame: unique ids, non-empty strata, positive sizes.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// The file's name, for messages.
    pub file: String,
    pub units: Vec<FrameUnit>,
    pub has_cluster: bool,
    pub has_size: bool,
}

/// How the sample size is shared among strata.
#[derive(Debug, Clone, PartialEq)]
pub enum Allocation {
    Proportional,
    Equal,
    /// n per stratum.
    Given(BTreeMap<String, u64>),
}

impl Allocation {
    pub fn name(&self) -> &'static str {
        match self {
            Allocation::Proportional => "proportional",
            Allocation::Equal => "equal",
            Allocation::Given(_) => "given",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Total sample size.
    pub size: u64,
    pub allocation: Allocation,
    /// Two stages with this many clusters drawn per stratum.
    pub clusters_per_stratum: Option<u64>,
}

/// A sampled unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Sampled {
    pub unit_id: String,
    pub stratum: String,
    pub cluster: String,
    /// Inclusion probability π.
    pub probability: f64,
    /// 1 / π.
    pub base_weight: f64,
}

/// Population and sample of one stratum.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StratumReport {
    pub stratum: String,
    pub population: u64,
    pub sample: u64,
    /// Two stages only: clusters in the frame and clusters drawn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clusters: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clusters_drawn: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Draw {
    pub units: Vec<Sampled>,
    /// In stratum name order.
    pub strata: Vec<StratumReport>,
}

/// Errors of one file, one line each.
fn problems(lines: Vec<String>) -> Error {
    Error::BadRequest(lines.join("\n"))
}

fn header_index(headers: &csv::StringRecord, name: &str) -> Option<usize> {
    headers
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}').trim() == name)
}

fn reader<R: Read>(input: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(input)
}

fn csv_problem(file: &str, e: &csv::Error) -> String {
    match e.position() {
        Some(p) => format!("{file} line {}: malformed CSV: {e}", p.line()),
        None => format!("{file}: malformed CSV: {e}"),
    }
}

/// Read and check a frame. `file` names it in the messages. Every problem is reported, one
/// line each, with its line number.
pub fn read_frame<R: Read>(file: &str, input: R) -> Result<Frame> {
    let mut csv = reader(input);
    let headers = csv
        .headers()
        .map_err(|e| problems(vec![csv_problem(file, &e)]))?
        .clone();
    let id_col = header_index(&headers, "unit_id");
    let stratum_col = header_index(&headers, "stratum");
    let mut errors = Vec::new();
    for (col, name) in [(id_col, "unit_id"), (stratum_col, "stratum")] {
        if col.is_none() {
            errors.push(format!("{file} line 1: missing column `{name}`"));
        }
    }
    let (Some(id_col), Some(stratum_col)) = (id_col, stratum_col) else {
        return Err(problems(errors));
    };
    let cluster_col = header_index(&headers, "cluster");
    let size_col = header_index(&headers, "size");
    let mut units = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in csv.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(csv_problem(file, &e));
                // A malformed record may make the rest unreadable: stop at the first.
                break;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let cell = |i: usize| record.get(i).unwrap_or("").trim().to_string();
        let unit_id = cell(id_col);
        let stratum = cell(stratum_col);
        if unit_id.is_empty() {
            errors.push(format!("{file} line {line}: unit_id is empty"));
        } else if let Some(first) = seen.get(&unit_id) {
            errors.push(format!(
                "{file} line {line}: unit_id {unit_id:?} is already on line {first}"
            ));
        } else {
            seen.insert(unit_id.clone(), line);
        }
        if stratum.is_empty() {
            errors.push(format!("{file} line {line}: stratum is empty"));
        }
        let size = match size_col.map(cell) {
            None => None,
            Some(text) => match text.parse::<f64>() {
                Ok(x) if x.is_finite() && x > 0.0 => Some(x),
                _ => {
                    errors.push(format!(
                        "{file} line {line}: size {text:?} is not a positive number"
                    ));
                    None
                }
            },
        };
        units.push(FrameUnit {
            unit_id,
            stratum,
            cluster: cluster_col.map(cell).unwrap_or_default(),
            size,
            line,
        });
    }
    if errors.is_empty() && units.is_empty() {
        errors.push(format!("{file}: the frame has no units"));
    }
    if !errors.is_empty() {
        return Err(problems(errors));
    }
    Ok(Frame {
        file: file.to_string(),
        units,
        has_cluster: cluster_col.is_some(),
        has_size: size_col.is_some(),
    })
}

/// Read a `given` allocation: columns `stratum` and `n` (a whole number ≥ 1).
pub fn read_per_stratum<R: Read>(file: &str, input: R) -> Result<BTreeMap<String, u64>> {
    let mut csv = reader(input);
    let headers = csv
        .headers()
        .map_err(|e| problems(vec![csv_problem(file, &e)]))?
        .clone();
    let stratum_col = header_index(&headers, "stratum");
    let n_col = header_index(&headers, "n");
    let mut errors = Vec::new();
    for (col, name) in [(stratum_col, "stratum"), (n_col, "n")] {
        if col.is_none() {
            errors.push(format!("{file} line 1: missing column `{name}`"));
        }
    }
    let (Some(stratum_col), Some(n_col)) = (stratum_col, n_col) else {
        return Err(problems(errors));
    };
    let mut out: BTreeMap<String, u64> = BTreeMap::new();
    let mut lines: HashMap<String, u64> = HashMap::new();
    for record in csv.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(csv_problem(file, &e));
                break;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let stratum = record.get(stratum_col).unwrap_or("").trim().to_string();
        let n_text = record.get(n_col).unwrap_or("").trim();
        if stratum.is_empty() {
            errors.push(format!("{file} line {line}: stratum is empty"));
            continue;
        }
        if let Some(first) = lines.get(&stratum) {
            errors.push(format!(
                "{file} line {line}: stratum {stratum:?} is already on line {first}"
            ));
            continue;
        }
        lines.insert(stratum.clone(), line);
        match n_text.parse::<u64>() {
            Ok(n) if n >= 1 => {
                out.insert(stratum, n);
            }
            _ => errors.push(format!(
                "{file} line {line}: n {n_text:?} is not a whole number of at least 1"
            )),
        }
    }
    if !errors.is_empty() {
        return Err(problems(errors));
    }
    Ok(out)
}

/// The generator of a draw: ChaCha20 keyed by the seed.
fn generator(seed: u64) -> ChaCha20Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    ChaCha20Rng::from_seed(key)
}

/// A uniform integer in `0..n` (n ≥ 1), by rejection so that there is no modulo bias.
fn below(rng: &mut impl Rng, n: u64) -> u64 {
    let n = u128::from(n);
    let zone = (1u128 << 64) - (1u128 << 64) % n;
    loop {
        let x = u128::from(rng.next_u64());
        if x < zone {
            return (x % n) as u64;
        }
    }
}

/// A uniform number in [0, 1) with 53 random bits.
fn unit_interval(rng: &mut impl Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// `k` of `items` by simple random sampling without replacement, in the order drawn.
fn srs<T: Clone>(rng: &mut impl Rng, items: &[T], k: usize) -> Vec<T> {
    let mut idx: Vec<usize> = (0..items.len()).collect();
    for i in 0..k {
        let j = i + below(rng, (idx.len() - i) as u64) as usize;
        idx.swap(i, j);
    }
    idx[..k].iter().map(|&i| items[i].clone()).collect()
}

/// Share `n` among groups by largest remainders: each gets ⌊n·w/W⌋, then the groups with the
/// largest remainders one more each (ties to the earlier group). Sums to `n` exactly.
fn largest_remainder(n: u64, weights: &[u64]) -> Vec<u64> {
    let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if total == 0 {
        return vec![0; weights.len()];
    }
    // Integer arithmetic: quota = n·w / W exactly, as quotient and remainder.
    let mut out: Vec<u64> = Vec::with_capacity(weights.len());
    let mut rems: Vec<(u128, usize)> = Vec::with_capacity(weights.len());
    for (i, &w) in weights.iter().enumerate() {
        let num = u128::from(n) * u128::from(w);
        out.push((num / total) as u64);
        rems.push((num % total, i));
    }
    let given: u64 = out.iter().sum();
    rems.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in rems.iter().take((n - given) as usize) {
        out[i] += 1;
    }
    out
}

/// Proportional allocation with at least one unit per stratum (see the module docs). The
/// caller has checked `strata.len() ≤ n ≤ Σ populations`.
pub fn proportional(n: u64, populations: &[u64]) -> Vec<u64> {
    let mut fixed: Vec<Option<u64>> = vec![None; populations.len()];
    loop {
        let left = n - fixed.iter().flatten().sum::<u64>();
        let free: Vec<usize> = (0..populations.len())
            .filter(|&i| fixed[i].is_none())
            .collect();
        let free_pop: u64 = free.iter().map(|&i| populations[i]).sum();
        // A share below one: n_left · N_h < N_free.
        let small: Vec<usize> = free
            .iter()
            .copied()
            .filter(|&i| u128::from(left) * u128::from(populations[i]) < u128::from(free_pop))
            .collect();
        if small.is_empty() {
            let weights: Vec<u64> = free.iter().map(|&i| populations[i]).collect();
            let shares = largest_remainder(left, &weights);
            for (k, &i) in free.iter().enumerate() {
                fixed[i] = Some(shares[k]);
            }
            return fixed.into_iter().map(|x| x.unwrap_or(0)).collect();
        }
        for i in small {
            fixed[i] = Some(1);
        }
    }
}

/// Inclusion probabilities of `k` clusters drawn with probability proportional to `sizes`,
/// clusters with k·M_c ≥ M taken with certainty (repeatedly, as the module docs say). They add
/// up to `k`. The caller has checked `k ≤ sizes.len()`.
pub fn pps_probabilities(sizes: &[f64], k: u64) -> Vec<f64> {
    let mut pi: Vec<Option<f64>> = vec![None; sizes.len()];
    loop {
        let certain = pi.iter().flatten().count() as u64;
        let left = (k - certain) as f64;
        let free: Vec<usize> = (0..sizes.len()).filter(|&i| pi[i].is_none()).collect();
        let total: f64 = free.iter().map(|&i| sizes[i]).sum();
        let big: Vec<usize> = free
            .iter()
            .copied()
            .filter(|&i| left * sizes[i] >= total)
            .collect();
        if big.is_empty() || left == 0.0 {
            for i in free {
                pi[i] = Some(if left == 0.0 {
                    0.0
                } else {
                    left * sizes[i] / total
                });
            }
            return pi.into_iter().map(|p| p.unwrap_or(0.0)).collect();
        }
        for i in big {
            pi[i] = Some(1.0);
        }
    }
}

/// Systematic PPS: the indices of the clusters drawn, certainties first then in order along
/// the frame, with their probabilities from [`pps_probabilities`].
fn systematic_pps(rng: &mut impl Rng, sizes: &[f64], k: u64) -> Vec<usize> {
    let pi = pps_probabilities(sizes, k);
    let mut chosen: Vec<usize> = (0..sizes.len()).filter(|&i| pi[i] >= 1.0).collect();
    let rest: Vec<usize> = (0..sizes.len()).filter(|&i| pi[i] < 1.0).collect();
    let left = k as usize - chosen.len();
    if left > 0 {
        // Steps of 1 along the cumulated probabilities (which add up to `left`): each
        // cluster's stretch is π_c < 1 long, so it is hit at most once, with probability π_c.
        let start = unit_interval(rng);
        let mut cum = 0.0;
        let mut point = start;
        let mut hits = 0;
        for (pos, &i) in rest.iter().enumerate() {
            cum += pi[i];
            let last = pos + 1 == rest.len();
            while hits < left && (point < cum || last) {
                if chosen.last() != Some(&i) {
                    chosen.push(i);
                }
                hits += 1;
                point = start + hits as f64;
            }
        }
    }
    chosen
}

/// Draw the sample. Checks that every stratum can give what it is asked for.
pub fn draw(frame: &Frame, design: &Design, seed: u64) -> Result<Draw> {
    let mut by_stratum: BTreeMap<&str, Vec<&FrameUnit>> = BTreeMap::new();
    for u in &frame.units {
        by_stratum.entry(u.stratum.as_str()).or_default().push(u);
    }
    let names: Vec<&str> = by_stratum.keys().copied().collect();
    let populations: Vec<u64> = by_stratum.values().map(|v| v.len() as u64).collect();
    let total: u64 = populations.iter().sum();
    let n = design.size;
    let mut errors = Vec::new();
    if n == 0 {
        return Err(problems(vec!["the sample size must be at least 1".into()]));
    }
    if n > total {
        return Err(problems(vec![format!(
            "a sample of {n} was asked from a frame of {total} units"
        )]));
    }
    let strata = names.len() as u64;
    let shares: Vec<u64> = match &design.allocation {
        Allocation::Proportional | Allocation::Equal if n < strata => {
            return Err(problems(vec![format!(
                "a sample of {n} cannot give at least one unit to each of the {strata} strata"
            )]));
        }
        Allocation::Proportional => proportional(n, &populations),
        Allocation::Equal => largest_remainder(n, &vec![1; names.len()]),
        Allocation::Given(given) => {
            for name in given.keys() {
                if !by_stratum.contains_key(name.as_str()) {
                    errors.push(format!(
                        "stratum {name:?} of the allocation has no units in the frame (an empty stratum)"
                    ));
                }
            }
            for name in &names {
                if !given.contains_key(*name) {
                    errors.push(format!(
                        "stratum {name:?} of the frame has no n in the allocation"
                    ));
                }
            }
            let sum: u64 = given.values().sum();
            if errors.is_empty() && sum != n {
                errors.push(format!(
                    "the allocation adds up to {sum}, not to the sample size {n}"
                ));
            }
            names
                .iter()
                .map(|s| given.get(*s).copied().unwrap_or(0))
                .collect()
        }
    };
    for (i, name) in names.iter().enumerate() {
        if shares[i] > populations[i] {
            errors.push(format!(
                "stratum {name:?} is asked for {} units but has only {} in the frame",
                shares[i], populations[i]
            ));
        }
    }
    if let Some(k) = design.clusters_per_stratum {
        if k == 0 {
            errors.push("at least one cluster per stratum must be drawn".into());
        }
        if !frame.has_cluster {
            errors.push("a two-stage draw needs a `cluster` column in the frame".into());
        } else {
            for u in &frame.units {
                if u.cluster.is_empty() {
                    errors.push(format!(
                        "{} line {}: cluster is empty (a two-stage draw needs one on every row)",
                        frame.file, u.line
                    ));
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(problems(errors));
    }
    let mut rng = generator(seed);
    let mut units = Vec::with_capacity(n as usize);
    let mut reports = Vec::with_capacity(names.len());
    for (i, (name, members)) in by_stratum.iter().enumerate() {
        let n_h = shares[i];
        let n_pop = populations[i];
        let mut report = StratumReport {
            stratum: name.to_string(),
            population: n_pop,
            sample: n_h,
            clusters: None,
            clusters_drawn: None,
        };
        match design.clusters_per_stratum {
            None => {
                let probability = n_h as f64 / n_pop as f64;
                let base_weight = n_pop as f64 / n_h as f64;
                for u in srs(&mut rng, members, n_h as usize) {
                    units.push(Sampled {
                        unit_id: u.unit_id.clone(),
                        stratum: u.stratum.clone(),
                        cluster: u.cluster.clone(),
                        probability,
                        base_weight,
                    });
                }
            }
            Some(k) => {
                let drawn = two_stage(&mut rng, frame, name, members, n_h, k)?;
                report.clusters = Some(drawn.1);
                report.clusters_drawn = Some(k);
                units.extend(drawn.0);
            }
        }
        reports.push(report);
    }
    Ok(Draw {
        units,
        strata: reports,
    })
}

/// The two stages in one stratum: the units drawn and the number of clusters in the frame.
fn two_stage(
    rng: &mut impl Rng,
    frame: &Frame,
    stratum: &str,
    members: &[&FrameUnit],
    n_h: u64,
    k: u64,
) -> Result<(Vec<Sampled>, u64)> {
    // Clusters in frame order of their first row.
    let mut order: Vec<&str> = Vec::new();
    let mut rows: HashMap<&str, Vec<&FrameUnit>> = HashMap::new();
    for u in members {
        let entry = rows.entry(u.cluster.as_str()).or_insert_with(|| {
            order.push(u.cluster.as_str());
            Vec::new()
        });
        entry.push(u);
    }
    let mut errors = Vec::new();
    if n_h < k {
        errors.push(format!(
            "stratum {stratum:?} gets {n_h} units, fewer than its {k} clusters (each drawn cluster needs at least one)"
        ));
    }
    if (order.len() as u64) < k {
        errors.push(format!(
            "stratum {stratum:?} has {} clusters; {k} were asked for",
            order.len()
        ));
    }
    let sizes: Vec<f64> = order
        .iter()
        .map(|c| {
            let units = &rows[c];
            if !frame.has_size {
                return units.len() as f64;
            }
            let first = units[0].size.unwrap_or(1.0);
            for u in units.iter().skip(1) {
                if u.size != Some(first) {
                    errors.push(format!(
                        "{} line {}: size of cluster {c:?} differs from line {} (a cluster has one measure of size)",
                        frame.file, u.line, units[0].line
                    ));
                }
            }
            first
        })
        .collect();
    if !errors.is_empty() {
        return Err(problems(errors));
    }
    let pi = pps_probabilities(&sizes, k);
    let chosen = systematic_pps(rng, &sizes, k);
    let takes = largest_remainder(n_h, &vec![1; chosen.len()]);
    for (pos, &c) in chosen.iter().enumerate() {
        let units = &rows[order[c]];
        if takes[pos] > units.len() as u64 {
            errors.push(format!(
                "cluster {:?} of stratum {stratum:?} has {} units, fewer than the {} to draw in it; draw more clusters per stratum or a smaller sample",
                order[c],
                units.len(),
                takes[pos]
            ));
        }
    }
    if !errors.is_empty() {
        return Err(problems(errors));
    }
    let mut out = Vec::with_capacity(n_h as usize);
    for (pos, &c) in chosen.iter().enumerate() {
        let units = &rows[order[c]];
        let m = takes[pos];
        let probability = pi[c] * m as f64 / units.len() as f64;
        for u in srs(rng, units, m as usize) {
            out.push(Sampled {
                unit_id: u.unit_id.clone(),
                stratum: u.stratum.clone(),
                cluster: u.cluster.clone(),
                probability,
                base_weight: 1.0 / probability,
            });
        }
    }
    Ok((out, order.len() as u64))
}

#[cfg(test)]
mod tests;
