# The estimate bench's CSV job in R's survey package, run by the bench itself so that both are
# timed on the same machine in the same run (`MIZAN_BENCH_R=1 cargo bench --bench estimate`):
#   Rscript benches/estimate.R data.csv
# Reads the CSV, declares the design (18 strata x 40 PSUs, weights), rakes on gender and age,
# estimates the mean score with its t interval, the proportion satisfied with its logit
# interval, and the mean score in 18 regions (svyby). Prints one `name value` line per figure
# at full precision, then `seconds` (the wall time of all of it, reading included).
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
start <- proc.time()[["elapsed"]]
d <- read.csv(args[1], colClasses = c(w = "numeric", stratum = "character", psu = "character",
                                      gender = "character", age = "character",
                                      region = "character", score = "numeric",
                                      satisfied = "numeric"))
base <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d)
pop_gender <- data.frame(gender = c("0", "1"), Freq = c(9300000, 9200000))
pop_age <- data.frame(age = c("0", "1", "2", "3"), Freq = c(6660000, 5920000, 3700000, 2220000))
des <- rake(base, list(~gender, ~age), list(pop_gender, pop_age),
            control = list(maxit = 100, epsilon = 1e-10))
df <- degf(des)
m <- svymean(~score, des, na.rm = TRUE)
m_ci <- confint(m, df = df)
p <- svyciprop(~satisfied, des, method = "logit", df = df)  # its point value is a glm fit's
p_ci <- attr(p, "ci")
by_region <- svyby(~score, ~region, des, svymean, na.rm = TRUE)
seconds <- proc.time()[["elapsed"]] - start
put <- function(name, x) cat(name, format(unname(as.numeric(x)), digits = 17), "\n")
put("mean", coef(m))
put("mean_se", SE(m))
put("mean_ci_low", m_ci[1])
put("mean_ci_high", m_ci[2])
pm <- svymean(~satisfied, des)
put("proportion", coef(pm))
put("proportion_se", SE(pm))
put("proportion_ci_low", p_ci[1])
put("proportion_ci_high", p_ci[2])
# Regions in the order of their labels (r0, r1, r10, …), as svyby gives them and as Mizan
# codes the labels of a column read from a file.
for (k in seq_len(nrow(by_region))) {
  put(sprintf("region_%d_mean", k - 1), by_region$score[k])
  put(sprintf("region_%d_se", k - 1), SE(by_region)[k])
}
put("seconds", seconds)
