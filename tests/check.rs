//! Black-box tests of `mizan check`: every broken file in tests/data/surveys-broken/ is reported
//! with its file name, the line of the problem and a sentence naming it; the example survey
//! passes.

mod common;

use common::{mizan, repo_path};
use sha2::{Digest, Sha256};

/// (file, line, words the message must contain). One file per kind of problem.
const BROKEN: &[(&str, usize, &[&str])] = &[
    ("syntax.toml", 2, &["TOML syntax error"]),
    (
        "unclosed-string.toml",
        13,
        &[
            "TOML syntax error: unclosed string",
            "not closed on this line",
        ],
    ),
    (
        "unknown-type.toml",
        22,
        &["unknown question type `slider`", "single_choice"],
    ),
    (
        "unknown-key.toml",
        11,
        &["question `contact`", "unknown key `colour`"],
    ),
    (
        "wrong-value-type.toml",
        23,
        &["`required`", "expected a boolean"],
    ),
    (
        "key-not-applicable.toml",
        23,
        &["`randomize` does not apply to a rating question"],
    ),
    (
        "duplicate-id.toml",
        21,
        &["duplicate id `contact`", "first used on line 9"],
    ),
    (
        "duplicate-grid-item-id.toml",
        34,
        &["duplicate id `satisfaction`", "line 21"],
    ),
    (
        "duplicate-option.toml",
        14,
        &["duplicate option code `yes`", "question `contact`"],
    ),
    (
        "bad-id.toml",
        21,
        &["`Satisfaction level`", "not a valid id"],
    ),
    (
        "empty-options.toml",
        12,
        &["question `contact`", "empty option list"],
    ),
    (
        "missing-translation.toml",
        23,
        &["missing English text", "question `satisfaction`"],
    ),
    (
        "empty-translation.toml",
        14,
        &["empty Arabic text", "option `no`"],
    ),
    (
        "show-if-unknown.toml",
        23,
        &["show_if", "`visited`", "not a question"],
    ),
    (
        "show-if-later.toml",
        11,
        &["show_if", "`satisfaction`", "later page", "earlier pages"],
    ),
    (
        "show-if-same-page.toml",
        30,
        &["show_if", "same page", "earlier pages"],
    ),
    (
        "show-if-cycle.toml",
        23,
        &["show_if", "own answer", "cycle"],
    ),
    (
        "show-if-impossible-value.toml",
        23,
        &["\"maybe\" is not an option of `contact`", "yes, no"],
    ),
    (
        "show-if-not-numeric.toml",
        23,
        &["compares `contact` with a number", "single_choice"],
    ),
    (
        "show-if-syntax.toml",
        23,
        &["syntax error at column 9", "`==`"],
    ),
    (
        "min-greater-than-max.toml",
        31,
        &["question `wait`", "min (60) is greater than max (10)"],
    ),
    ("rating-bounds.toml", 23, &["rating bounds 5–5"]),
    (
        "text-too-long.toml",
        23,
        &["2004 characters", "at most 2000"],
    ),
    ("unknown-scale.toml", 31, &["unknown scale `trust5`"]),
    (
        "index-unknown-item.toml",
        8,
        &["index `service_index`", "`waiting`", "not a question"],
    ),
    (
        "index-not-scored.toml",
        8,
        &["index `service_index`", "`contact`", "single_choice"],
    ),
    ("no-pages.toml", 1, &["no pages"]),
    (
        "bad-source-tag.toml",
        3,
        &["source tag `SMS link`", "not valid"],
    ),
    (
        "unknown-top-level-key.toml",
        3,
        &["unknown key `language`", "`wave`"],
    ),
];

fn broken(name: &str) -> String {
    repo_path("tests/data/surveys-broken")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn each_broken_file_is_reported_with_file_line_and_sentence() {
    for (name, line, words) in BROKEN {
        let path = broken(name);
        let (code, stdout, stderr) = mizan(&["check", &path], &[]);
        assert_eq!(code, 1, "{name}: exit code\n{stderr}");
        assert!(stdout.is_empty(), "{name}: nothing on stdout, got {stdout}");
        let prefix = format!("{path}:{line}: ");
        let hit = stderr.lines().find(|l| l.starts_with(&prefix));
        let Some(hit) = hit else {
            panic!("{name}: no problem reported on line {line}:\n{stderr}");
        };
        for w in *words {
            assert!(hit.contains(w), "{name}: `{w}` missing from: {hit}");
        }
    }
}

#[test]
fn every_broken_file_has_an_expectation() {
    let mut on_disk: Vec<String> = std::fs::read_dir(repo_path("tests/data/surveys-broken"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "many-problems.toml" && n != "all-at-once.toml")
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = BROKEN.iter().map(|(n, _, _)| n.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed);
}

#[test]
fn every_problem_of_a_file_is_reported_not_just_the_first() {
    let path = broken("many-problems.toml");
    let (code, _, stderr) = mizan(&["check", &path], &[]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with(&path)).collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    assert!(lines[0].contains(":14: ") && lines[0].contains("duplicate option code `yes`"));
    assert!(lines[1].contains(":14: ") && lines[1].contains("missing Arabic text"));
    assert!(lines[2].contains(":23: ") && lines[2].contains("`visited`"));
    assert!(stderr.contains("3 problems found"));
}

/// An unknown key, a value of the wrong type and a bad option code in one question: all three
/// in one run (the type error used to appear only once the unknown key was fixed).
#[test]
fn unknown_key_type_error_and_bad_option_are_reported_in_one_run() {
    let path = broken("all-at-once.toml");
    let (code, stdout, stderr) = mizan(&["check", &path], &[]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty(), "{stdout}");
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with(&path)).collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    let at = |line: usize, words: &[&str]| {
        let prefix = format!("{path}:{line}: ");
        let hit = lines.iter().find(|l| l.starts_with(&prefix));
        let Some(hit) = hit else {
            panic!("nothing on line {line}:\n{stderr}")
        };
        for w in words {
            assert!(hit.contains(w), "`{w}` missing from: {hit}");
        }
    };
    at(11, &["question `contact`", "unknown key `colour`"]);
    at(
        12,
        &[
            "question `contact`",
            "`required`",
            "expected a boolean",
            "the string \"no\"",
        ],
    );
    at(16, &["option code `No`", "not valid"]);
    assert!(stderr.ends_with("3 problems found\n"), "{stderr}");
}

/// A string whose closing quote is missing swallows the next quote of its line; the parser then
/// complains about a missing comma. The message says what is wrong, on the string's line.
#[test]
fn an_unclosed_string_is_reported_as_such() {
    let path = broken("unclosed-string.toml");
    let (code, _, stderr) = mizan(&["check", &path], &[]);
    assert_eq!(code, 1);
    assert!(!stderr.contains("missing comma"), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "{path}:13: TOML syntax error: unclosed string: the `\"` at column"
        )),
        "{stderr}"
    );
    assert!(stderr.ends_with("1 problem found\n"), "{stderr}");
}

/// Every valid file gets its `ok:` line, also when other files beside it are broken.
#[test]
fn every_valid_file_gets_an_ok_line() {
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(repo_path("surveys/citizen-security.toml")).unwrap();
    let other = src.replacen("id = \"citizen-security\"", "id = \"second-wave\"", 1);
    assert_ne!(src, other);
    std::fs::write(dir.path().join("a.toml"), &src).unwrap();
    std::fs::write(dir.path().join("b.toml"), &other).unwrap();
    std::fs::copy(
        repo_path("tests/data/surveys-broken/all-at-once.toml"),
        dir.path().join("c.toml"),
    )
    .unwrap();
    let folder = dir.path().display().to_string();
    let (code, stdout, stderr) = mizan(&["check", &folder], &[]);
    assert_eq!(code, 1, "{stderr}");
    let ok: Vec<&str> = stdout.lines().collect();
    assert_eq!(ok.len(), 2, "{stdout}");
    assert!(ok[0].starts_with(&format!("ok: {folder}/a.toml (citizen-security, version ")));
    assert!(ok[1].starts_with(&format!("ok: {folder}/b.toml (second-wave, version ")));
    assert!(stderr.contains("c.toml:11: "), "{stderr}");
    assert!(
        !stderr.contains("a.toml") && !stderr.contains("b.toml"),
        "{stderr}"
    );
    assert!(stderr.ends_with("3 problems found\n"), "{stderr}");

    // Without the broken file: two `ok:` lines and exit code 0.
    std::fs::remove_file(dir.path().join("c.toml")).unwrap();
    let (code, stdout, stderr) = mizan(&["check", &folder], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn a_folder_reports_the_problems_of_all_its_files() {
    let dir = repo_path("tests/data/surveys-broken");
    let (code, stdout, stderr) = mizan(&["check", &dir.display().to_string()], &[]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    for (name, line, _) in BROKEN {
        assert!(
            stderr.contains(&format!("{name}:{line}: ")),
            "{name} missing from the folder report"
        );
    }
}

#[test]
fn example_survey_passes_with_its_version() {
    let path = repo_path("surveys/citizen-security.toml");
    let (code, stdout, stderr) = mizan(&["check", &path.display().to_string()], &[]);
    assert_eq!(code, 0, "{stderr}");
    let bytes = std::fs::read(&path).unwrap();
    let digest: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let want = format!(
        "ok: {} (citizen-security, version {}, 18 questions)\n",
        path.display(),
        &digest[..12]
    );
    assert_eq!(stdout, want);
}

#[test]
fn default_path_is_the_surveys_folder() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mizan"))
        .arg("check")
        .current_dir(repo_path(""))
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("ok: surveys/citizen-security.toml (citizen-security, version "));
}

#[test]
fn same_survey_id_in_two_files_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(repo_path("surveys/citizen-security.toml")).unwrap();
    std::fs::write(dir.path().join("a.toml"), &src).unwrap();
    std::fs::write(dir.path().join("b.toml"), &src).unwrap();
    let id_line = src.lines().position(|l| l.starts_with("id = ")).unwrap() + 1;
    let (code, _, stderr) = mizan(&["check", &dir.path().display().to_string()], &[]);
    assert_eq!(code, 1);
    let b = dir.path().join("b.toml");
    let want = format!(
        "{}:{id_line}: survey id `citizen-security` is already used by",
        b.display()
    );
    assert!(stderr.contains(&want), "{stderr}");
}

#[test]
fn oversized_and_unreadable_files_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.toml");
    let mut text = String::from("id = \"big\"\n");
    while text.len() <= 1024 * 1024 {
        text.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    std::fs::write(&big, &text).unwrap();
    let (code, _, stderr) = mizan(&["check", &big.display().to_string()], &[]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(&format!("{}:0: the file is", big.display())),
        "{stderr}"
    );
    assert!(stderr.contains("at most 1048576 bytes"), "{stderr}");

    let missing = dir.path().join("missing.toml");
    let (code, _, stderr) = mizan(&["check", &missing.display().to_string()], &[]);
    assert_eq!(code, 1);
    assert!(stderr.contains("cannot read"), "{stderr}");

    let latin1 = dir.path().join("latin1.toml");
    std::fs::write(&latin1, b"id = \"x\"\ntitle = \"caf\xe9\"\n").unwrap();
    let (code, _, stderr) = mizan(&["check", &latin1.display().to_string()], &[]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(&format!(
            "{}:2: the file is not valid UTF-8",
            latin1.display()
        )),
        "{stderr}"
    );

    let empty = tempfile::tempdir().unwrap();
    let (code, _, stderr) = mizan(&["check", &empty.path().display().to_string()], &[]);
    assert_eq!(code, 1);
    assert!(stderr.contains("no survey files"), "{stderr}");
}

/// Runs `mizan ARGS` and fails the test if it has not returned within `secs` seconds (the
/// child is killed then), so a hang is a failure, not a stuck suite.
fn mizan_within(secs: u64, args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let mut child = Command::new(env!("CARGO_BIN_EXE_mizan"))
        .args(args)
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mizan");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(secs) {
            child.kill().ok();
            child.wait().ok();
            panic!("mizan {args:?} did not return within {secs} s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn mkfifo(path: &std::path::Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success());
}

/// A FIFO (`check` used to wait for a writer forever) and a link to /dev/zero (it used to read
/// until memory ran out) are refused at once, named or found in a folder.
#[tokio::test]
async fn fifos_and_devices_are_refused_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.toml");
    mkfifo(&fifo);
    let zero = dir.path().join("zero.toml");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    for path in [&fifo, &zero] {
        let shown = path.display().to_string();
        let (code, stdout, stderr) = mizan_within(10, &["check", &shown], &[]);
        assert_eq!(code, 1, "{stderr}");
        assert!(stdout.is_empty(), "{stdout}");
        assert!(
            stderr.contains(&format!("{shown}:0: not a regular file")),
            "{stderr}"
        );
    }
    // The same folder as `serve --surveys` and as `check DIR`: both files are named.
    std::fs::copy(
        repo_path("surveys/citizen-security.toml"),
        dir.path().join("citizen-security.toml"),
    )
    .unwrap();
    let folder = dir.path().display().to_string();
    let (code, _, stderr) = mizan_within(10, &["check", &folder], &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("fifo.toml:0: not a regular file"),
        "{stderr}"
    );
    assert!(
        stderr.contains("zero.toml:0: not a regular file"),
        "{stderr}"
    );
    // `serve` names them too, and serves the good survey beside them (issue 13).
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let log = dir.path().join("server.log");
    let (mut child, base) = common::spawn_server_logging(dir.path(), &db, &[], &[], Some(&log));
    let ok = reqwest::get(format!("{base}/s/citizen-security"))
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let _ = child.kill();
    let _ = child.wait();
    let stderr = std::fs::read_to_string(&log).unwrap();
    assert!(
        stderr.contains("fifo.toml:0: not a regular file"),
        "{stderr}"
    );
    assert!(
        stderr.contains("zero.toml:0: not a regular file"),
        "{stderr}"
    );
}

/// A file over 1 MiB is refused from its size, before it is read, with the limit in the message.
#[test]
fn an_oversize_file_is_refused_from_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.toml");
    // Sparse: 4 GiB on disk costs nothing, and reading it all would take long.
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(4 << 30).unwrap();
    let shown = big.display().to_string();
    let (code, _, stderr) = mizan_within(10, &["check", &shown], &[]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(&format!(
            "{shown}:0: the file is 4294967296 bytes; a survey file may have at most 1048576 bytes (1 MiB)"
        )),
        "{stderr}"
    );
}
