//! Rates of success with their uncertainty, shared by every report.
//!
//! How it works: a rate is `successes / trials`; its 95% interval is the Wilson score
//! interval, which stays inside `[0, 1]` and is honest for small counts and for rates of 0 or
//! 1, unlike the normal approximation. A rate of no trials is undefined (`None`), never 0:
//! reports print it as `-` (text) or `null` (JSON). Lift is a rate divided by a base rate,
//! undefined when either is.

/// The two-sided 95% normal quantile.
pub const Z95: f64 = 1.959_963_984_540_054;

/// A proportion of `successes` out of `trials`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rate {
    pub successes: u64,
    pub trials: u64,
}

impl Rate {
    pub fn new(successes: u64, trials: u64) -> Rate {
        debug_assert!(successes <= trials);
        Rate { successes, trials }
    }

    /// The rate, `None` when there were no trials.
    pub fn value(self) -> Option<f64> {
        (self.trials > 0).then(|| self.successes as f64 / self.trials as f64)
    }

    /// The Wilson score interval at 95%, `None` when there were no trials.
    pub fn wilson95(self) -> Option<(f64, f64)> {
        wilson(self.successes, self.trials, Z95)
    }

    /// This rate over `base`: `None` when either is undefined or the base is 0.
    pub fn lift_over(self, base: Rate) -> Option<f64> {
        lift(self.value()?, base.value()?)
    }
}

/// The Wilson score interval of `successes` out of `trials` at normal quantile `z`.
pub fn wilson(successes: u64, trials: u64, z: f64) -> Option<(f64, f64)> {
    if trials == 0 {
        return None;
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    // At a rate of 0 or 1 the interval touches the edge exactly (rounding would leave it a
    // hair inside).
    let low = if successes == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let high = if successes == trials {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    Some((low, high))
}

/// `rate / base`, `None` when the base is 0 or either is not finite.
pub fn lift(rate: f64, base: f64) -> Option<f64> {
    (base > 0.0 && rate.is_finite() && base.is_finite()).then(|| rate / base)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn wilson_matches_published_values() {
        // 81 of 263, computed independently (Python, the textbook formula): 0.25529 .. 0.36621.
        let (lo, hi) = Rate::new(81, 263).wilson95().unwrap();
        assert!(close(lo, 0.255_288_5), "{lo}");
        assert!(close(hi, 0.366_209_6), "{hi}");
    }

    #[test]
    fn wilson_stays_inside_zero_and_one_at_the_edges() {
        let (lo, hi) = Rate::new(0, 10).wilson95().unwrap();
        assert_eq!(lo, 0.0);
        assert!(hi > 0.0 && hi < 0.35, "{hi}");
        let (lo, hi) = Rate::new(10, 10).wilson95().unwrap();
        assert!(lo > 0.65 && lo < 1.0, "{lo}");
        assert_eq!(hi, 1.0);
    }

    #[test]
    fn no_trials_is_undefined_not_zero() {
        let none = Rate::new(0, 0);
        assert_eq!(none.value(), None);
        assert_eq!(none.wilson95(), None);
        assert_eq!(Rate::new(1, 2).lift_over(none), None);
        assert_eq!(Rate::new(1, 2).lift_over(Rate::new(0, 5)), None);
    }

    #[test]
    fn lift_is_the_ratio_of_rates() {
        assert!(close(
            Rate::new(1, 2).lift_over(Rate::new(1, 4)).unwrap(),
            2.0
        ));
    }
}
