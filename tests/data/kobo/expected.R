# Expected estimates for the KoboToolbox/ODK fixtures, from R's survey package.
# Run from this folder: Rscript expected.R > expected.json
# (R 4.2.2, survey 4.1.1, jsonlite; Debian's r-base-core r-cran-survey r-cran-jsonlite).
#
# The sample: the submissions of kobo_xml.csv that a supervisor approved and that were
# submitted in March 2024 (the design files' [[filter]]s), then
#   svydesign(ids = ~village, strata = ~region, weights = ~hh_weight)
# where region "east" has one village: a lonely PSU, estimated under each of R's
# options(survey.lonely.psu = ...) but "fail", whose error message is recorded.
suppressMessages(library(survey))
library(jsonlite)

d <- read.csv("kobo_xml.csv", sep = ";", check.names = FALSE, colClasses = "character",
              na.strings = character(0), encoding = "UTF-8")
d <- d[d[["_validation_status"]] == "validation_status_approved" &
       substr(d[["_submission_time"]], 1, 10) >= "2024-03-01" &
       substr(d[["_submission_time"]], 1, 10) <= "2024-03-31", ]
blank <- function(x) ifelse(x == "", NA, x)
d$hh_size <- as.numeric(d$hh_size)
d$hh_weight <- as.numeric(d$hh_weight)
d$treat_yes <- ifelse(d$treat_drink_water == "", NA, as.numeric(d$treat_drink_water == "yes"))
options_ <- c("piped", "borehole", "bottled", "other")
for (o in options_) d[[paste0("ws_", o)]] <- as.numeric(d[[paste0("water_source/", o)]])
d$safe_night <- factor(blank(d$safe_night))
d$head_sex <- factor(d$head_sex)

des <- svydesign(ids = ~village, strata = ~region, weights = ~hh_weight, data = d)

row <- function(variable, category, domain, value, est, se, extra = list()) {
  c(list(variable = variable, category = category, domain = domain, domain_value = value,
         estimate = as.numeric(est), se = as.numeric(se)), extra)
}

# Whole sample: estimate, SE, deff and the interval Mizan gives (t for means, logit for shares).
whole_mean <- function(var) {
  m <- svymean(as.formula(paste0("~", var)), des, na.rm = TRUE, deff = "replace")
  ci <- confint(m, df = degf(des))
  row(var, "", "", "", coef(m), SE(m),
      list(ci_low = ci[1, 1], ci_high = ci[1, 2], deff = unname(deff(m)), df = degf(des)))
}
whole_prop <- function(name, category, formula) {
  m <- svymean(formula, des, na.rm = TRUE, deff = "replace")
  ci <- attr(svyciprop(formula, des, method = "logit"), "ci")
  row(name, category, "", "", coef(m), SE(m),
      list(ci_low = ci[[1]], ci_high = ci[[2]], deff = unname(deff(m)), df = degf(des)))
}
by_sex <- function(name, category, formula) {
  b <- svyby(formula, ~head_sex, des, svymean, na.rm = TRUE)
  lapply(seq_len(nrow(b)), function(i)
    row(name, category, "head_sex", as.character(b$head_sex[i]), coef(b)[i], SE(b)[i]))
}

estimates <- function() {
  out <- list(whole_mean("hh_size"))
  out <- c(out, by_sex("hh_size", "", ~hh_size))
  out <- c(out, list(whole_prop("treat_drink_water", "yes", ~treat_yes)))
  out <- c(out, by_sex("treat_drink_water", "yes", ~treat_yes))
  for (o in options_) {
    f <- as.formula(paste0("~ws_", o))
    out <- c(out, list(whole_prop(paste0("water_source/", o), "", f)))
    out <- c(out, by_sex(paste0("water_source/", o), "", f))
  }
  for (l in levels(d$safe_night)) {
    f <- as.formula(paste0("~I(as.numeric(safe_night == '", l, "'))"))
    m <- svymean(~safe_night, des, na.rm = TRUE, deff = "replace")
    k <- which(levels(d$safe_night) == l)
    ci <- attr(svyciprop(f, des, method = "logit"), "ci")
    out <- c(out, list(row("safe_night", l, "", "", coef(m)[k], SE(m)[k],
                           list(ci_low = ci[[1]], ci_high = ci[[2]],
                                deff = unname(deff(m))[k], df = degf(des)))))
    b <- svyby(~safe_night, ~head_sex, des, svymean, na.rm = TRUE)
    for (i in seq_len(nrow(b)))
      out <- c(out, list(row("safe_night", l, "head_sex", as.character(b$head_sex[i]),
                             coef(b)[(k - 1) * nrow(b) + i], as.matrix(SE(b))[i, k])))
  }
  out
}

options(survey.lonely.psu = "fail")
fail <- tryCatch({ svymean(~hh_size, des); "no error" }, error = function(e) conditionMessage(e))

result <- list(generator = paste(R.version.string, "survey", as.character(packageVersion("survey"))),
               rows = nrow(d), fail = fail)
for (opt in c("remove", "certainty", "adjust", "average")) {
  options(survey.lonely.psu = opt)
  result[[opt]] <- suppressWarnings(estimates())
}
cat(toJSON(result, auto_unbox = TRUE, digits = NA, pretty = TRUE), "\n")
