# Peer for test/bench/linear.mjs: R's lm on the cheese fixture and R's formula parser (terms())
# on a long additive formula, timed in the same run as kernel-lib (median of repeats, gc() first).
# Usage: Rscript --max-ppsize=500000 lm_peer.R <cheese.csv> <repeats> <formula terms>
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
invisible(Sys.setlocale("LC_COLLATE", "C"))
d$RETAILER <- factor(d$RETAILER, levels = sort(unique(d$RETAILER), method = "radix"))
reps <- as.integer(args[2])
k <- as.integer(args[3])
time_it <- function(f) {
  f()
  median(vapply(seq_len(reps), function(i) { gc(); system.time(f())[["elapsed"]] }, 0))
}
fit <- NULL
lm_seconds <- time_it(function() fit <<- lm(log(VOLUME) ~ log(PRICE) + RETAILER, data = d))
src <- paste("y ~", paste0("v", seq_len(k) - 1L, collapse = " + "))
terms_seconds <- time_it(function() terms(as.formula(src)))
cat(sprintf('{"lm": %.6f, "terms": %.6f, "elasticity": %.17g, "termsCount": %d, "r": "%s"}\n', lm_seconds, terms_seconds, coef(fit)[["log(PRICE)"]], length(attr(terms(as.formula(src)), "term.labels")), R.version.string))
