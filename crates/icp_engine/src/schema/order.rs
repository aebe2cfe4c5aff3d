//! Ordered categories: text values that rank, such as funding rounds or seniority.
//!
//! How it works: an [`Order`] turns a text into its rank — a number — or says it is not in
//! the order. A listed order holds levels, lowest first, each with the spellings that name it;
//! a text is normalised before it is looked up ([`normalise`]: lower case, every run of
//! characters other than letters and digits one space), so `"Series B"`, `"series_b"` and
//! `"SERIES-B"` are one spelling. Three orders are built in ([`Orders::builtin`]): `round`
//! (none < pre-seed < seed < series A < … < series J < growth < IPO), `seniority` (individual
//! contributor < manager < director < VP < C-level) and `employee_band` (a band such as
//! `51-200` or `10,001+` ranks by its lower bound, so bands from different sources still
//! compare). A project declares more in `icp.toml` (`[enums.stage] order = ["lead", "mql"]`).
//! A field (its `order` in the schema) or a signal (its declaration) says which order its
//! values follow; the checker then lowers `x >= "Series B"` to a comparison of ranks, and a
//! value that is not in the order has no rank, so the comparison is unknown.

use std::fmt;

use serde::Serialize;

/// Index of an order in [`Orders`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct OrderId(pub u16);

/// How an order ranks text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Ranking {
    /// Levels lowest first.
    Levels(Vec<Level>),
    /// Ranges of a count (`51-200`, `10,001+`, `1-10 employees`), ranked by their lower bound.
    Bands,
}

/// One level of a listed order: its name as messages show it and every spelling of it,
/// normalised ([`normalise`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Level {
    pub name: String,
    pub keys: Vec<String>,
}

impl Level {
    /// A level called `name`, also spelt `aliases`.
    fn new(name: &str, aliases: &[&str]) -> Level {
        let mut keys = vec![normalise(name)];
        keys.extend(aliases.iter().map(|a| normalise(a)));
        Level {
            name: name.to_string(),
            keys,
        }
    }
}

/// One ordered category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Order {
    pub name: String,
    pub ranking: Ranking,
}

/// The orders a rule set knows: the built-in ones, then those `icp.toml` declares.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Orders {
    orders: Vec<Order>,
}

/// Why an order cannot be declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderError {
    Duplicate(String),
    BadName(String),
    Empty(String),
    /// Two levels of one order with the same spelling (after normalisation).
    Repeated {
        order: String,
        value: String,
    },
}

impl fmt::Display for OrderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OrderError::Duplicate(name) => {
                write!(f, "enum `{name}` is already declared (or built in)")
            }
            OrderError::BadName(name) => write!(
                f,
                "`{name}` is not a valid enum name (letters, digits and `_`, starting with a letter)"
            ),
            OrderError::Empty(name) => write!(f, "enum `{name}` needs at least one value"),
            OrderError::Repeated { order, value } => {
                write!(f, "enum `{order}` lists \"{value}\" twice")
            }
        }
    }
}

impl std::error::Error for OrderError {}

/// A text as orders compare it: lower case, each run of other characters than letters and
/// digits one space, trimmed; `"Series_B "` is `"series b"`.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    }
    out
}

impl Order {
    /// The rank of a text, or `None` when it is not in the order.
    pub fn rank(&self, text: &str) -> Option<f64> {
        match &self.ranking {
            Ranking::Levels(levels) => {
                let key = normalise(text);
                levels
                    .iter()
                    .position(|level| level.keys.contains(&key))
                    .map(|i| i as f64)
            }
            Ranking::Bands => band_floor(text),
        }
    }

    /// The values as messages list them: each level's first spelling, or a band's form.
    pub fn describe(&self) -> String {
        match &self.ranking {
            Ranking::Levels(levels) => {
                let names: Vec<&str> = levels.iter().map(|l| l.name.as_str()).collect();
                names.join(" < ")
            }
            Ranking::Bands => "ranges of a count such as \"1-10\", \"51-200\" or \"10001+\"".into(),
        }
    }

    /// The names of the levels, for a did-you-mean.
    pub fn level_names(&self) -> Vec<&str> {
        match &self.ranking {
            Ranking::Levels(levels) => levels.iter().map(|l| l.name.as_str()).collect(),
            Ranking::Bands => Vec::new(),
        }
    }
}

/// The lower bound of a band: `51-200` is 51, `10,001+` is 10001, `1 to 10 employees` is 1;
/// `None` for text that does not start with a count.
fn band_floor(text: &str) -> Option<f64> {
    let text = text.trim_start();
    let digits: String = text
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '_')
        .filter(char::is_ascii_digit)
        .collect();
    if digits.is_empty() {
        return None;
    }
    digits.parse::<f64>().ok()
}

/// The built-in levels of funding rounds, lowest first. `None` is a company known to have
/// raised no round (what the funding plugin says of a covered company without one).
fn rounds() -> Vec<Level> {
    let mut levels = vec![
        Level::new(
            "None",
            &["no round", "no funding", "unfunded", "bootstrapped"],
        ),
        Level::new("Pre-Seed", &["preseed", "angel", "pre series a"]),
        Level::new("Seed", &["seed round"]),
    ];
    for letter in 'A'..='J' {
        let name = format!("Series {letter}");
        let lower = letter.to_ascii_lowercase();
        let aliases = [
            letter.to_string(),
            format!("series{lower}"),
            format!("{name} round"),
        ];
        let aliases: Vec<&str> = aliases.iter().map(String::as_str).collect();
        levels.push(Level::new(&name, &aliases));
    }
    levels.push(Level::new(
        "Growth",
        &["growth equity", "late stage", "private equity", "pe"],
    ));
    levels.push(Level::new("IPO", &["public", "post ipo"]));
    levels
}

/// The built-in levels of seniority, lowest first, with the spellings of the presets' sources
/// (Apollo's `c_suite`, LinkedIn's `CXO`, …).
/// The seniority levels, as plugins filtering people by level read them too
/// (`icp_plugin_api::levels`).
fn seniority() -> Vec<Level> {
    icp_plugin_api::levels::SENIORITY
        .iter()
        .map(|(name, aliases)| Level::new(name, aliases))
        .collect()
}

impl Default for Orders {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Orders {
    pub const ROUND: OrderId = OrderId(0);
    pub const SENIORITY: OrderId = OrderId(1);
    pub const EMPLOYEE_BAND: OrderId = OrderId(2);

    /// The built-in orders: `round`, `seniority`, `employee_band`.
    pub fn builtin() -> Orders {
        let order = |name: &str, ranking| Order {
            name: name.to_string(),
            ranking,
        };
        Orders {
            orders: vec![
                order("round", Ranking::Levels(rounds())),
                order("seniority", Ranking::Levels(seniority())),
                order("employee_band", Ranking::Bands),
            ],
        }
    }

    /// Declares an order of `values`, lowest first (`[enums.NAME] order = [...]`).
    pub fn declare(&mut self, name: &str, values: &[String]) -> Result<OrderId, OrderError> {
        let valid = name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(OrderError::BadName(name.to_string()));
        }
        if self.lookup(name).is_some() {
            return Err(OrderError::Duplicate(name.to_string()));
        }
        if values.is_empty() {
            return Err(OrderError::Empty(name.to_string()));
        }
        let mut levels: Vec<Level> = Vec::new();
        for value in values {
            let level = Level::new(value, &[]);
            if levels.iter().any(|l| l.keys == level.keys) {
                return Err(OrderError::Repeated {
                    order: name.to_string(),
                    value: value.clone(),
                });
            }
            levels.push(level);
        }
        self.orders.push(Order {
            name: name.to_string(),
            ranking: Ranking::Levels(levels),
        });
        Ok(OrderId(self.orders.len() as u16 - 1))
    }

    pub fn lookup(&self, name: &str) -> Option<OrderId> {
        self.orders
            .iter()
            .position(|o| o.name == name)
            .map(|i| OrderId(i as u16))
    }

    pub fn get(&self, id: OrderId) -> &Order {
        &self.orders[id.0 as usize]
    }

    /// The names of every order, for messages.
    pub fn names(&self) -> Vec<&str> {
        self.orders.iter().map(|o| o.name.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_spellings_normalise_to_one_rank() {
        let orders = Orders::builtin();
        let round = orders.get(Orders::ROUND);
        let b = round.rank("Series B");
        assert!(b.is_some());
        for spelling in ["series_b", "B", "SERIES-B", " series b round", "SeriesB"] {
            assert_eq!(round.rank(spelling), b, "{spelling}");
        }
        assert!(round.rank("Seed") < round.rank("Series A"));
        assert!(round.rank("pre-seed") < round.rank("seed"));
        // A company known to have raised nothing ranks below every round.
        assert_eq!(round.rank("None"), Some(0.0));
        assert_eq!(round.rank("unfunded"), round.rank("none"));
        assert!(round.rank("None") < round.rank("Pre-Seed"));
        assert!(round.rank("Series J") < round.rank("growth"));
        assert!(round.rank("growth") < round.rank("IPO"));
        assert_eq!(round.rank("acquisition"), None);
    }

    #[test]
    fn seniority_ranks_the_presets_spellings() {
        let orders = Orders::builtin();
        let s = orders.get(Orders::SENIORITY);
        let rank = |t| s.rank(t).unwrap_or(-1.0);
        assert!(rank("Individual Contributor") < rank("Manager"));
        assert!(rank("Manager") < rank("Director"));
        assert!(rank("Director") < rank("VP"));
        assert!(rank("VP") < rank("C-Level"));
        assert_eq!(rank("c_suite"), rank("C-Level"));
        assert_eq!(rank("Owner"), rank("CXO"));
        assert_eq!(rank("Entry"), rank("individual contributor"));
        assert_eq!(s.rank("Wizard"), None);
    }

    #[test]
    fn bands_rank_by_their_lower_bound() {
        let orders = Orders::builtin();
        let bands = orders.get(Orders::EMPLOYEE_BAND);
        assert_eq!(bands.rank("51-200"), Some(51.0));
        assert_eq!(bands.rank("10,001+"), Some(10_001.0));
        assert_eq!(bands.rank("1 to 10 employees"), Some(1.0));
        assert_eq!(bands.rank("self-employed"), None);
        assert!(bands.rank("11-50") < bands.rank("51-200"));
    }

    #[test]
    fn declared_orders_rank_their_values_in_order() {
        let mut orders = Orders::builtin();
        let values: Vec<String> = ["Lead", "MQL", "SQL", "Customer"]
            .map(String::from)
            .to_vec();
        let stage = orders.declare("stage", &values).expect("declared");
        assert_eq!(orders.get(stage).rank("mql"), Some(1.0));
        assert_eq!(orders.get(stage).rank("Customer"), Some(3.0));
        assert_eq!(
            orders.declare("stage", &values),
            Err(OrderError::Duplicate("stage".into()))
        );
        assert!(matches!(
            orders.declare("twice", &["a".into(), "A".into()]),
            Err(OrderError::Repeated { .. })
        ));
        assert_eq!(
            orders.declare("none", &[]),
            Err(OrderError::Empty("none".into()))
        );
    }
}
