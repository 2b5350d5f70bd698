//! Benchmark of the statistics on generated data: 1,000,000 responses in 18 strata × 40 PSUs
//! with unequal weights; rake on two margins; a mean with its t interval, a proportion with
//! its logit interval, and means for 18 domains (linearised variances that account for the
//! raking). R's survey package takes about a minute for this on a 2-core machine.
//!
//! Run: `cargo bench --bench estimate` (peak memory: `/usr/bin/time -v` on the bench binary);
//! with `MIZAN_BENCH_R=1` it also runs the CSV job in R (`benches/estimate.R`, where `Rscript`
//! and the survey package are installed), prints R's time beside Mizan's and checks that
//! every figure agrees.
//! Prints the time of each repetition and the CPU time per repetition; data generation is not
//! timed. `MIZAN_BENCH_PHASES=1` also prints design / rake / estimates times.

use mizan::stats::{Design, IntervalMethod, Margin, RakeControl, interval};
use std::hint::black_box;
use std::time::Instant;

const N: usize = 1_000_000;
const STRATA: u32 = 18;
const PSUS_PER_STRATUM: u32 = 40;
const DOMAINS: u32 = 18;

/// xorshift64*: reproducible data without depending on a generator's API.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, k: u32) -> u32 {
        (self.uniform() * k as f64) as u32
    }
}

struct Data {
    weights: Vec<f64>,
    strata: Vec<u32>,
    psu: Vec<u32>,
    gender: Vec<u32>,
    age: Vec<u32>,
    region: Vec<u32>,
    score: Vec<f64>,
    satisfied: Vec<f64>,
}

fn generate() -> Data {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut d = Data {
        weights: Vec::with_capacity(N),
        strata: Vec::with_capacity(N),
        psu: Vec::with_capacity(N),
        gender: Vec::with_capacity(N),
        age: Vec::with_capacity(N),
        region: Vec::with_capacity(N),
        score: Vec::with_capacity(N),
        satisfied: Vec::with_capacity(N),
    };
    for _ in 0..N {
        let p = rng.below(STRATA * PSUS_PER_STRATUM);
        let h = p / PSUS_PER_STRATUM;
        d.psu.push(p);
        d.strata.push(h);
        d.weights.push((10.0 + h as f64) * (0.5 + rng.uniform()));
        let g = rng.below(2);
        let a = rng.below(4);
        d.gender.push(g);
        d.age.push(a);
        d.region.push(rng.below(DOMAINS));
        let s = (1 + rng.below(5)) as f64 + if g == 1 { 0.2 } else { 0.0 };
        d.score.push(if rng.uniform() < 0.05 {
            f64::NAN
        } else {
            s.min(5.0)
        });
        d.satisfied
            .push((rng.uniform() < 0.4 + 0.05 * a as f64) as u8 as f64);
    }
    d
}

/// The job: every figure it gives, by name (as `benches/estimate.R` names them).
fn run(d: &Data) -> Vec<(String, f64)> {
    let gender_totals = [9_300_000.0, 9_200_000.0];
    let age_totals = [6_660_000.0, 5_920_000.0, 3_700_000.0, 2_220_000.0];
    let t0 = Instant::now();
    let design = Design::new(d.weights.clone(), Some(&d.strata), Some(&d.psu)).expect("design");
    let t_design = t0.elapsed();
    let margins = [
        Margin {
            cells: &d.gender,
            totals: &gender_totals,
            labels: &[],
        },
        Margin {
            cells: &d.age,
            totals: &age_totals,
            labels: &[],
        },
    ];
    let raked = design.rake(&margins, RakeControl::default()).expect("rake");
    let t_rake = t0.elapsed();
    let mean = raked.mean(&d.score, None).expect("mean");
    let mean_ci = interval(&mean, IntervalMethod::T, 0.95).expect("t");
    let prop = raked.proportion(&d.satisfied, None).expect("proportion");
    let prop_ci = interval(&prop, IntervalMethod::Logit, 0.95).expect("logit");
    let mut figures: Vec<(String, f64)> = vec![
        ("mean".into(), mean.estimate),
        ("mean_se".into(), mean.se),
        ("mean_ci_low".into(), mean_ci.0),
        ("mean_ci_high".into(), mean_ci.1),
        ("proportion".into(), prop.estimate),
        ("proportion_se".into(), prop.se),
        ("proportion_ci_low".into(), prop_ci.0),
        ("proportion_ci_high".into(), prop_ci.1),
    ];
    let t_whole = t0.elapsed();
    // The 18 domain means in one pass, as R's svyby does them.
    let by_region = raked
        .mean_by(&d.score, &d.region, DOMAINS as usize)
        .expect("domain means");
    for (k, e) in by_region.iter().enumerate() {
        figures.push((format!("region_{k}_mean"), e.estimate));
        figures.push((format!("region_{k}_se"), e.se));
    }
    if std::env::var_os("MIZAN_BENCH_PHASES").is_some() {
        let t_domains = t0.elapsed();
        println!(
            "  design {:?}, rake {:?}, mean+proportion {:?}, 18 domain means {:?}",
            t_design,
            t_rake - t_design,
            t_whole - t_rake,
            t_domains - t_whole
        );
    }
    figures
}

fn checksum(figures: &[(String, f64)]) -> f64 {
    figures.iter().map(|(_, x)| x).sum()
}

/// Runs `benches/estimate.R` on the CSV: its figures by name and its wall time, or why not.
fn run_r(csv: &std::path::Path) -> Result<(Vec<(String, f64)>, f64), String> {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/estimate.R");
    let out = std::process::Command::new("Rscript")
        .arg(&script)
        .arg(csv)
        .output()
        .map_err(|e| format!("cannot run Rscript: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let mut figures = Vec::new();
    let mut seconds = f64::NAN;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut parts = line.split_whitespace();
        let (Some(name), Some(value)) = (parts.next(), parts.next()) else {
            continue;
        };
        let value: f64 = value.parse().map_err(|_| format!("R printed `{line}`"))?;
        if name == "seconds" {
            seconds = value;
        } else {
            figures.push((name.to_string(), value));
        }
    }
    Ok((figures, seconds))
}

/// Mizan's figures against R's: estimates and SEs to 1e-9 relative, interval bounds to 1e-6
/// (R's logit interval comes from a glm fit, and the t quantiles differ in the last digits),
/// as the reference tests. Returns how many were compared, or the first that differs.
fn compare(mizan: &[(String, f64)], r: &[(String, f64)]) -> Result<usize, String> {
    for (name, x) in mizan {
        let y = r
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, y)| *y)
            .ok_or(format!("R gave no `{name}`"))?;
        let tol = if name.contains("_ci_") { 1e-6 } else { 1e-9 };
        if (x - y).abs() > tol * x.abs().max(y.abs()) {
            return Err(format!("{name}: Mizan {x}, R {y}"));
        }
    }
    Ok(mizan.len())
}

/// CPU seconds (user + system) of this process so far, from /proc on Linux (clock ticks of
/// 1/100 s); None elsewhere. On a shared machine the wall time includes waiting for a core.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// The same data as a CSV file (as `mizan export` or KoboToolbox would hand it over).
fn write_csv(d: &Data, path: &std::path::Path) {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("csv"));
    writeln!(out, "w,stratum,psu,gender,age,region,score,satisfied").unwrap();
    for i in 0..N {
        let score = if d.score[i].is_nan() {
            String::new()
        } else {
            format!("{}", d.score[i])
        };
        writeln!(
            out,
            "{},s{},p{},{},{},r{},{score},{}",
            d.weights[i], d.strata[i], d.psu[i], d.gender[i], d.age[i], d.region[i], d.satisfied[i]
        )
        .unwrap();
    }
    out.flush().unwrap();
}

/// `mizan estimate --data`'s reading: the CSV into a table, then the columns the job takes.
fn read_csv(path: &std::path::Path) -> Data {
    let t = mizan::analysis::table::Table::read(path, &[]).expect("read");
    let codes = |name: &str| t.required_codes(name).expect("codes");
    Data {
        weights: t.required_numeric("w").expect("w"),
        strata: codes("stratum"),
        psu: codes("psu"),
        gender: codes("gender"),
        age: codes("age"),
        region: codes("region"),
        score: t.numeric("score").expect("score"),
        satisfied: t.numeric("satisfied").expect("satisfied"),
    }
}

fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument is ignored.
    let data = generate();
    let csv = std::env::temp_dir().join("mizan-estimate-bench.csv");
    write_csv(&data, &csv);
    let generated = peak_mib();
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let mut csv_times = Vec::new();
    let mut figures = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        let read = read_csv(&csv);
        let read_secs = start.elapsed().as_secs_f64();
        figures = black_box(run(black_box(&read)));
        csv_times.push((start.elapsed().as_secs_f64(), read_secs));
        drop(read);
    }
    csv_times.sort_by(|a, b| a.0.total_cmp(&b.0));
    println!(
        "estimate bench, CSV job: {N} rows read from CSV + design, rake 2 margins, mean + logit CI, {DOMAINS} domains: median {:.3} s wall ({:.3} s of it reading the CSV), best {:.3} s; peak {:.0} MiB above the generated data ({generated:.0} MiB); checksum {:.9}",
        csv_times[1].0,
        csv_times[1].1,
        csv_times[0].0,
        peak_mib(),
        checksum(&figures)
    );
    if std::env::var_os("MIZAN_BENCH_R").is_some() {
        // R's survey package on the same file, now: its time, and whether it agrees.
        match run_r(&csv) {
            Ok((r_figures, r_seconds)) => {
                let agreement = match compare(&figures, &r_figures) {
                    Ok(n) => format!("all {n} figures equal (estimates and SEs to 1e-9)"),
                    Err(e) => format!("DIFFERS: {e}"),
                };
                println!(
                    "R survey, same CSV job, same run: {r_seconds:.1} s; Mizan's median {:.3} s is {:.0}x faster; {agreement}",
                    csv_times[1].0,
                    r_seconds / csv_times[1].0
                );
            }
            Err(e) => println!("R survey: not run ({})", e.trim()),
        }
    }
    let _ = std::fs::remove_file(&csv);
    let mut times = Vec::new();
    let cpu_start = cpu_seconds();
    for rep in 0..5 {
        let start = Instant::now();
        let out = checksum(&black_box(run(black_box(&data))));
        let secs = start.elapsed().as_secs_f64();
        println!("repetition {}: {:.3} s (checksum {out:.6})", rep + 1, secs);
        times.push(secs);
    }
    if let (Some(a), Some(b)) = (cpu_start, cpu_seconds()) {
        println!("CPU time per repetition: {:.3} s", (b - a) / 5.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "estimate bench: {} responses, {} strata x {} PSUs, rake on 2 margins, mean + logit proportion + {} domain means: median {:.3} s, best {:.3} s",
        N, STRATA, PSUS_PER_STRATUM, DOMAINS, times[2], times[0]
    );
}
