//! The significance test of `icp discover`: a one-sided Fisher exact test, with Holm's
//! correction for the number of attributes tried.
//!
//! How it works: the best customers are a sample of `n` leads drawn from all `N` leads, `K` of
//! which hold an attribute. Under the null hypothesis (the attribute says nothing about being
//! a best customer) the number `X` of best customers holding it is hypergeometric, and the
//! p-value of seeing `k` or more is the upper tail `P(X ≥ k)` — Fisher's exact test of the 2×2
//! table best / not best × holds / does not, one-sided towards over-representation. It is
//! exact at any count (a two-proportion z-test is not, for rare attributes or few customers),
//! and the same whether the report's base is all leads or the rest: the table is the same.
//!
//! The tail is summed in log space: the first term `C(K,k)·C(N−K,n−k)/C(N,n)` from log-gamma
//! (Lanczos), each next one from the ratio of consecutive terms, rescaled so nothing
//! overflows, and stopped once the terms no longer change the sum. [`ln_upper_tail`] returns
//! the natural log of the p-value, so a p-value below the smallest `f64` still ranks.
//! [`holm`] adjusts a family of p-values (Holm 1979: step-down Bonferroni, valid under any
//! dependence, uniformly more powerful than Bonferroni).

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7, 9 coefficients; relative error below 1e-14).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).abs().ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEFFICIENTS[0];
    for (i, c) in COEFFICIENTS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// `ln C(n, k)`.
pub fn ln_choose(n: u64, k: u64) -> f64 {
    if k > n {
        return f64::NEG_INFINITY;
    }
    if k == 0 || k == n {
        return 0.0;
    }
    ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)
}

/// `ln P(X ≥ k)` for `X` hypergeometric: `n` draws from `population` items of which
/// `successes` are marked. 0 (p = 1) when `k` is 0; `-inf` when `k` cannot be reached.
pub fn ln_upper_tail(population: u64, successes: u64, draws: u64, k: u64) -> f64 {
    debug_assert!(successes <= population && draws <= population);
    if k == 0 {
        return 0.0;
    }
    let highest = successes.min(draws);
    let lowest = (draws + successes).saturating_sub(population);
    if k > highest {
        return f64::NEG_INFINITY;
    }
    if k <= lowest {
        return 0.0;
    }
    let failures = population - successes;
    let first =
        ln_choose(successes, k) + ln_choose(failures, draws - k) - ln_choose(population, draws);
    // The sum of term(x) / term(k) for x = k..=highest, rescaled by `shift` (a log) so that it
    // never overflows.
    let (mut sum, mut term, mut shift) = (1.0_f64, 1.0_f64, 0.0_f64);
    for x in k..highest {
        let x_f = x as f64;
        let ratio = (successes as f64 - x_f) * (draws as f64 - x_f)
            / ((x_f + 1.0) * (failures as f64 - draws as f64 + x_f + 1.0));
        term *= ratio;
        sum += term;
        if sum > 1e200 {
            sum /= 1e200;
            term /= 1e200;
            shift += 1e200_f64.ln();
        }
        // The terms fall from here on (the distribution is unimodal): stop once they no
        // longer count.
        if ratio < 1.0 && term < sum * 1e-17 {
            break;
        }
    }
    (first + sum.ln() + shift).min(0.0)
}

/// The p-value of `ln p`, 0 when it is below the smallest `f64`.
pub fn p_of_ln(ln_p: f64) -> f64 {
    ln_p.exp()
}

/// Holm's step-down adjustment of `ln_p` (natural logs of p-values), in the same order: the
/// `i`-th smallest p-value is multiplied by `m − i` (0-based `i`), made non-decreasing along
/// that order, and capped at 1. Returned as p-values (not logs). Ties are ordered by index,
/// which does not change the adjusted values.
pub fn holm(ln_p: &[f64], tried: usize) -> Vec<f64> {
    let m = tried.max(ln_p.len()) as f64;
    let mut order: Vec<usize> = (0..ln_p.len()).collect();
    order.sort_by(|&a, &b| ln_p[a].total_cmp(&ln_p[b]).then(a.cmp(&b)));
    let mut adjusted = vec![1.0; ln_p.len()];
    let mut running = f64::NEG_INFINITY;
    for (rank, &i) in order.iter().enumerate() {
        let ln_adjusted = ln_p[i] + (m - rank as f64).ln();
        running = running.max(ln_adjusted);
        adjusted[i] = running.min(0.0).exp();
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `C(n, k)` exactly, for small `n`.
    fn choose(n: u64, k: u64) -> u128 {
        if k > n {
            return 0;
        }
        let mut c: u128 = 1;
        for i in 0..k as u128 {
            c = c * (n as u128 - i) / (i + 1);
        }
        c
    }

    /// The upper tail by the definition, in exact integers.
    fn tail(population: u64, successes: u64, draws: u64, k: u64) -> f64 {
        let total = choose(population, draws) as f64;
        (k..=draws)
            .map(|x| choose(successes, x) * choose(population - successes, draws - x))
            .sum::<u128>() as f64
            / total
    }

    #[test]
    fn ln_gamma_matches_factorials() {
        let mut factorial = 1.0_f64;
        for n in 1..30u32 {
            factorial *= n as f64;
            let got = ln_gamma(n as f64 + 1.0);
            assert!((got - factorial.ln()).abs() < 1e-10, "{n}: {got}");
        }
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-12);
    }

    #[test]
    fn upper_tail_equals_the_definition() {
        for population in 1..40u64 {
            for successes in 0..=population {
                for draws in (0..=population).step_by(3) {
                    for k in 0..=draws {
                        let want = tail(population, successes, draws, k);
                        let got = ln_upper_tail(population, successes, draws, k).exp();
                        assert!(
                            (got - want).abs() <= 1e-9 * want.max(1e-300) + 1e-12,
                            "N={population} K={successes} n={draws} k={k}: {got} vs {want}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn fisher_one_sided_matches_a_published_table() {
        // The tea-tasting table [[3, 1], [1, 3]]: one-sided p = 17/70 (Fisher 1935).
        let p = ln_upper_tail(8, 4, 4, 3).exp();
        assert!((p - 17.0 / 70.0).abs() < 1e-12, "{p}");
    }

    #[test]
    fn tiny_p_values_keep_their_log() {
        let ln_p = ln_upper_tail(1_000_000, 20_000, 20_000, 15_000);
        assert!(ln_p.is_finite() && ln_p < -10_000.0, "{ln_p}");
        assert_eq!(p_of_ln(ln_p), 0.0);
    }

    #[test]
    fn holm_multiplies_by_the_remaining_count_and_stays_monotone() {
        let ln: Vec<f64> = [0.01, 0.04, 0.03, 0.5]
            .iter()
            .map(|p: &f64| p.ln())
            .collect();
        let got = holm(&ln, 4);
        let want = [0.04, 0.09, 0.09, 0.5];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{got:?}");
        }
        // More tests tried than reported: m is the number tried.
        assert!((holm(&[0.01_f64.ln()], 10)[0] - 0.1).abs() < 1e-12);
    }
}
