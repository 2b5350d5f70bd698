//! `mizan estimate` on the files analysts already have: every export variant KoboToolbox and
//! ODK Central write of one Arabic/English household form (tests/data/kobo/, made by
//! make_fixtures.py from formpack's and central-backend's export code), and an XLSX written
//! here as formpack's to_xlsx types it. Every variant must give the same estimates digit for
//! digit, and those must be R's (expected.json, from expected.R), under each of R's
//! lonely-PSU options.

use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/kobo")
        .join(name)
}

fn mizan(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mizan"))
        .args(args)
        .output()
        .expect("run mizan")
}

/// Runs an estimate; returns the rows of the output (header dropped) and standard error.
fn estimate(data: &Path, design: &Path, extra: &[&str]) -> (Vec<Vec<String>>, String) {
    let mut args = vec![
        "estimate",
        "--data",
        data.to_str().unwrap(),
        "--design",
        design.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = mizan(&args);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{}: {stderr}", data.display());
    let bytes = out.stdout;
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (rows, stderr)
}

fn failure(args: &[&str]) -> String {
    let out = mizan(args);
    assert_eq!(out.status.code(), Some(1), "expected exit code 1");
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// Labels of the form's answers (English, Arabic) to their XML names.
fn answer_names() -> HashMap<&'static str, &'static str> {
    [
        ("Female", "female"),
        ("أنثى", "female"),
        ("Male", "male"),
        ("ذكر", "male"),
        ("Yes", "yes"),
        ("نعم", "yes"),
        ("Very safe", "very_safe"),
        ("آمن جداً", "very_safe"),
        ("Safe", "safe"),
        ("آمن", "safe"),
        ("Unsafe", "unsafe"),
        ("غير آمن", "unsafe"),
        ("Very unsafe", "very_unsafe"),
        ("غير آمن إطلاقاً", "very_unsafe"),
    ]
    .into_iter()
    .collect()
}

/// The rows with variable and domain columns replaced by their position in the output and
/// answers by their XML names, sorted: what must be equal across variants.
fn canonical(rows: &[Vec<String>]) -> Vec<Vec<String>> {
    let names = answer_names();
    let mut variables: Vec<String> = Vec::new();
    let mut out: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            if !variables.contains(&r[0]) {
                variables.push(r[0].clone());
            }
            let var = variables.iter().position(|v| *v == r[0]).unwrap();
            let answer = |s: &str| names.get(s).map_or(s.to_string(), |n| n.to_string());
            let mut c = vec![
                var.to_string(),
                answer(&r[1]),
                (!r[2].is_empty()).to_string(),
                answer(&r[3]),
            ];
            c.extend(r[4..].iter().cloned());
            c
        })
        .collect();
    out.sort();
    out
}

/// kobo_xml.csv as formpack's `to_xlsx` writes it: with `typed` (`xls_types_as_text =
/// False`) numbers as numbers and `_submission_time` as a date-time, else every cell as text;
/// the data on the second sheet when `second` (for `--sheet`).
fn write_xlsx(path: &Path, second: bool, typed: bool) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let text = std::fs::read_to_string(fixture("kobo_xml.csv")).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let mut book = Workbook::new();
    if second {
        book.add_worksheet()
            .set_name("notes")
            .unwrap()
            .write_string(0, 0, "exported from KoboToolbox")
            .unwrap();
    }
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let sheet = book.add_worksheet();
    sheet.set_name("Household water and safety").unwrap();
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    let numeric = |h: &str| {
        ["hh_size", "hh_weight", "_id", "_index"].contains(&h) || h.starts_with("water_source/")
    };
    for (r, record) in reader.records().enumerate() {
        let row = r as u32 + 1;
        for (c, cell) in record.unwrap().iter().enumerate() {
            let (h, col) = (headers[c].as_str(), c as u16);
            if cell.is_empty() {
                continue;
            } else if !typed {
                sheet.write_string(row, col, cell).unwrap();
            } else if h == "_submission_time" {
                let dt = ExcelDateTime::parse_from_str(cell).unwrap();
                sheet
                    .write_datetime_with_format(row, col, &dt, &date)
                    .unwrap();
            } else if numeric(h) {
                sheet
                    .write_number(row, col, cell.parse::<f64>().unwrap())
                    .unwrap();
            } else {
                sheet.write_string(row, col, cell).unwrap();
            }
        }
    }
    book.save(path).unwrap();
}

fn expected() -> Value {
    let text = std::fs::read_to_string(fixture("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn rel_close(got: f64, want: f64, tol: f64) -> bool {
    got == want || ((got - want) / want).abs() <= tol
}

/// Compares the output of the XML-value design (kobo_xml.toml) with R's rows for one option.
fn assert_matches_r(rows: &[Vec<String>], r_rows: &Value, option: &str) {
    let r_rows = r_rows.as_array().unwrap();
    assert_eq!(rows.len(), r_rows.len(), "{option}: number of rows");
    for want in r_rows {
        let key = |k: &str| want[k].as_str().unwrap().to_string();
        let row = rows
            .iter()
            .find(|r| {
                r[0] == key("variable")
                    && r[1] == key("category")
                    && r[2] == key("domain")
                    && r[3] == key("domain_value")
            })
            .unwrap_or_else(|| panic!("{option}: no row for {want}"));
        let num = |i: usize| row[i].parse::<f64>().unwrap();
        let checks = [
            ("estimate", 6, 1e-9),
            ("se", 7, 1e-9),
            ("ci_low", 8, 1e-6),
            ("ci_high", 9, 1e-6),
            ("deff", 10, 1e-6),
        ];
        for (name, i, tol) in checks {
            if let Some(w) = want[name].as_f64() {
                assert!(
                    rel_close(num(i), w, tol),
                    "{option}: {} {} {} {}: {name} {} vs R {w}",
                    row[0],
                    row[1],
                    row[2],
                    row[3],
                    num(i)
                );
            }
        }
    }
}

#[test]
fn every_export_variant_gives_the_same_estimates_as_r() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("kobo.xlsx");
    write_xlsx(&xlsx, false, true);
    let xlsx_text = dir.path().join("kobo_text.XLSX");
    write_xlsx(&xlsx_text, false, false);
    let variants: Vec<(PathBuf, &str)> = vec![
        (fixture("kobo_xml.csv"), "kobo_xml.toml"),
        (xlsx.clone(), "kobo_xml.toml"),
        (xlsx_text.clone(), "kobo_xml.toml"),
        (fixture("kobo_xml_groups.csv"), "kobo_xml_groups.toml"),
        (fixture("kobo_legacy.csv"), "kobo_xml_groups.toml"),
        (fixture("kobo_labels_en.csv"), "kobo_labels_en.toml"),
        (
            fixture("kobo_labels_ar_groups.csv"),
            "kobo_labels_ar_groups.toml",
        ),
        (fixture("odk.csv"), "odk.toml"),
        (fixture("odk_no_groups.csv"), "odk_no_groups.toml"),
    ];
    let (base, stderr) = estimate(&variants[0].0, &fixture(variants[0].1), &[]);
    assert!(
        stderr.contains("methodology: 41 of 64 rows kept")
            && stderr.contains("_validation_status = validation_status_approved (17 left out, 6 of them with it empty)")
            && stderr.contains("_submission_time from 2024-03-01 to 2024-03-31"),
        "{stderr}"
    );
    assert_matches_r(&base, &expected()["adjust"], "adjust");
    let want = canonical(&base);
    for (data, design) in &variants[1..] {
        let (rows, stderr) = estimate(data, &fixture(design), &[]);
        assert!(
            stderr.contains("41 of 64 rows kept"),
            "{}: {stderr}",
            data.display()
        );
        assert_eq!(canonical(&rows), want, "{} differs", data.display());
    }
    // The same workbook with the data on its second sheet.
    let second = dir.path().join("two_sheets.xlsx");
    write_xlsx(&second, true, true);
    let (rows, _) = estimate(
        &second,
        &fixture("kobo_xml.toml"),
        &["--sheet", "Household water and safety"],
    );
    assert_eq!(canonical(&rows), want);
    let e = failure(&[
        "estimate",
        "--data",
        second.to_str().unwrap(),
        "--design",
        fixture("kobo_xml.toml").to_str().unwrap(),
        "--sheet",
        "data",
    ]);
    assert!(e.contains("no sheet `data`") && e.contains("notes"), "{e}");
}

#[test]
fn lonely_psu_options_match_r_and_fail_names_the_stratum() {
    let dir = tempfile::tempdir().unwrap();
    let design = std::fs::read_to_string(fixture("kobo_xml.toml")).unwrap();
    let expected = expected();
    for option in ["remove", "certainty", "average"] {
        let path = dir.path().join(format!("{option}.toml"));
        std::fs::write(
            &path,
            design.replace(
                "lonely_psu = \"adjust\"",
                &format!("lonely_psu = \"{option}\""),
            ),
        )
        .unwrap();
        let (rows, _) = estimate(&fixture("kobo_xml.csv"), &path, &[]);
        assert_matches_r(&rows, &expected[option], option);
    }
    assert_eq!(
        expected["fail"],
        "Stratum (east) has only one PSU at stage 1"
    );
    // R's default stops the whole design. Mizan's default gives every estimate, without a
    // variance, with the stratum named by its value in the status and in a note.
    let path = dir.path().join("fail.toml");
    std::fs::write(&path, design.replace("lonely_psu = \"adjust\"\n", "")).unwrap();
    let (rows, stderr) = estimate(&fixture("kobo_xml.csv"), &path, &[]);
    assert!(!rows.is_empty());
    for row in &rows {
        let status = row.last().unwrap();
        assert!(
            status == "single_psu:east" || status == "no_answers" || status == "empty_domain",
            "{row:?}"
        );
    }
    assert!(rows.iter().any(|r| r.last().unwrap() == "single_psu:east"));
    assert!(
        stderr.contains("stratum `east` (column `region`") && stderr.contains("lonely_psu"),
        "{stderr}"
    );
    assert!(!stderr.contains("code"), "{stderr}");
}

/// A design file for `data` with these lines after `[design]`-less defaults.
fn design_file(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("design.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn broken_inputs_give_short_messages_that_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let data = fixture("kobo_labels_en.csv");
    let run = |design: &Path, extra: &[&str]| {
        let mut args = vec![
            "estimate",
            "--data",
            data.to_str().unwrap(),
            "--design",
            design.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        failure(&args)
    };
    // A semicolon file read with a forced comma: one huge column, never echoed whole.
    let d = design_file(
        dir.path(),
        "[[variable]]\nname = \"Household members\"\ntype = \"mean\"\n",
    );
    let e = run(&d, &["--delimiter", "tab"]);
    assert!(
        e.contains("no column `Household members` (the header has 1 columns")
            && e.contains("give --delimiter"),
        "{e}"
    );
    assert!(e.len() < 400, "message of {} bytes: {e}", e.len());
    // Detected, the same file works, and so does the delimiter given.
    for extra in [&[][..], &["--delimiter", ";"][..]] {
        let (rows, _) = estimate(&data, &d, extra);
        assert_eq!(rows[0][0], "Household members");
    }
    // A repeated label that the design uses: an error naming both positions.
    let d = design_file(
        dir.path(),
        "[[variable]]\nname = \"If other, please specify\"\ntype = \"categorical\"\n",
    );
    let e = run(&d, &[]);
    assert!(
        e.contains("`If other, please specify` appears twice in the header (columns 12 and 14)"),
        "{e}"
    );
    // The summary column of a multiple choice question: refused, pointing to the options.
    let d = design_file(
        dir.path(),
        "[[variable]]\nname = \"Where does your drinking water come from?\"\ntype = \"categorical\"\n",
    );
    let e = run(&d, &[]);
    assert!(
        e.contains("multiple-choice")
            && e.contains("`Where does your drinking water come from?/Piped water`")
            && e.contains("type = \"proportion\""),
        "{e}"
    );
    let d = design_file(
        dir.path(),
        "[[variable]]\nname = \"Where does your drinking water come from?\"\ntype = \"proportion\"\n",
    );
    assert!(run(&d, &[]).contains("multiple-choice"));
    // A single-choice answer as a proportion without naming the category.
    let d = design_file(
        dir.path(),
        "[[variable]]\nname = \"Do you treat your drinking water?\"\ntype = \"proportion\"\n",
    );
    let e = run(&d, &[]);
    assert!(
        e.contains("category = \"Yes\"") || e.contains("category = \"No\""),
        "{e}"
    );
    // A filter on a column the export does not have.
    let d = design_file(
        dir.path(),
        "[[filter]]\ncolumn = \"ReviewState\"\nequals = \"approved\"\n[[variable]]\nname = \"Household members\"\ntype = \"mean\"\n",
    );
    assert!(run(&d, &[]).contains("no column `ReviewState`"));
    // After filters, messages still give the line of the file.
    let d = design_file(
        dir.path(),
        "[[filter]]\ncolumn = \"_submission_time\"\nfrom = \"2024-03-02\"\n[[variable]]\nname = \"Do you treat your drinking water?\"\ntype = \"proportion\"\n",
    );
    let e = run(&d, &[]);
    assert!(
        e.contains("line 3: column `Do you treat your drinking water?`"),
        "{e}"
    );
    // Filters that leave nothing.
    let d = design_file(
        dir.path(),
        "[[filter]]\ncolumn = \"_submission_time\"\nfrom = \"2030-01-01\"\n[[variable]]\nname = \"Household members\"\ntype = \"mean\"\n",
    );
    assert!(run(&d, &[]).contains("no row is left after the filters"));
    // Filter and lonely-PSU options are checked with the design file.
    let d = design_file(
        dir.path(),
        "[design]\nlonely_psu = \"merge\"\n[[variable]]\nname = \"Household members\"\ntype = \"mean\"\n",
    );
    assert!(run(&d, &[]).contains("use fail, remove, certainty, adjust or average"));
    let d = design_file(
        dir.path(),
        "[[filter]]\ncolumn = \"_submission_time\"\nfrom = \"1 March\"\n[[variable]]\nname = \"Household members\"\ntype = \"mean\"\n",
    );
    assert!(run(&d, &[]).contains("not a date written YYYY-MM-DD"));
}
