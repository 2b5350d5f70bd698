# R re-run of the reference cases for which the reference generator recorded NA.
#
# The generator computed category shares on calibrated designs after subsetting the factor,
# which made R return NA. R's own answer to the question the case asks, the share of each
# answer among those who answered, estimated in the full design with na.rm = TRUE, is below.
# Run from tests/data/stats-reference:  Rscript ../stats-rechecks/rechecks.R > ../stats-rechecks/rechecks.json
suppressMessages({ library(survey); library(jsonlite) })
d <- read.csv("poll.csv")
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~base_weight, data = d, nest = TRUE)
designs <- list(
  poststratified = postStratify(des, ~gender + age_group, read.csv("targets_gender_age_group.csv")),
  raked = rake(des, list(~gender, ~age_group, ~stratum),
               list(read.csv("targets_gender.csv"), read.csv("targets_age_group.csv"),
                    read.csv("targets_stratum.csv")),
               control = list(epsilon = 1e-10, maxit = 100))
)
cases <- list()
for (name in names(designs)) {
  m <- svymean(~factor(safe_night), designs[[name]], na.rm = TRUE)
  for (k in 1:5) {
    cases[[length(cases) + 1]] <- list(
      id = sprintf("%s/category_share/safe_night/%d", name, k),
      expected = list(estimate = unname(coef(m)[k]), se = unname(SE(m)[k])))
  }
}
cat(toJSON(list(
  generator = paste("R", paste(R.version$major, R.version$minor, sep = "."), "survey",
                    as.character(packageVersion("survey"))),
  reference_seed = 20261122,
  call = "svymean(~factor(safe_night), design, na.rm = TRUE)",
  cases = cases), auto_unbox = TRUE, digits = NA, pretty = TRUE))
