//! The real export headers of HubSpot, Salesforce and Apollo, and the fields they feed.
//!
//! How it works: each preset has two tables, one for its companies (accounts) export and one
//! for its contacts (people) export. Headers are compared ignoring case and surrounding space.
//! A table entry names a field path (`company.employees`), the two halves of a contact's name
//! (joined into `contact.name`), the column of a contacts export that holds the company key
//! ([`PresetTarget::Join`], used to attach contacts to companies, and as the company's key in a
//! one-row-per-contact export), or a column the preset knows but that feeds nothing
//! ([`PresetTarget::Ignore`], e.g. a contact's own record id, which must not be taken for the
//! company's). An entry may also say how its list values are separated when the export does
//! not use the configured separator (Apollo writes `Salesforce, Google Analytics`).
//!
//! Where a header is found twice for one field (HubSpot's "Company Domain Name" and "Website
//! URL"), the first column with a value in a row wins.
//!
//! Sources:
//! - HubSpot: the CSV of *Companies → Export* and *Contacts → Export* with the default
//!   property labels ("Record ID", "Company name", "Company Domain Name", "Number of Employees",
//!   "Annual Revenue", "Country/Region", …; contacts "First Name", "Job Title",
//!   "Associated Company IDs", …). Multi-select values are `;`-separated.
//! - Salesforce: Data Loader / Data Export CSVs of `Account` and `Contact`, which use API names
//!   (`Id`, `Name`, `NumberOfEmployees`, `AnnualRevenue`, `BillingCountry`, `AccountId`, …),
//!   and report exports, which use field labels ("Account Name", "Account ID", "Billing
//!   Country", "Employees", …). Both are listed.
//! - Apollo: the CSV of *Companies → Export* ("Company", "# Employees", "Website", "Company
//!   Country", "Technologies", "Keywords", "Apollo Account Id", …) and *People → Export*
//!   ("First Name", "Title", "Seniority", "Departments", "Person Linkedin Url", "Country" — the
//!   person's —, and the company columns repeated). Technologies and keywords are
//!   `, `-separated.

use serde::{Deserialize, Serialize};

/// A CRM or data vendor whose export headers are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    Hubspot,
    Salesforce,
    Apollo,
}

impl Preset {
    pub const ALL: [Preset; 3] = [Preset::Hubspot, Preset::Salesforce, Preset::Apollo];

    /// The industry taxonomy of the preset's exports.
    pub fn taxonomy(self) -> icp_engine::vocab::Taxonomy {
        use icp_engine::vocab::Taxonomy;
        match self {
            Preset::Hubspot => Taxonomy::HubSpot,
            Preset::Salesforce => Taxonomy::Salesforce,
            Preset::Apollo => Taxonomy::LinkedIn,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Preset::Hubspot => "hubspot",
            Preset::Salesforce => "salesforce",
            Preset::Apollo => "apollo",
        }
    }

    /// The headers of the preset's companies (accounts) export.
    pub fn companies(self) -> &'static [PresetColumn] {
        match self {
            Preset::Hubspot => HUBSPOT_COMPANIES,
            Preset::Salesforce => SALESFORCE_ACCOUNTS,
            Preset::Apollo => APOLLO_COMPANIES,
        }
    }

    /// The headers of the preset's contacts (people) export.
    pub fn contacts(self) -> &'static [PresetColumn] {
        match self {
            Preset::Hubspot => HUBSPOT_CONTACTS,
            Preset::Salesforce => SALESFORCE_CONTACTS,
            Preset::Apollo => APOLLO_PEOPLE,
        }
    }
}

/// Which company value a contacts export's key column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JoinKind {
    /// The company's id (`company.id`).
    Id,
    /// The company's domain, normalised (`company.domain`).
    Domain,
    /// The company's name, compared ignoring case (`company.name`).
    Name,
}

impl JoinKind {
    /// The company field the key matches.
    pub fn field(self) -> &'static str {
        match self {
            JoinKind::Id => "id",
            JoinKind::Domain => "domain",
            JoinKind::Name => "name",
        }
    }
}

/// What a known export column feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PresetTarget {
    /// A field path such as `company.employees`.
    Field(&'static str),
    /// The first half of `contact.name`.
    FirstName,
    /// The second half of `contact.name`.
    LastName,
    /// The company key of a contacts export.
    Join(JoinKind),
    /// Known, and deliberately not read.
    Ignore,
}

/// One header of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresetColumn {
    pub header: &'static str,
    pub target: PresetTarget,
    /// The list separator of this column, when it differs from the configured one.
    pub separator: Option<&'static str>,
}

const fn f(header: &'static str, path: &'static str) -> PresetColumn {
    PresetColumn {
        header,
        target: PresetTarget::Field(path),
        separator: None,
    }
}

const fn list(header: &'static str, path: &'static str, sep: &'static str) -> PresetColumn {
    PresetColumn {
        header,
        target: PresetTarget::Field(path),
        separator: Some(sep),
    }
}

const fn t(header: &'static str, target: PresetTarget) -> PresetColumn {
    PresetColumn {
        header,
        target,
        separator: None,
    }
}

use PresetTarget::{FirstName, Ignore, Join, LastName};

/// HubSpot, *Companies → Export*.
const HUBSPOT_COMPANIES: &[PresetColumn] = &[
    f("Record ID", "company.id"),
    f("Company name", "company.name"),
    f("Company Domain Name", "company.domain"),
    f("Website URL", "company.domain"),
    f("Industry", "company.industry"),
    f("Number of Employees", "company.employees"),
    f("Annual Revenue", "company.revenue"),
    f("Country/Region", "company.country"),
    f("State/Region", "company.state"),
    f("City", "company.city"),
    f("Year Founded", "company.founded"),
    f("Web Technologies", "company.technologies"),
    // HubSpot's "Type" is a CRM status (Prospect, Customer, Partner), not the institution
    // type `company.type` means: left unread.
    t("Type", Ignore),
];

/// HubSpot, *Contacts → Export*.
const HUBSPOT_CONTACTS: &[PresetColumn] = &[
    t("Record ID", Ignore),
    t("Associated Company IDs", Join(JoinKind::Id)),
    t("Associated Company ID", Join(JoinKind::Id)),
    t("First Name", FirstName),
    t("Last Name", LastName),
    f("Email", "contact.email"),
    f("Job Title", "contact.title"),
    f("Seniority", "contact.seniority"),
    f("Job function", "contact.department"),
    f("Department", "contact.department"),
    f("Phone Number", "contact.phone"),
    f("Mobile Phone Number", "contact.phone"),
    f("Country/Region", "contact.country"),
    f("LinkedIn URL", "contact.linkedin"),
    // The contact's own city and state: no contact field holds them, and they are not the
    // company's.
    t("City", Ignore),
    t("State/Region", Ignore),
];

/// Salesforce `Account`: API names (Data Loader, Data Export) and report labels.
const SALESFORCE_ACCOUNTS: &[PresetColumn] = &[
    f("Id", "company.id"),
    f("Account ID", "company.id"),
    f("Name", "company.name"),
    f("Account Name", "company.name"),
    f("Website", "company.domain"),
    f("Industry", "company.industry"),
    f("NumberOfEmployees", "company.employees"),
    f("Employees", "company.employees"),
    f("AnnualRevenue", "company.revenue"),
    f("Annual Revenue", "company.revenue"),
    f("BillingCountry", "company.country"),
    f("Billing Country", "company.country"),
    f("BillingState", "company.state"),
    f("Billing State/Province", "company.state"),
    f("BillingCity", "company.city"),
    f("Billing City", "company.city"),
    f("Ownership", "company.ownership"),
    // Salesforce's account type (Prospect, "Customer - Direct") is a CRM status, not an
    // institution type: left unread.
    t("Type", Ignore),
    t("Account Type", Ignore),
    f("YearStarted", "company.founded"),
    f("Year Started", "company.founded"),
];

/// Salesforce `Contact`: API names and report labels.
const SALESFORCE_CONTACTS: &[PresetColumn] = &[
    t("Id", Ignore),
    t("Contact ID", Ignore),
    t("AccountId", Join(JoinKind::Id)),
    t("Account ID", Join(JoinKind::Id)),
    t("Account Name", Join(JoinKind::Name)),
    t("FirstName", FirstName),
    t("First Name", FirstName),
    t("LastName", LastName),
    t("Last Name", LastName),
    f("Name", "contact.name"),
    f("Full Name", "contact.name"),
    f("Title", "contact.title"),
    f("Email", "contact.email"),
    f("Phone", "contact.phone"),
    f("MobilePhone", "contact.phone"),
    f("Mobile", "contact.phone"),
    f("Department", "contact.department"),
    f("MailingCountry", "contact.country"),
    f("Mailing Country", "contact.country"),
];

/// Apollo, *Companies → Export*.
const APOLLO_COMPANIES: &[PresetColumn] = &[
    f("Apollo Account Id", "company.id"),
    f("Company", "company.name"),
    f("Website", "company.domain"),
    f("# Employees", "company.employees"),
    f("Industry", "company.industry"),
    f("Annual Revenue", "company.revenue"),
    f("Company Country", "company.country"),
    f("Company State", "company.state"),
    f("Company City", "company.city"),
    f("Founded Year", "company.founded"),
    list("Technologies", "company.technologies", ","),
    list("Keywords", "company.tags", ","),
];

/// Apollo, *People → Export* (company columns repeated: [`APOLLO_COMPANIES`] reads them).
const APOLLO_PEOPLE: &[PresetColumn] = &[
    t("Apollo Contact Id", Ignore),
    t("Apollo Account Id", Join(JoinKind::Id)),
    t("Website", Join(JoinKind::Domain)),
    t("Company", Join(JoinKind::Name)),
    t("First Name", FirstName),
    t("Last Name", LastName),
    f("Title", "contact.title"),
    f("Seniority", "contact.seniority"),
    f("Departments", "contact.department"),
    f("Email", "contact.email"),
    f("Person Linkedin Url", "contact.linkedin"),
    f("Work Direct Phone", "contact.phone"),
    f("Mobile Phone", "contact.phone"),
    f("Corporate Phone", "contact.phone"),
    f("Country", "contact.country"),
    // The person's own city and state.
    t("City", Ignore),
    t("State", Ignore),
];

#[cfg(test)]
mod tests {
    use super::*;
    use icp_engine::Schema;

    #[test]
    fn every_preset_path_is_a_canonical_field() {
        let schema = Schema::canonical();
        for preset in Preset::ALL {
            for column in preset.companies().iter().chain(preset.contacts()) {
                if let PresetTarget::Field(path) = column.target {
                    let known = schema.fields().any(|(_, f)| f.path() == path);
                    assert!(known, "{}: {} → {path}", preset.name(), column.header);
                }
            }
        }
    }

    #[test]
    fn headers_are_unique_within_a_table() {
        for preset in Preset::ALL {
            for table in [preset.companies(), preset.contacts()] {
                for (i, a) in table.iter().enumerate() {
                    for b in &table[i + 1..] {
                        assert!(
                            !a.header.eq_ignore_ascii_case(b.header),
                            "{}: {} twice",
                            preset.name(),
                            a.header
                        );
                    }
                }
            }
        }
    }
}
