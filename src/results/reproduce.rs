//! `reproduce.R`: an R script that reads the microdata download, rebuilds the same design with
//! R's `survey` package (`svydesign` with the design file's ids, strata and weights, the
//! jackknife, `rake` or `postStratify` to the same targets, `trimWeights`), checks that its
//! weights are the microdata's `final_weight`, and computes every estimate the design file
//! asks for, so an analyst can reproduce each published number.
//!
//! Written from the design file (targets inlined, so the script needs only the microdata), in
//! the terms R's `survey` documents; the estimators are the ones `tests/stats_reference.rs`
//! proves Mizan equal to.

use std::fmt::Write as _;

use super::SurveyDesign;
use super::downloads::FINAL_WEIGHT;
use crate::analysis::design_file::MarginSpec;
use crate::analysis::table::Table;
use crate::survey::Survey;
use crate::{Error, Result};

/// An R string literal.
fn r_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn r_vec(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| r_str(s)).collect();
    format!("c({})", inner.join(", "))
}

fn r_num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:?}")
    } else {
        "NA".into()
    }
}

/// The target cells of one margin: one row of `by` values and a total each.
fn targets(spec: &MarginSpec, base: &std::path::Path) -> Result<Vec<(Vec<String>, f64)>> {
    let by = spec.by.to_vec();
    let mut out = Vec::new();
    if let Some(rel) = &spec.targets {
        let path = base.join(rel);
        let t = Table::read(&path, &[])?;
        let total = ["Freq", "total", "Total", "freq"]
            .iter()
            .find(|n| t.has_column(n))
            .ok_or_else(|| {
                Error::Stats(format!(
                    "{}: targets need a `Freq` (or `total`) column",
                    path.display()
                ))
            })?;
        let cols: Vec<_> = by.iter().map(|b| t.column(b)).collect::<Result<_>>()?;
        let totals = t.column(total)?;
        for row in 0..t.rows() {
            let cell = totals.get(row).trim();
            let x = crate::analysis::table::ascii_number(cell)
                .parse::<f64>()
                .unwrap_or(f64::NAN);
            out.push((cols.iter().map(|c| c.get(row).to_string()).collect(), x));
        }
    } else if let Some(cells) = &spec.cells {
        for c in cells {
            let values = by
                .iter()
                .map(|b| match c.get(b) {
                    Some(toml::Value::String(s)) => s.clone(),
                    Some(v) => v.to_string(),
                    None => String::new(),
                })
                .collect();
            let total = match c.get("total") {
                Some(toml::Value::Integer(i)) => *i as f64,
                Some(toml::Value::Float(f)) => *f,
                _ => f64::NAN,
            };
            out.push((values, total));
        }
    }
    Ok(out)
}

/// The R interval method of a design-file interval name.
fn r_method(name: &str) -> &str {
    match name {
        "t" => "mean",
        other => other,
    }
}

/// The script for one wave of the survey; `microdata` is the file name it reads by default.
pub fn script(
    survey: &Survey,
    design: &SurveyDesign,
    wave: &str,
    microdata: &str,
) -> Result<String> {
    let f = &design.file;
    let mut s = String::new();
    let w = |s: &mut String, line: &str| {
        s.push_str(line);
        s.push('\n');
    };
    w(
        &mut s,
        &format!(
            "# Mizan: reproduce the published estimates of survey `{}`, wave `{wave}`, in R.",
            survey.id
        ),
    );
    w(
        &mut s,
        "# Needs R and the survey package (install.packages(\"survey\")). Run it beside the",
    );
    w(
        &mut s,
        "# microdata download:   Rscript reproduce.R [MICRODATA.csv] [OUT.csv]",
    );
    w(
        &mut s,
        "# It rebuilds the design of the design file, checks its weights against the column",
    );
    w(
        &mut s,
        "# final_weight, and writes every estimate at full precision (the published files round",
    );
    w(&mut s, "# them and suppress small cells).");
    w(&mut s, "suppressPackageStartupMessages(library(survey))");
    w(&mut s, "args <- commandArgs(trailingOnly = TRUE)");
    w(
        &mut s,
        &format!(
            "input <- if (length(args) >= 1) args[1] else {}",
            r_str(microdata)
        ),
    );
    w(
        &mut s,
        &format!(
            "output <- if (length(args) >= 2) args[2] else {}",
            r_str(&format!("{}-{wave}-reproduced.csv", survey.id))
        ),
    );
    w(
        &mut s,
        "d <- read.csv(input, fileEncoding = \"UTF-8-BOM\", colClasses = \"character\", na.strings = \"\", check.names = FALSE)",
    );
    w(
        &mut s,
        &format!(
            "missing_codes <- {}",
            r_vec(
                &f.data
                    .missing
                    .iter()
                    .map(|m| m.trim().to_lowercase())
                    .collect::<Vec<_>>()
            )
        ),
    );
    w(
        &mut s,
        "# Empty cells and the design file's missing codes are NA.",
    );
    w(
        &mut s,
        "clean <- function(x) { x <- trimws(x); x[!is.na(x) & tolower(x) %in% missing_codes] <- NA; x }",
    );
    w(&mut s, "num <- function(x) as.numeric(clean(x))");
    w(
        &mut s,
        &format!(
            "# This wave only: each wave is weighted on its own.\nd <- d[!is.na(d$wave) & d$wave == {}, , drop = FALSE]",
            r_str(wave)
        ),
    );
    for flt in &f.filters {
        let col = r_str(&flt.column);
        match (&flt.equals, &flt.from, &flt.to) {
            (Some(eq), _, _) => w(
                &mut s,
                &format!(
                    "x <- clean(d[[{col}]]); d <- d[!is.na(x) & x %in% {}, , drop = FALSE]  # [[filter]]",
                    r_vec(&eq.to_vec())
                ),
            ),
            (None, from, to) => {
                let mut cond = vec!["!is.na(x)".to_string()];
                if let Some(a) = from {
                    cond.push(format!("x >= {}", r_str(a)));
                }
                if let Some(b) = to {
                    cond.push(format!("x <= {}", r_str(b)));
                }
                w(
                    &mut s,
                    &format!(
                        "x <- substr(clean(d[[{col}]]), 1, 10); d <- d[{}, , drop = FALSE]  # [[filter]]",
                        cond.join(" & ")
                    ),
                );
            }
        }
    }
    let spec = &f.design;
    w(
        &mut s,
        &match &spec.weights {
            Some(c) => format!("d$mizan_w <- num(d[[{}]])", r_str(c)),
            None => "d$mizan_w <- 1".into(),
        },
    );
    if let Some(nr) = &f.nonresponse {
        let invited = nr.invited(&design.source(survey), &design.base_dir(survey))?;
        let (names, counts): (Vec<String>, Vec<String>) =
            invited.iter().map(|(c, n)| (c.clone(), r_num(*n))).unzip();
        w(
            &mut s,
            "# Nonresponse: each weight × invited ÷ responded within its class.",
        );
        w(
            &mut s,
            &format!(
                "mizan_invited <- setNames(c({}), {})",
                counts.join(", "),
                r_vec(&names)
            ),
        );
        w(
            &mut s,
            &format!("mizan_class <- clean(d[[{}]])", r_str(&nr.by)),
        );
        w(&mut s, "mizan_resp <- table(mizan_class)");
        w(
            &mut s,
            "d$mizan_w <- d$mizan_w * unname(mizan_invited[mizan_class]) / as.numeric(mizan_resp[mizan_class])",
        );
    }
    let ids = match &spec.cluster {
        Some(c) => {
            w(&mut s, &format!("d$mizan_psu <- clean(d[[{}]])", r_str(c)));
            "~mizan_psu"
        }
        None => "~1",
    };
    let strata = match &spec.strata {
        Some(c) => {
            w(
                &mut s,
                &format!("d$mizan_stratum <- clean(d[[{}]])", r_str(c)),
            );
            "~mizan_stratum"
        }
        None => "NULL",
    };
    w(
        &mut s,
        &format!(
            "options(survey.lonely.psu = {})",
            r_str(spec.lonely().as_str())
        ),
    );
    // Index columns and the variables, as numbers R estimates.
    let mut vars: Vec<(String, String, String)> = Vec::new(); // (name, kind, R column)
    for (k, v) in f.variables.iter().enumerate() {
        let col = format!("mizan_v{}", k + 1);
        let src = r_str(&v.name);
        match (v.kind.as_str(), &v.category) {
            ("proportion", Some(cat)) => w(
                &mut s,
                &format!(
                    "x <- clean(d[[{src}]]); d${col} <- ifelse(is.na(x), NA, as.numeric(x == {}))",
                    r_str(cat)
                ),
            ),
            ("total", Some(cat)) => w(
                &mut s,
                &format!(
                    "x <- clean(d[[{src}]]); d${col} <- ifelse(is.na(x), NA, as.numeric(x == {}))",
                    r_str(cat)
                ),
            ),
            ("categorical", _) => w(&mut s, &format!("d${col} <- clean(d[[{src}]])")),
            _ => w(&mut s, &format!("d${col} <- num(d[[{src}]])")),
        }
        vars.push((v.name.clone(), v.kind.clone(), col));
    }
    for (k, idx) in f.indices.iter().enumerate() {
        let col = format!("mizan_i{}", k + 1);
        let mut parts = Vec::new();
        for item in &idx.items {
            let [low, high] = idx.scale_of(item);
            let (low, high) = if idx.reversed.contains(item) {
                (high, low)
            } else {
                (low, high)
            };
            parts.push(format!(
                "100 * (num(d[[{}]]) - {}) / ({} - {})",
                r_str(item),
                r_num(low),
                r_num(high),
                r_num(low)
            ));
        }
        let min = idx.min_answered.unwrap_or(idx.items.len());
        w(&mut s, &format!("items <- cbind({})", parts.join(",\n  ")));
        w(
            &mut s,
            &format!(
                "d${col} <- ifelse(rowSums(!is.na(items)) >= {min}, rowMeans(items, na.rm = TRUE), NA)  # index {}",
                idx.name
            ),
        );
        vars.push((idx.name.clone(), "mean".into(), col));
    }
    let domains: Vec<(String, String)> = f
        .output
        .domains
        .iter()
        .enumerate()
        .map(|(k, dname)| {
            let col = format!("mizan_d{}", k + 1);
            (dname.clone(), col)
        })
        .collect();
    for (dname, col) in &domains {
        w(&mut s, &format!("d${col} <- clean(d[[{}]])", r_str(dname)));
    }
    w(
        &mut s,
        &format!(
            "des <- svydesign(ids = {ids}, strata = {strata}, weights = ~mizan_w, data = d, nest = TRUE)"
        ),
    );
    if spec.replicates.is_some() {
        w(
            &mut s,
            "des <- as.svrepdesign(des, type = \"JKn\", mse = TRUE)",
        );
    }
    if let Some(cal) = &f.calibration {
        let base = design.base_dir(survey);
        let mut formulas = Vec::new();
        let mut pops = Vec::new();
        for (k, m) in cal.margins.iter().enumerate() {
            let by = m.by.to_vec();
            let cells = targets(m, &base)?;
            let mut cols = Vec::new();
            for (j, b) in by.iter().enumerate() {
                let rcol = format!("mizan_c{}_{}", k + 1, j + 1);
                w(&mut s, &format!("d${rcol} <- clean(d[[{}]])", r_str(b)));
                let values: Vec<String> = cells.iter().map(|(v, _)| v[j].clone()).collect();
                cols.push((rcol, values));
            }
            let totals: Vec<String> = cells.iter().map(|(_, t)| r_num(*t)).collect();
            let frame: Vec<String> = cols
                .iter()
                .map(|(c, v)| format!("{c} = {}", r_vec(v)))
                .chain(std::iter::once(format!("Freq = c({})", totals.join(", "))))
                .collect();
            w(
                &mut s,
                &format!(
                    "pop{} <- data.frame({}, stringsAsFactors = FALSE)  # targets of {}",
                    k + 1,
                    frame.join(", "),
                    by.join(" x ")
                ),
            );
            formulas.push(format!(
                "~{}",
                cols.iter()
                    .map(|(c, _)| c.as_str())
                    .collect::<Vec<_>>()
                    .join(" + ")
            ));
            pops.push(format!("pop{}", k + 1));
        }
        // The calibration columns were added after svydesign: rebuild it with them.
        w(
            &mut s,
            &format!(
                "des <- svydesign(ids = {ids}, strata = {strata}, weights = ~mizan_w, data = d, nest = TRUE)"
            ),
        );
        if spec.replicates.is_some() {
            w(
                &mut s,
                "des <- as.svrepdesign(des, type = \"JKn\", mse = TRUE)",
            );
        }
        if cal.method == "rake" {
            let tol = cal.tolerance.unwrap_or(1e-10);
            let it = cal.max_iterations.unwrap_or(1000);
            w(
                &mut s,
                &format!(
                    "des <- rake(des, list({}), list({}), control = list(maxit = {it}, epsilon = {}, verbose = FALSE))",
                    formulas.join(", "),
                    pops.join(", "),
                    r_num(tol)
                ),
            );
        } else {
            w(
                &mut s,
                &format!("des <- postStratify(des, {}, {})", formulas[0], pops[0]),
            );
        }
    }
    if let Some(t) = &f.trim {
        w(&mut s, "mw <- mean(weights(des))");
        w(
            &mut s,
            &format!(
                "des <- trimWeights(des, lower = {} * mw, upper = {} * mw, strict = {})",
                r_num(t.lower),
                r_num(t.upper),
                if t.strict { "TRUE" } else { "FALSE" }
            ),
        );
    }
    w(
        &mut s,
        &format!(
            "fw <- as.numeric(d[[{}]])\nstopifnot(isTRUE(all.equal(as.numeric(weights(des, \"sampling\")), fw, tolerance = 1e-9)))  # the microdata's final weights",
            r_str(FINAL_WEIGHT)
        ),
    );
    w(&mut s, &format!("level <- {}", r_num(f.output.level)));
    w(&mut s, "df_all <- degf(des)");
    w(&mut s, "out <- list()");
    w(
        &mut s,
        "row <- function(variable, category, domain, value, n, est, se, ci) {\n  out[[length(out) + 1]] <<- data.frame(variable = variable, category = category, domain = domain,\n    domain_value = value, n = n, estimate = est, se = se, ci_low = ci[1], ci_high = ci[2],\n    stringsAsFactors = FALSE)\n}",
    );
    w(
        &mut s,
        "# Each scope: the whole sample, then each value of each breakdown (its own df for shares).",
    );
    let mut scopes = String::from(
        "scopes <- list(list(domain = \"\", value = \"\", keep = rep(TRUE, nrow(d)), df = df_all)",
    );
    scopes.push(')');
    w(&mut s, &scopes);
    for (dname, col) in &domains {
        w(
            &mut s,
            &format!(
                "for (v in sort(unique(na.omit(d${col})))) scopes[[length(scopes) + 1]] <- list(domain = {}, value = v, keep = !is.na(d${col}) & d${col} == v, df = degf(des[!is.na(d${col}) & d${col} == v, ]))",
                r_str(dname)
            ),
        );
    }
    w(
        &mut s,
        "tci <- function(est, se, df) est + c(-1, 1) * qt(1 - (1 - level) / 2, df) * se",
    );
    w(
        &mut s,
        "# The scope's rows of the design with y; the other rows keep the design's structure but",
    );
    w(
        &mut s,
        "# weigh nothing (R's domain estimation), and their y is set to 0, not NA.",
    );
    w(
        &mut s,
        "within <- function(y, k) { dk <- des; dk$variables$mizan_y <- ifelse(k, y, 0); dk[k, ] }",
    );
    w(
        &mut s,
        "# svyciprop's logit interval through confint.svyglm rounds its level to 1 when df is 1",
    );
    w(
        &mut s,
        "# (an infinite interval): the same interval from its own estimate and SE, with t(df).",
    );
    w(
        &mut s,
        &format!(
            "fix_ci <- function(p, df, method) {{ ci <- as.numeric(attr(p, \"ci\")); if (method == \"logit\" && !all(is.finite(ci))) {{\n  e <- coef(p)[[1]]; s <- SE(p)[[1]] / (e * (1 - e))\n  ci <- plogis(qlogis(e) + c(-1, 1) * qt(1 - (1 - level) / 2, df) * s) }}; ci }}"
        ),
    );
    for (name, kind, col) in &vars {
        let method = f
            .variables
            .iter()
            .find(|v| v.name == *name)
            .and_then(|v| v.interval.clone())
            .unwrap_or_else(|| f.output.interval.clone());
        let method = r_method(&method);
        let n = r_str(name);
        match kind.as_str() {
            "mean" => w(
                &mut s,
                &format!(
                    "for (sc in scopes) {{ k <- sc$keep & !is.na(d${col}); if (sum(k) == 0) next\n  m <- svymean(~mizan_y, within(d${col}, k)); e <- coef(m)[[1]]; se <- SE(m)[[1]]\n  row({n}, \"\", sc$domain, sc$value, sum(k), e, se, tci(e, se, df_all)) }}"
                ),
            ),
            "total" => w(
                &mut s,
                &format!(
                    "for (sc in scopes) {{ k <- sc$keep & !is.na(d${col}); if (sum(k) == 0) next\n  m <- svytotal(~mizan_y, within(d${col}, k)); e <- coef(m)[[1]]; se <- SE(m)[[1]]\n  row({n}, {cat}, sc$domain, sc$value, sum(k), e, se, tci(e, se, df_all)) }}",
                    cat = r_str(
                        f.variables
                            .iter()
                            .find(|v| v.name == *name)
                            .and_then(|v| v.category.clone())
                            .unwrap_or_default()
                            .as_str()
                    ),
                ),
            ),
            "proportion" => w(
                &mut s,
                &format!(
                    "for (sc in scopes) {{ k <- sc$keep & !is.na(d${col}); if (sum(k) == 0) next\n  p <- svyciprop(~mizan_y, within(d${col}, k), method = {m}, level = level, df = sc$df)\n  row({n}, {cat}, sc$domain, sc$value, sum(k), coef(p)[[1]], SE(p)[[1]], fix_ci(p, sc$df, {m})) }}",
                    m = r_str(method),
                    cat = r_str(
                        f.variables
                            .iter()
                            .find(|v| v.name == *name)
                            .and_then(|v| v.category.clone())
                            .unwrap_or_default()
                            .as_str()
                    ),
                ),
            ),
            _ => w(
                &mut s,
                &format!(
                    "cats <- sort(unique(na.omit(d${col})))\nfor (sc in scopes) {{ k <- sc$keep & !is.na(d${col}); if (sum(k) == 0) next\n  for (cc in cats) {{ p <- svyciprop(~mizan_y, within(as.numeric(d${col} == cc), k), method = {m}, level = level, df = sc$df)\n    row({n}, cc, sc$domain, sc$value, sum(k), coef(p)[[1]], SE(p)[[1]], fix_ci(p, sc$df, {m})) }} }}",
                    m = r_str(method),
                ),
            ),
        }
    }
    w(&mut s, "res <- do.call(rbind, out)");
    w(
        &mut s,
        "write.csv(res, output, row.names = FALSE, fileEncoding = \"UTF-8\")",
    );
    w(
        &mut s,
        "cat(sprintf(\"%d estimates written to %s\\n\", nrow(res), output))",
    );
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_strings_are_escaped() {
        assert_eq!(r_str("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(r_str("ميزان"), "\"ميزان\"");
        assert_eq!(r_vec(&["x".into(), "y".into()]), "c(\"x\", \"y\")");
        assert_eq!(r_num(f64::NAN), "NA");
        assert_eq!(r_num(0.1), "0.1");
    }
}
