//! Each value in its canonical form, or, with probability `messy`, in a messy but readable one.
//!
//! How it works: [`Generator::mess`] draws from the messiness stream whether the next value is
//! messy and which of its forms it takes; every writer here asks it once per value and writes
//! the canonical value on `None`. The forms are the ones real exports show: size bands
//! ("51-200", "10,001+"), amounts with a currency and a magnitude ("$12.5M", "€ 1.2 billion"),
//! country names and aliases, dates in other orders, "Yes"/"Y"/"1" for booleans, decimal
//! commas, "n/a", blanks, changed case and padding.

use std::fmt::Write as _;

use crate::enc::Enc;
use crate::vocab::{self, Country};
use crate::{Generator, civil_from_days};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `1234567` → `1,234,567`.
fn grouped(out: &mut String, n: u64) {
    let digits = n.to_string();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
}

/// An amount with a magnitude suffix: `12.5M`, `1.2B`, `850K`.
fn compact(out: &mut String, n: f64) {
    let _ = if n >= 1e9 {
        write!(out, "{:.1}B", n / 1e9)
    } else if n >= 1e6 {
        write!(out, "{:.1}M", n / 1e6)
    } else if n >= 1e3 {
        write!(out, "{:.0}K", n / 1e3)
    } else {
        write!(out, "{n:.0}")
    };
}

impl Generator {
    /// Whether the next value is written messy, and which of `forms` forms (0..forms).
    fn mess(&mut self, forms: usize) -> Option<usize> {
        if self.messy > 0.0 && self.mess.f64() < self.messy {
            self.messy_values += 1;
            Some(self.mess.below(forms))
        } else {
            None
        }
    }

    /// Writes `value` as text, or a messy form of it: blank, upper, lower or padded case.
    pub(crate) fn text(&mut self, e: &mut Enc, key: &str, value: &str) {
        match self.mess(4) {
            None => e.str(key, value),
            Some(0) => e.missing(key),
            Some(1) => {
                self.scratch.clear();
                self.scratch.push_str(&value.to_uppercase());
                e.str(key, &self.scratch);
            }
            Some(2) => {
                self.scratch.clear();
                self.scratch.push_str(&value.to_lowercase());
                e.str(key, &self.scratch);
            }
            Some(_) => {
                self.scratch.clear();
                let _ = write!(self.scratch, "  {value} ");
                e.str(key, &self.scratch);
            }
        }
    }

    /// Writes a list, or a messy form: missing, lower-cased items or spaced separators.
    pub(crate) fn list(&mut self, e: &mut Enc, key: &str, items: &[&str]) {
        match self.mess(3) {
            None => e.list(key, items, ";"),
            Some(0) => e.missing(key),
            Some(1) => {
                let lower: Vec<String> = items.iter().map(|s| s.to_lowercase()).collect();
                let refs: Vec<&str> = lower.iter().map(String::as_str).collect();
                e.list(key, &refs, ";");
            }
            Some(_) => e.list(key, items, " ; "),
        }
    }

    pub(crate) fn write_name(&mut self, e: &mut Enc, name: &str) {
        match self.mess(4) {
            None => e.str("name", name),
            Some(0) => {
                self.scratch.clear();
                let _ = write!(self.scratch, "{name}, Inc.");
                e.str("name", &self.scratch);
            }
            Some(1) => {
                self.scratch.clear();
                let initials: String = name.split(' ').filter_map(|w| w.chars().next()).collect();
                let _ = write!(self.scratch, "{name} (\"{initials}\")");
                e.str("name", &self.scratch);
            }
            Some(_) => self.text(e, "name", name),
        }
    }

    pub(crate) fn write_domain(&mut self, e: &mut Enc, domain: &str) {
        let Some(form) = self.mess(6) else {
            e.str("domain", domain);
            return;
        };
        self.scratch.clear();
        let _ = match form {
            0 => write!(self.scratch, "https://www.{domain}"),
            1 => write!(self.scratch, "http://{domain}/"),
            2 => write!(self.scratch, "www.{domain}"),
            3 => write!(self.scratch, "{}", domain.to_uppercase()),
            4 => write!(self.scratch, "https://{domain}/about"),
            _ => {
                e.missing("domain");
                return;
            }
        };
        e.str("domain", &self.scratch);
    }

    pub(crate) fn write_employees(&mut self, e: &mut Enc, n: f64) {
        let Some(form) = self.mess(7) else {
            e.int("employees", n as i64);
            return;
        };
        self.scratch.clear();
        let _ = match form {
            0 | 1 => {
                const BANDS: [(f64, &str); 7] = [
                    (10.0, "1-10"),
                    (50.0, "11-50"),
                    (200.0, "51-200"),
                    (500.0, "201-500"),
                    (1000.0, "501-1000"),
                    (5000.0, "1,001-5,000"),
                    (10000.0, "5001-10000"),
                ];
                let band = BANDS
                    .iter()
                    .find(|(hi, _)| n <= *hi)
                    .map_or("10,001+", |(_, b)| b);
                write!(self.scratch, "{band}")
            }
            2 if n >= 1000.0 => write!(self.scratch, "{:.1}K", n / 1000.0),
            2 => write!(self.scratch, "{n} employees"),
            3 => {
                grouped(&mut self.scratch, n as u64);
                Ok(())
            }
            4 => write!(self.scratch, "n/a"),
            5 => write!(self.scratch, " {n} "),
            _ => {
                e.missing("employees");
                return;
            }
        };
        e.str("employees", &self.scratch);
    }

    pub(crate) fn write_revenue(&mut self, e: &mut Enc, key: &str, n: f64) {
        let Some(form) = self.mess(8) else {
            e.int(key, n as i64);
            return;
        };
        self.scratch.clear();
        match form {
            0 | 1 => {
                self.scratch.push('$');
                compact(&mut self.scratch, n);
            }
            2 => {
                let _ = if n >= 1e9 {
                    write!(self.scratch, "€ {:.1} billion", n / 1e9)
                } else {
                    write!(self.scratch, "€ {:.1} million", n / 1e6)
                };
            }
            3 => grouped(&mut self.scratch, n as u64),
            4 => {
                self.scratch.push_str("USD ");
                compact(&mut self.scratch, n);
            }
            5 => {
                self.scratch.push('$');
                compact(&mut self.scratch, n);
                // A year note is read for revenue (money), not for other numbers.
                if key == "revenue" {
                    self.scratch.push_str(" (2025)");
                }
            }
            6 => self.scratch.push_str("n/a"),
            _ => {
                e.missing(key);
                return;
            }
        }
        e.str(key, &self.scratch);
    }

    pub(crate) fn write_country(&mut self, e: &mut Enc, key: &str, country: &Country) {
        match self.mess(5) {
            None => e.str(key, country.code),
            Some(0 | 1) => e.str(key, country.name),
            Some(2) => e.str(
                key,
                vocab::country_alias(country.code).unwrap_or(country.name),
            ),
            Some(3) => {
                self.scratch.clear();
                self.scratch.push_str(&country.name.to_uppercase());
                e.str(key, &self.scratch);
            }
            Some(_) => e.missing(key),
        }
    }

    pub(crate) fn write_founded(&mut self, e: &mut Enc, year: i64) {
        match self.mess(4) {
            None => e.int("founded", year),
            Some(0) => e.str("founded", "n/a"),
            Some(1) => e.missing("founded"),
            Some(2) => {
                self.scratch.clear();
                let _ = write!(self.scratch, "{year}-01-01");
                e.str("founded", &self.scratch);
            }
            Some(_) => {
                self.scratch.clear();
                let _ = write!(self.scratch, "{year}.0");
                e.str("founded", &self.scratch);
            }
        }
    }

    pub(crate) fn write_count(&mut self, e: &mut Enc, key: &str, n: f64) {
        match self.mess(3) {
            None => e.int(key, n as i64),
            Some(0) => e.missing(key),
            Some(1) => {
                self.scratch.clear();
                let _ = write!(self.scratch, "{n:.1}");
                e.str(key, &self.scratch);
            }
            Some(_) => {
                self.scratch.clear();
                let _ = write!(self.scratch, " {n} ");
                e.str(key, &self.scratch);
            }
        }
    }

    pub(crate) fn write_ratio(&mut self, e: &mut Enc, key: &str, x: f64) {
        match self.mess(2) {
            None => e.float(key, x, 2),
            Some(0) => e.missing(key),
            Some(_) => {
                // A decimal comma, as European spreadsheets write it.
                self.scratch.clear();
                let _ = write!(self.scratch, "{x:.2}");
                let s = self.scratch.replace('.', ",");
                e.str(key, &s);
            }
        }
    }

    pub(crate) fn write_date(&mut self, e: &mut Enc, key: &str, day: i64) {
        let (y, m, d) = civil_from_days(day);
        self.scratch.clear();
        let _ = match self.mess(5) {
            None => write!(self.scratch, "{y}-{m:02}-{d:02}"),
            Some(0) => write!(self.scratch, "{m:02}/{d:02}/{y}"),
            Some(1) => write!(self.scratch, "{d} {} {y}", MONTHS[m as usize - 1]),
            Some(2) => write!(self.scratch, "{y}-{m:02}-{d:02}T10:00:00Z"),
            Some(3) => write!(self.scratch, "{y}/{m:02}/{d:02}"),
            Some(_) => {
                e.missing(key);
                return;
            }
        };
        e.str(key, &self.scratch);
    }

    pub(crate) fn write_bool(&mut self, e: &mut Enc, key: &str, value: bool) {
        let forms: [(&str, &str); 4] = [("Yes", "No"), ("TRUE", "FALSE"), ("Y", "N"), ("1", "0")];
        match self.mess(5) {
            None => e.bool(key, value),
            Some(4) => e.missing(key),
            Some(f) => {
                let (t, n) = forms[f];
                e.str(key, if value { t } else { n });
            }
        }
    }
}
