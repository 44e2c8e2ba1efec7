# Benchmark peer: R glm logit with all pairwise interactions.
#
# Usage: Rscript glm_peer.R data.csv REPEATS [fit|formula]
#   data.csv  columns y,x1,x2,x3 (y in {0,1})
#   mode fit (default): time glm.fit(X, y, family = binomial()) on a model
#       matrix built once, outside the timing. This is exactly the IRLS that
#       glm() runs (same control, same starting values, same result).
#   mode formula: time the whole glm(y ~ (x1 + x2 + x3)^2, binomial, data)
#       call, i.e. including model.frame()/model.matrix() on every run.
# Prints ONE line of JSON:
#   {"peer","version","mode","medianSeconds","runs","coefficients","iterations"}
# Coefficient order: (Intercept), x1, x2, x3, x1:x2, x1:x3, x2:x3.
# Single-threaded with Debian's reference BLAS; OPENBLAS_* variables have no
# effect unless R is linked to OpenBLAS.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 2L) stop("usage: Rscript glm_peer.R data.csv REPEATS [fit|formula]")
path <- args[1L]
repeats <- as.integer(args[2L])
mode <- if (length(args) >= 3L) args[3L] else "fit"
stopifnot(repeats >= 1L, mode %in% c("fit", "formula"))

d <- read.csv(path, colClasses = c("numeric", "numeric", "numeric", "numeric"))
stopifnot(identical(names(d), c("y", "x1", "x2", "x3")))
f <- y ~ (x1 + x2 + x3)^2
X <- model.matrix(f, d)
y <- d$y
fam <- binomial()

runs <- numeric(repeats)
fit <- NULL
for (r in seq_len(repeats)) {
  fit <- NULL
  invisible(gc(verbose = FALSE))
  t0 <- Sys.time()
  fit <- if (mode == "fit") glm.fit(X, y, family = fam) else glm(f, family = fam, data = d)
  runs[r] <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
  if (!fit$converged) stop("glm did not converge")
}
stopifnot(identical(names(coef(fit)), colnames(X)))

num <- function(v) paste(sprintf("%.17g", v), collapse = ",")
cat(sprintf(paste0('{"peer":"R glm","version":"%s","mode":"%s","medianSeconds":%s,',
                   '"runs":[%s],"coefficients":[%s],"iterations":%d}\n'),
            sub("^R version ", "", R.version.string), mode, sprintf("%.17g", median(runs)),
            num(runs), num(coef(fit)), fit$iter))
