//! The `hiring` signal plugin: the open job postings of the lead's company, read from a CSV
//! file with the columns `domain,posted,title,department,location`.

use std::collections::HashMap;

use icp_plugin_api::sdk::{Config, Date, Lead, Plugin, Result, Signal, Type, domain_key, read_csv};

/// One open job posting; the text is lower case, so that matches can ignore case.
#[derive(Debug)]
struct Posting {
    posted: Date,
    title: String,
    department: String,
}

/// The open postings of every company, by normalised domain.
#[derive(Debug, Default)]
pub struct Hiring {
    postings: HashMap<String, Vec<Posting>>,
}

impl Hiring {
    /// How many of the lead's postings, published by the run's as-of date, pass `keep`:
    /// unknown when the lead has no domain, 0 for a company the file does not list.
    fn count(&self, lead: &Lead<'_>, keep: impl Fn(&Posting) -> bool) -> Option<usize> {
        let domain = domain_key(lead.text("company.domain")?);
        let all = self.postings.get(domain.as_ref()).map_or(&[][..], Vec::as_slice);
        let today = lead.today();
        Some(all.iter().filter(|p| p.posted <= today && keep(p)).count())
    }
}

impl Plugin for Hiring {
    const NAME: &'static str = "hiring";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DOC: &'static str = "Open job postings of the lead's company.";

    fn init(config: &Config) -> Result<Self> {
        let path = config.path("data")?;
        let mut hiring = Hiring::default();
        for row in read_csv(&path, &["domain", "posted", "title", "department"], &[])? {
            let posted = Date::parse(row.get(1))
                .ok_or_else(|| row.error(format!("`{}` is not a date (YYYY-MM-DD)", row.get(1))))?;
            let posting = Posting {
                posted,
                title: row.get(2).to_lowercase(),
                department: row.get(3).to_lowercase(),
            };
            let domain = domain_key(row.get(0));
            hiring.postings.entry(domain.into_owned()).or_default().push(posting);
        }
        Ok(hiring)
    }

    fn signals() -> Vec<Signal<Self>> {
        vec![
            Signal::new("open_roles", Type::Number)
                .doc("The number of open job postings, in one department if given.")
                .optional_param("department", Type::String)
                .input("company.domain")
                .eval(|hiring: &Hiring, lead, args| {
                    let department = args.string("department").map(str::to_lowercase);
                    Ok(hiring.count(lead, |p| {
                        department.as_ref().is_none_or(|d| p.department == *d)
                    }))
                }),
            Signal::new("hiring_for", Type::Bool)
                .doc("Whether the title of an open posting contains the text, ignoring case.")
                .param("title", Type::String)
                .input("company.domain")
                .eval(|hiring: &Hiring, lead, args| {
                    let title = args.string("title").unwrap_or_default().to_lowercase();
                    let matching = hiring.count(lead, |p| p.title.contains(&title));
                    Ok(matching.map(|n| n > 0))
                }),
            Signal::new("posted_within", Type::Number)
                .doc("The number of open postings published within the given time, such as 30d.")
                .param("within", Type::Duration)
                .input("company.domain")
                .eval(|hiring: &Hiring, lead, args| {
                    let within = args.duration("within").unwrap_or_default();
                    let today = lead.today();
                    Ok(hiring.count(lead, |p| f64::from(today.days_since(p.posted)) <= within))
                }),
        ]
    }
}

icp_plugin_api::export_plugin!(Hiring);
