//! Sub-expressions computed once, as columns, instead of written out wherever they are read.
//!
//! How it works: an operator's SQL reads its operands more than once — a comparison tests
//! each operand for unknown and then compares it, `and` / `or` test their own value again in
//! their missing inputs, a finite check names its number twice — so written out, an
//! expression nested N deep would repeat its innermost operands 2^N times, and DuckDB spends
//! seconds binding and planning such a query. Instead [`Hoisted::column`] gives a company-row
//! expression's text a column of its own (`hx7`) and the reader names the column. A column
//! computed from other columns of the same step comes one layer later: a step's columns are
//! computed by a chain of `SELECT prev.*, … FROM prev` layers ([`Hoisted::take_layers`])
//! before the step itself reads them. The same text gets the same column, in the step that
//! first needed it and in every later one (the row keeps its columns), so a condition that
//! several ICPs or tiers share is computed once per lead. The bodies of quantifiers, over a
//! contact row (`k.`), get columns the same way ([`Hoisted::for_contacts`], `k.kx3`), computed
//! by layers over the contacts of one quantifier step; the next step starts afresh, as its
//! contact rows are read anew.

use std::collections::HashMap;

/// Text shorter than this is read where it is written: a column name, a literal, a small test.
pub const SHORT: usize = 40;

/// The hoisted columns of a query so far, and the layers of the current step.
#[derive(Debug)]
pub struct Hoisted {
    /// The prefix of the columns' names (`names` keeps every other prefix apart from it).
    prefix: &'static str,
    /// What a reader writes before a column's name (`k.` on a contact row).
    qualifier: &'static str,
    /// Whether the columns last one step only (a contact step's rows are gone after it).
    per_step: bool,
    /// Expression text → its column, for every step so far (or this step only).
    by_text: HashMap<String, String>,
    /// Columns named so far.
    count: usize,
    /// Column → its layer (1 = computed from columns of the steps before), this step only.
    layer_of: HashMap<String, usize>,
    /// This step's columns, layer by layer: (expression, column).
    layers: Vec<Vec<(String, String)>>,
}

impl Hoisted {
    /// Columns of the company row (`hx0`, …), kept by every later step.
    pub fn for_companies() -> Hoisted {
        Hoisted::new("hx", "", false)
    }

    /// Columns of the contact rows of one quantifier step (`k.kx0`, …).
    pub fn for_contacts() -> Hoisted {
        Hoisted::new("kx", "k.", true)
    }

    fn new(prefix: &'static str, qualifier: &'static str, per_step: bool) -> Hoisted {
        Hoisted {
            prefix,
            qualifier,
            per_step,
            by_text: HashMap::new(),
            layer_of: HashMap::new(),
            layers: Vec::new(),
            count: 0,
        }
    }

    /// What reads the column computing `text`, or `text` itself when it is short.
    pub fn column(&mut self, text: String) -> String {
        if text.len() < SHORT {
            return text;
        }
        if let Some(name) = self.by_text.get(&text) {
            return format!("{}{name}", self.qualifier);
        }
        let name = format!("{}{}", self.prefix, self.count);
        self.count += 1;
        let layer = 1 + self.deepest_read(&text);
        if self.layers.len() < layer {
            self.layers.resize_with(layer, Vec::new);
        }
        self.layers[layer - 1].push((text.clone(), name.clone()));
        self.layer_of.insert(name.clone(), layer);
        self.by_text.insert(text, name.clone());
        format!("{}{name}", self.qualifier)
    }

    /// The deepest layer of this step among the hoisted columns `text` names (0: none).
    fn deepest_read(&self, text: &str) -> usize {
        let bytes = text.as_bytes();
        let mut deepest = 0;
        for (at, _) in text.match_indices(self.prefix) {
            let after_name_char = at > 0 && is_name_byte(bytes[at - 1]);
            if after_name_char {
                continue;
            }
            let digits = text[at + self.prefix.len()..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            let name = &text[at..at + self.prefix.len() + digits];
            if let Some(&layer) = self.layer_of.get(name) {
                deepest = deepest.max(layer);
            }
        }
        deepest
    }

    /// Ends a step: its columns, layer by layer, each layer reading only the ones before.
    pub fn take_layers(&mut self) -> Vec<Vec<(String, String)>> {
        self.layer_of.clear();
        if self.per_step {
            self.by_text.clear();
        }
        std::mem::take(&mut self.layers)
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_stays_where_it_is() {
        let mut h = Hoisted::for_companies();
        assert_eq!(h.column("cf3".into()), "cf3");
        assert!(h.take_layers().is_empty());
    }

    #[test]
    fn the_same_text_is_one_column_and_readers_come_a_layer_later() {
        let mut h = Hoisted::for_companies();
        let long = |s: &str| format!("{s} /* {} */", "x".repeat(SHORT));
        let a = h.column(long("LOWER(cf1)"));
        assert_eq!(h.column(long("LOWER(cf1)")), a);
        let b = h.column(long(&format!("UPPER({a})")));
        let c = h.column(long(&format!("{b} || {a}")));
        let layers = h.take_layers();
        let names: Vec<Vec<&str>> = (layers.iter())
            .map(|l| l.iter().map(|(_, n)| n.as_str()).collect())
            .collect();
        assert_eq!(
            names,
            vec![vec![a.as_str()], vec![b.as_str()], vec![c.as_str()]]
        );
        // A later step reads the columns as they are, and gets the same one for the same text.
        assert_eq!(h.column(long("LOWER(cf1)")), a);
        let d = h.column(long(&format!("{c} + 1")));
        assert_eq!(h.take_layers()[0], vec![(long(&format!("{c} + 1")), d)]);
    }

    #[test]
    fn a_longer_name_is_not_read_as_a_shorter_one() {
        let mut h = Hoisted::for_companies();
        let long = |s: &str| format!("{s} /* {} */", "x".repeat(SHORT));
        let first = h.column(long("a"));
        assert_eq!(first, "hx0");
        assert_eq!(h.deepest_read("hx01 + xhx0"), 0);
        assert_eq!(h.deepest_read("(hx0)"), 1);
    }

    #[test]
    fn contact_columns_are_read_through_k_and_last_one_step() {
        let mut h = Hoisted::for_contacts();
        let long = |s: &str| format!("{s} /* {} */", "x".repeat(SHORT));
        let a = h.column(long("LOWER(k.kf19)"));
        assert_eq!(a, "k.kx0");
        let b = h.column(long(&format!("UPPER({a})")));
        assert_eq!(h.take_layers().len(), 2, "{b} reads {a}");
        assert_eq!(
            h.column(long("LOWER(k.kf19)")),
            "k.kx2",
            "a new step computes it again"
        );
    }
}
