//! Black-box tests of `mizan estimate`: the real binary on the reference poll, compared with
//! R's numbers in cases.json; broken inputs give a message naming the file and line, exit code
//! 1, and no output file.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn mizan(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mizan"))
        .args(args)
        .output()
        .expect("run mizan")
}

fn expected(id: &str) -> Value {
    let text = std::fs::read_to_string(repo("tests/data/stats-reference/cases.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no case {id}"))["expected"]
        .clone()
}

fn rel_close(got: f64, want: f64, tol: f64) -> bool {
    ((got - want) / want).abs() <= tol
}

#[test]
fn estimate_on_reference_poll_matches_r() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.csv");
    let res = mizan(&[
        "estimate",
        "--data",
        repo("tests/data/stats-reference/poll.csv")
            .to_str()
            .unwrap(),
        "--design",
        repo("tests/data/estimate/raked.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        res.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&res.stderr)
    );
    let bytes = std::fs::read(&out).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "output starts with a BOM"
    );
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        headers,
        [
            "variable",
            "category",
            "domain",
            "domain_value",
            "n",
            "n_eff",
            "estimate",
            "se",
            "ci_low",
            "ci_high",
            "deff",
            "flag",
            "status"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let find = |var: &str, cat: &str, dom: &str, val: &str| {
        rows.iter()
            .find(|r| &r[0] == var && &r[1] == cat && &r[2] == dom && &r[3] == val)
            .unwrap_or_else(|| panic!("no row {var}/{cat}/{dom}/{val}"))
            .clone()
    };
    let num = |r: &csv::StringRecord, i: usize| r[i].parse::<f64>().unwrap();
    let checks = [
        (
            find("trust_police", "", "", ""),
            "raked/mean/trust_police",
            true,
        ),
        (
            find("satisfied", "", "", ""),
            "raked/proportion/satisfied/logit",
            true,
        ),
        (
            find("reported_crime", "", "", ""),
            "raked/proportion/reported_crime/beta",
            true,
        ),
        (
            find("trust_police", "", "gender", "female"),
            "raked/domain_mean/trust_police/gender/female",
            false,
        ),
        (
            find("satisfied", "", "gender", "male"),
            "raked/domain_proportion/satisfied/gender/male",
            false,
        ),
    ];
    for (row, id, with_ci) in checks {
        let e = expected(id);
        assert!(
            rel_close(num(&row, 6), e["estimate"].as_f64().unwrap(), 1e-9),
            "{id} estimate"
        );
        assert!(
            rel_close(num(&row, 7), e["se"].as_f64().unwrap(), 1e-6),
            "{id} se"
        );
        if with_ci {
            assert!(
                rel_close(num(&row, 8), e["ci_low"].as_f64().unwrap(), 1e-6),
                "{id} ci_low"
            );
            assert!(
                rel_close(num(&row, 9), e["ci_high"].as_f64().unwrap(), 1e-6),
                "{id} ci_high"
            );
        }
    }
    let mean_row = find("trust_police", "", "", "");
    let e = expected("raked/mean/trust_police");
    assert!(
        rel_close(num(&mean_row, 10), e["deff"].as_f64().unwrap(), 1e-6),
        "deff"
    );
    // Reliability: the rare outcome among women has n_eff 415 > 50 but relative SE above 0.3.
    assert_eq!(
        &find("reported_crime", "", "gender", "female")[11],
        "low_reliability"
    );
    assert_eq!(&mean_row[11], "ok");
}

#[test]
fn broken_inputs_give_clear_errors_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.csv");
    std::fs::write(&data, "w,q\n1,2\n2,3,4\n").unwrap();
    let design = dir.path().join("design.toml");
    std::fs::write(
        &design,
        "[design]\nweights = \"w\"\n\n[[variable]]\nname = \"q\"\ntype = \"mean\"\n",
    )
    .unwrap();
    let out = dir.path().join("out.csv");
    let run = |data: &Path, design: &Path| {
        mizan(&[
            "estimate",
            "--data",
            data.to_str().unwrap(),
            "--design",
            design.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let res = run(&data, &design);
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(1));
    assert!(err.contains("data.csv") && err.contains("line 3"), "{err}");
    assert!(!out.exists());

    std::fs::write(&data, "w,q\n1,2\n2,x\n").unwrap();
    let err = String::from_utf8_lossy(&run(&data, &design).stderr).to_string();
    assert!(
        err.contains("line 3") && err.contains("`q`") && err.contains("not a number"),
        "{err}"
    );

    std::fs::write(&data, "w,q\n1,2\n2,3\n").unwrap();
    std::fs::write(
        &design,
        "[design]\nweights = \"w\"\n\n[[variable]]\nname = \"q\"\ntype = \"median\"\n",
    )
    .unwrap();
    let err = String::from_utf8_lossy(&run(&data, &design).stderr).to_string();
    assert!(
        err.contains("design.toml") && err.contains("median"),
        "{err}"
    );

    std::fs::write(&design, "[design]\nweights = \"w\"\nweird = 1\n").unwrap();
    let err = String::from_utf8_lossy(&run(&data, &design).stderr).to_string();
    assert!(
        err.contains("design.toml") && err.contains("line 3"),
        "{err}"
    );

    std::fs::write(
        &design,
        "[design]\nweights = \"nope\"\n[[variable]]\nname = \"q\"\ntype = \"mean\"\n",
    )
    .unwrap();
    let err = String::from_utf8_lossy(&run(&data, &design).stderr).to_string();
    assert!(err.contains("no column `nope`"), "{err}");
    assert!(!out.exists());
}

#[test]
fn calibration_errors_name_the_cell() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.csv");
    std::fs::write(&data, "sex,q\nm,1\nf,2\nm,3\nf,4\n").unwrap();
    let design = dir.path().join("design.toml");
    let out = dir.path().join("out.csv");
    let run = |toml: &str| {
        std::fs::write(&design, toml).unwrap();
        let res = mizan(&[
            "estimate",
            "--data",
            data.to_str().unwrap(),
            "--design",
            design.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        (
            res.status.code(),
            String::from_utf8_lossy(&res.stderr).to_string(),
        )
    };
    let base = "[reliability]\nmin_n = 1\n[[variable]]\nname = \"q\"\ntype = \"mean\"\n[calibration]\nmethod = \"poststratify\"\n[[calibration.margin]]\nby = \"sex\"\n";
    let (code, err) = run(&format!(
        "{base}cells = [{{ sex = \"m\", total = 10 }}, {{ sex = \"x\", total = 5 }}]\n"
    ));
    assert_eq!(code, Some(1));
    assert!(
        err.contains("sex=f") && err.contains("no target cell"),
        "{err}"
    );
    let (_, err) = run(&format!(
        "{base}cells = [{{ sex = \"m\", total = 10 }}, {{ sex = \"f\", total = -5 }}]\n"
    ));
    assert!(err.contains("sex=f") && err.contains("-5"), "{err}");
    let (_, err) = run(&format!(
        "{base}cells = [{{ sex = \"m\", total = 10 }}, {{ sex = \"f\", total = 5 }}, {{ sex = \"x\", total = 5 }}]\n"
    ));
    assert!(
        err.contains("sex=x") && err.contains("no respondents"),
        "{err}"
    );
    let (code, _) = run(&format!(
        "{base}cells = [{{ sex = \"m\", total = 10 }}, {{ sex = \"f\", total = 5 }}]\n"
    ));
    assert_eq!(code, Some(0));
    let text = std::fs::read_to_string(&out).unwrap();
    // Post-stratified mean: (10·2 + 5·3)/15 with cell means m = 2, f = 3.
    assert!(
        text.contains(",2.3333333333333335,") || text.contains(",2.333333333333333,"),
        "{text}"
    );
}

/// The TOML blocks of docs/estimate.md that follow a `**design name**` line.
fn documented_designs() -> Vec<(String, String)> {
    let doc = std::fs::read_to_string(repo("docs/estimate.md")).unwrap();
    let mut out: Vec<(String, String)> = Vec::new();
    let mut name: Option<String> = None;
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        if let Some(rest) = line.strip_prefix("**") {
            name = rest.split("**").next().map(str::to_string);
        } else if line.trim() == "```toml" {
            let block: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
            if let Some(n) = name.take() {
                out.push((n, block.join("\n")));
            }
        }
    }
    out
}

#[test]
fn documented_design_files_reproduce_r() {
    use mizan::analysis::estimate::estimate_rows;
    let designs = documented_designs();
    let names: Vec<&str> = designs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "weighted_only",
            "stratified_clustered",
            "poststratified",
            "raked",
            "jackknife",
            "raked_trimmed"
        ]
    );
    let dir = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(repo("tests/data/stats-reference")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, dir.path().join(f.file_name().unwrap())).unwrap();
    }
    let raked = designs
        .iter()
        .find(|(n, _)| n == "raked")
        .unwrap()
        .1
        .clone();
    for (name, toml) in &designs {
        let body = if name == "raked_trimmed" {
            format!("{raked}\n{toml}")
        } else {
            toml.clone()
        };
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(
            &path,
            format!("{body}\n\n[reliability]\nmin_n = 1\n\n[[variable]]\nname = \"trust_police\"\ntype = \"mean\"\n"),
        )
        .unwrap();
        let rows = estimate_rows(&dir.path().join("poll.csv"), &path)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let e = expected(&format!("{name}/mean/trust_police"));
        let got = &rows[0].estimate;
        assert!(
            rel_close(got.estimate, e["estimate"].as_f64().unwrap(), 1e-9),
            "{name} estimate"
        );
        assert!(
            rel_close(got.se, e["se"].as_f64().unwrap(), 1e-6),
            "{name} se"
        );
    }
}

#[test]
fn documented_full_example_parses() {
    use mizan::analysis::design_file::DesignFile;
    let doc = std::fs::read_to_string(repo("docs/estimate.md")).unwrap();
    let start = doc.find("## The design file").unwrap();
    let block = doc[start..]
        .split("```toml\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let file = DesignFile::parse(block, Path::new("docs/estimate.md")).unwrap();
    assert_eq!(file.variables.len(), 5);
    assert_eq!(file.variables[3].category.as_deref(), Some("yes"));
    assert_eq!(file.variables[4].kind, "total");
    assert_eq!(
        file.nonresponse.as_ref().map(|n| n.by.as_str()),
        Some("stratum")
    );
    assert_eq!(file.filters.len(), 2);
    assert_eq!(file.design.lonely(), mizan::stats::LonelyPsu::Fail);
    assert_eq!(file.indices.len(), 1);
    assert_eq!(file.calibration.unwrap().margins.len(), 2);
}

#[test]
fn estimates_that_cannot_be_made_are_rows_with_a_status() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.csv");
    // Stratum `b` has one PSU (and one respondent); nobody answered `r`.
    std::fs::write(&data, "s,c,q,r,k\na,1,1,,x\na,1,2,,x\na,2,3,,x\nb,3,4,,x\n").unwrap();
    let design = dir.path().join("design.toml");
    std::fs::write(
        &design,
        "[design]\nstrata = \"s\"\ncluster = \"c\"\n[reliability]\nmin_n = 1\n\
         [output]\ndomains = [\"s\"]\n\
         [[variable]]\nname = \"q\"\ntype = \"mean\"\n\
         [[variable]]\nname = \"r\"\ntype = \"mean\"\n\
         [[variable]]\nname = \"k\"\ntype = \"categorical\"\n",
    )
    .unwrap();
    let res = mizan(&[
        "estimate",
        "--data",
        data.to_str().unwrap(),
        "--design",
        design.to_str().unwrap(),
    ]);
    let out = String::from_utf8_lossy(&res.stdout).to_string();
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let mut reader = csv::Reader::from_reader(&res.stdout[3..]);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let find = |var: &str, dom: &str, val: &str| {
        rows.iter()
            .find(|r| &r[0] == var && &r[2] == dom && &r[3] == val)
            .unwrap_or_else(|| panic!("no row {var}/{dom}/{val}: {out}"))
            .clone()
    };
    // The estimate stands, the SE does not: the stratum is named.
    let q = find("q", "", "");
    assert_eq!(q[6].parse::<f64>().unwrap(), 2.5);
    assert!(q[7].is_empty() && q[8].is_empty(), "{q:?}");
    assert_eq!(&q[12], "single_psu:b");
    assert_eq!(&find("r", "", "")[12], "no_answers");
    assert_eq!(&find("r", "s", "a")[12], "no_answers");
    assert_eq!(&find("q", "s", "b")[12], "one_respondent");
    assert_eq!(&find("k", "", "")[12], "single_psu:b");
}

/// Domain proportions: the interval takes the domain's own degrees of freedom (and, for
/// Korn–Graubard, the subset's rows), as R's `svyby(~y, ~domain, design, svyciprop)` does —
/// for the raked design the age groups 45–59 and 60+ have fewer than the design's 37.
#[test]
fn domain_proportion_intervals_use_the_domains_df() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.csv");
    let res = mizan(&[
        "estimate",
        "--data",
        repo("tests/data/stats-reference/poll.csv")
            .to_str()
            .unwrap(),
        "--design",
        repo("tests/data/estimate/raked_domains.toml")
            .to_str()
            .unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        res.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&res.stderr)
    );
    let bytes = std::fs::read(&out).unwrap();
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let text = std::fs::read_to_string(repo("tests/data/stats-ext-reference/cases.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let mut checked = 0;
    for case in doc["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let variable = case["variable"].as_str().unwrap_or_default();
        let method = if variable == "satisfied" {
            "logit"
        } else {
            "beta"
        };
        if !id.starts_with("raked/domain_proportion/") || case["interval"] != method {
            continue;
        }
        let (dom, val) = (
            case["domain"].as_str().unwrap(),
            case["domain_value"].as_str().unwrap(),
        );
        let row = rows
            .iter()
            .find(|r| &r[0] == variable && &r[2] == dom && &r[3] == val)
            .unwrap_or_else(|| panic!("no row for {id}"));
        let e = &case["expected"];
        for (col, key) in [(6, "estimate"), (7, "se"), (8, "ci_low"), (9, "ci_high")] {
            let got: f64 = row[col].parse().unwrap();
            let want = e[key].as_f64().unwrap();
            assert!(
                rel_close(got, want, 1e-6),
                "{id} {key}: got {got}, R {want}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 8, "every raked domain case of the two variables");
}
