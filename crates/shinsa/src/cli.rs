//! Command-line interface: arguments, help text and exit codes.

use crate::matching::MatchFormat;
use crate::output::{self, Format, Language};
use crate::screen_command::{self, Outcome};
use anyhow::Context as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use shinsa_model::{Date, Severity, parse_date};
use std::path::PathBuf;
use std::process::ExitCode;

/// No finding at or above `--fail-on`.
pub const EXIT_CLEAN: u8 = 0;
/// Findings at or above `--fail-on`.
pub const EXIT_FINDINGS: u8 = 1;
/// Bad input or usage; nothing was written.
pub const EXIT_BAD_INPUT: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "shinsa",
    version,
    about = "shinsa (審査): screen a critical-infrastructure operator's register against supply-chain security lists and sector policy",
    long_about = "shinsa (審査) screens an operator's register — equipment and its components, suppliers and \
who owns them, contractors and their subcontractors, data flows — against restricted-party lists \
(FCC Covered List, NDAA §889, DoD 1260H, Entity List, UK and EU designations) and a sector policy \
pack written in Cedar (Japan's Economic Security Promotion Act by default). Every finding carries its \
evidence (which name matched which list entry and why, the ownership path, the countries) and its \
legal basis, and records what produced it so that it can be reproduced.",
    after_help = "Examples:\n  shinsa demo                                  screen the bundled example utility\n  \
shinsa screen ./my-bundle                    screen a CSV folder\n  \
shinsa screen register.xlsx --format json    the same sheets in one workbook, as JSON\n  \
shinsa screen bundle.json --as-of 2025-01-01 --fail-on prohibited\n  \
shinsa lists ls                              the bundled lists, their versions and hashes\n\
shinsa lists import sdn.csv alt.csv add.csv  import a published list (OFAC, CSL, UN, OpenSanctions)\n\n\
Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 bad input or usage."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Screen a register bundle (CSV folder, .xlsx workbook or .json document) or a bare BOM.
    #[command(
        after_help = "A bundle folder holds operator.toml and any of parties.csv, ownership.csv, \
assets.csv, contracts.csv, dataflows.csv and BOM files (CycloneDX 1.2–1.6 JSON or XML, SPDX 2.2/2.3 \
JSON or tag-value, SPDX 3.0 JSON-LD; recognised by content, tied to an asset by the `bom` column or \
by the name of what they describe). A workbook has sheets with the same names (and an `operator` \
sheet); a JSON document follows schema/inventory.schema.json.\n\n\
A bare BOM is screened as the register of the one program or device it describes:\n  \
shinsa screen keycloak.cdx.json --operator minato --sector electricity --critical\n\
When a component names no supplier, its publisher is inferred from its package URL, CPE or \
web address (data/package_publishers.csv) and the finding says which field answered.\n\n\
Bad input is reported with file, line and column (or cell, or JSON pointer), the field, what was \
expected and what was found, all at once; exit code 2; nothing is written."
    )]
    Screen(ScreenArgs),
    /// Screen the bundled example (a fictional electricity utility) and print the findings.
    Demo(DemoArgs),
    /// Screen names one by one against the lists: which entries each matches, and why.
    #[command(
        after_help = "Examples:\n  shinsa match \"ZTE Japan K.K.\" ファーウェイ \"Kaspersky Lab Japan\"\n  \
shinsa match --input vendors.csv --format jsonl\n\n\
--input takes a CSV with a `name` column and optionally `id`, `aliases`, `country` and \
`identifiers` (scheme:value, e.g. cn_uscc:…; check digits are verified). A name matches a list \
entry directly, through the identity table (brands, native-script and katakana names) or \
through a controlling owner (≥ 50 %). Only matches at or above --threshold are shown."
    )]
    Match(MatchArgs),
    /// Reference lists.
    Lists {
        #[command(subcommand)]
        command: ListsCommand,
    },
    /// Vulnerability data: import CISA KEV, CVE records, NVD, CSAF advisories, JVN and VEX;
    /// list and compare what is imported. `screen` then reports each asset's exposures.
    Vulns {
        #[command(subcommand)]
        command: VulnsCommand,
    },
    /// Policy packs: write the default pack out to edit, check a pack.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Network evidence: connections to data centres abroad, devices nobody registered.
    Net {
        #[command(subcommand)]
        command: NetCommand,
    },
    /// Run the server: the API, the web UI and background screening. With no configuration
    /// it keeps its data in a SQLite file in the data directory.
    #[command(
        after_help = "Start it, create a regulator, an operator and their users, and sign in:\n\n  \
shinsa serve &\n  \
shinsa admin org meti --name 経済産業省 --kind regulator --sector electricity\n  \
shinsa admin org minato --name 湊電力 --kind operator --sector electricity\n  \
printf '%s\\n' 'a long password' | shinsa admin user alice@minato.example --org minato --role operator-admin\n\n\
then open http://127.0.0.1:8080/. The API is described at /api/v1/openapi.json; /health and \
/metrics (Prometheus) are for whoever runs the server. SIGTERM or Ctrl-C stops it gracefully."
    )]
    Serve(crate::server_commands::ServeArgs),
    /// Set up the server's organisations, users and API tokens; back its store up and restore it.
    Admin {
        #[command(subcommand)]
        command: crate::server_commands::AdminCommand,
    },
    /// The audit record: verify its hash chains, sign checkpoints, print events.
    Audit {
        #[command(subcommand)]
        command: crate::server_commands::AuditCommand,
    },
    /// Not for people: reads the text of a PDF on standard input within the
    /// limits given, for `lists import` and the server
    /// (`shinsa_ingest::lists::pdf_text`).
    #[command(hide = true)]
    PdfText(crate::list_commands::PdfTextArgs),
}

#[derive(Debug, Subcommand)]
enum NetCommand {
    /// Where the register's assets (and hosts it does not know) send data: one row per
    /// source × destination country × provider, decided by the policy pack.
    #[command(after_help = NET_HELP)]
    Flows(NetArgs),
    /// Devices seen on the network by MAC address: unregistered ones, and registered ones
    /// whose hardware vendor is not the maker the register gives.
    #[command(after_help = NET_HELP)]
    Devices(NetArgs),
}

const NET_HELP: &str = "Logs are recognised by content, plain or gzip: Zeek conn.log and dhcp.log \
(TSV or JSON lines), NetFlow v5/v9 and IPFIX export packets (captured payloads or a pcap of the \
exporter's UDP traffic; templates are kept across packets and files), firewall CSV exports \
(--columns names the columns when their names are not the usual ones) and lease or neighbour \
tables (dnsmasq leases, dhcpd.leases, `arp -an`, `ip neigh`).\n\n\
Flows and devices are tied to register assets by the `ip` and `mac` columns of assets.csv. \
Locally administered (randomised) MACs name no vendor and are left alone; flows to private \
addresses stay inside the network and are counted, not summed.\n\n\
--geo takes a country dataset: a MaxMind-format .mmdb, an ip-location-db range CSV \
(start,end,country) or tor's geoip/geoip6; --asn an .mmdb or a range CSV (start,end,asn,organisation). \
Give each several times for IPv4 and IPv6 files, or set SHINSA_GEO / SHINSA_ASN once (comma-separated). \
ASNs are mapped to providers and their parent companies by the shipped data/asn_providers.csv. \
Every finding records which dataset, of which date, answered.\n\n\
Malformed records are counted and listed with file and line (or packet); --strict makes them exit 2.\n\n\
Example:\n  shinsa net flows --inventory plant/ --geo geo-whois-asn-country-ipv4.csv \
--asn asn-ipv4.csv conn.log.gz\n  shinsa net devices --inventory plant/ dhcp.log arp.txt";

#[derive(Debug, Args)]
struct NetArgs {
    /// The register bundle whose assets the logs are tied to.
    #[arg(long, value_name = "BUNDLE")]
    inventory: PathBuf,
    /// The logs to read.
    #[arg(required = true, value_name = "LOG")]
    logs: Vec<PathBuf>,
    /// Country datasets (.mmdb or range CSV), asked in order.
    #[arg(long, value_name = "FILE", env = "SHINSA_GEO", value_delimiter = ',')]
    geo: Vec<PathBuf>,
    /// ASN datasets (.mmdb or range CSV with asn and organisation), asked in order.
    #[arg(long, value_name = "FILE", env = "SHINSA_ASN", value_delimiter = ',')]
    asn: Vec<PathBuf>,
    /// IEEE registry CSVs (oui.csv, mam.csv, oui36.csv) for MAC vendors. Default: the
    /// registry compiled in.
    #[arg(long, value_name = "FILE", env = "SHINSA_OUI", value_delimiter = ',')]
    oui: Vec<PathBuf>,
    /// Firewall CSV columns: src=COLUMN,dst=COLUMN[,time=…][,bytes=A+B][,port=…][,proto=…][,mac=…].
    #[arg(long, value_name = "MAP")]
    columns: Option<String>,
    /// Exit 2 when any record could not be read.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Write the default pack (pack.toml, schema.cedarschema, policies.cedar) to DIR to edit.
    Export {
        /// The folder to write; created if missing. Existing pack files are not overwritten.
        dir: PathBuf,
        /// Which bundled pack: jp-espa (default), us or generic.
        #[arg(long, default_value = "jp-espa")]
        id: String,
    },
    /// Check a pack: Cedar schema validation (strict), every rule with @id, @severity,
    /// @legal_basis and @title, ids unique, severity fitting its action. Errors name file,
    /// line and column. Exit 0 valid, 2 not.
    Validate {
        /// The pack folder (default: the bundled jp-espa pack).
        pack: Option<PathBuf>,
    },
    /// Run a pack's own tests (tests/*.toml): each names a register beside it and what
    /// the pack must decide about its subjects. Exit 0 all pass, 1 a test fails, 2 bad input.
    Test {
        /// The pack folder (default: every bundled pack with its tests).
        pack: Option<PathBuf>,
    },
    /// For one subject of a register: every rule of the pack, whether it fired, and why.
    Explain {
        /// The register bundle.
        register: PathBuf,
        /// The subject as kind:id, e.g. asset:BS-1, contract:K-3, dataflow:D-1.
        #[arg(long, value_parser = parse_subject)]
        subject: shinsa_model::Subject,
        /// The pack folder (default: the bundled pack).
        #[arg(long, value_name = "DIR")]
        pack: Option<PathBuf>,
        /// Screen as of this day (YYYY-MM-DD). Default: today (UTC).
        #[arg(long, value_name = "DATE", value_parser = parse_day)]
        as_of: Option<Date>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Make an Ed25519 key pair for signing packs: the secret goes to KEYFILE (hex, mode
    /// 0600), the public key to KEYFILE.pub and standard output.
    Keygen { keyfile: PathBuf },
    /// Sign a pack folder with a secret key: writes DIR/pack.sig over the pack's id,
    /// version and content hash.
    Sign {
        pack: PathBuf,
        #[arg(long, value_name = "KEYFILE")]
        key: PathBuf,
    },
    /// Check DIR/pack.sig against the pack's content. Exit 0 holds, 1 does not, 2 no
    /// signature or bad input.
    Verify {
        pack: PathBuf,
        /// Public keys (hex) the signer must be one of; repeat for several.
        #[arg(long, value_name = "KEY")]
        trust: Vec<String>,
    },
    /// Rules added, removed and changed between two packs (by @id).
    Diff {
        /// The old pack folder, or `default` for the bundled pack.
        old: PathBuf,
        /// The new pack folder, or `default`.
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Findings that appear and disappear on each register when NEW replaces OLD.
    Impact {
        /// The pack in force now (a folder, or `default`).
        #[arg(long, value_name = "OLD")]
        baseline: PathBuf,
        /// The pack to assess (a folder, or `default`).
        #[arg(long, value_name = "NEW")]
        pack: PathBuf,
        /// Register bundles (CSV folders, .xlsx or .json).
        #[arg(required = true)]
        registers: Vec<PathBuf>,
        /// Screen as of this day (YYYY-MM-DD). Default: today (UTC).
        #[arg(long, value_name = "DATE", value_parser = parse_day)]
        as_of: Option<Date>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
enum ListsCommand {
    /// The lists shinsa screens against (bundled and imported): id, name, legal effect,
    /// version, entries, SHA-256.
    Ls {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// A reference-data folder laid out like the project's data/ (default: the bundled data).
        #[arg(long, value_name = "DIR")]
        reference: Option<PathBuf>,
        #[command(flatten)]
        lists: ListsDir,
    },
    /// Import published lists: OFAC SDN or non-SDN CSV (give sdn.csv with alt.csv, add.csv
    /// and sdn_comments.csv, or cons_prim.csv with its cons_* files), the Consolidated
    /// Screening List (CSV or JSON), the UN consolidated XML, OpenSanctions FtM JSON lines.
    #[command(
        after_help = "Examples:\n  shinsa lists import sdn.csv alt.csv add.csv sdn_comments.csv --version 2026-11-26\n  \
shinsa lists import consolidated.xml targets.nested.json\n\n\
Every file is read and checked before anything is saved; a bad record is reported with its file \
and line and nothing is imported. Each version is saved with its date and SHA-256 and is used by \
`screen` and `match` from then on (the newest version of each list)."
    )]
    Import {
        /// The list files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The list id (default: ofac-sdn, ofac-cons, us-csl, un-sc or opensanctions).
        #[arg(long)]
        id: Option<String>,
        /// The publication day (default: the day the file states, else today).
        #[arg(long, value_name = "DATE", value_parser = parse_day)]
        version: Option<Date>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[command(flatten)]
        lists: ListsDir,
    },
    /// What changed between two versions of a list: parties added, removed and changed.
    Diff {
        /// The older version: a file saved by `lists import`, or a list file.
        old: PathBuf,
        /// The newer version.
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
enum VulnsCommand {
    /// Import vulnerability data as published: files, folders or .tgz archives of them.
    #[command(
        after_help = "Reads CISA's Known Exploited Vulnerabilities catalogue (JSON or CSV), CVE JSON 5 \
records (the CNA's container and every ADP container, CISA's included), NVD API 2.0 responses, \
CSAF 2.0 advisories (CISA's ICS advisories, vendors', CSAF VEX), MyJVN (VULDEF XML, JVNRSS, the \
v4 JSON) and VEX documents (CycloneDX VEX, OpenVEX); told by content, not by name.\n\n\
Examples:\n  shinsa vulns import known_exploited_vulnerabilities.json\n  \
shinsa vulns import cve-records.tgz csaf-ics-advisories.tgz jvn/\n\n\
A record that cannot be read is refused with its file and JSON pointer and the others are \
imported: the table counts what was read and refused per source, and the first refusals are \
printed. Each source is saved as one version (its newest date, SHA-256) that `screen` uses \
from then on: records imported later are laid over the saved ones of their source (a record \
with the same id replaces the older), except CISA's KEV catalogue, which is published whole \
and replaces. Nothing goes to the network."
    )]
    Import {
        /// Files, folders or .tgz archives.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[command(flatten)]
        advisories: AdvisoriesDir,
    },
    /// The vulnerability data screening uses: source, version, records read and refused.
    Ls {
        /// Every saved version, not only the newest of each source.
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[command(flatten)]
        advisories: AdvisoriesDir,
    },
    /// What changed between two saved versions of a source: records added, removed and
    /// changed, and KEV entries added and removed.
    Diff {
        /// The older version (a file `vulns ls --all` shows).
        old: PathBuf,
        /// The newer version.
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// Where imported lists are kept.
#[derive(Debug, Args)]
struct ListsDir {
    /// The folder of imported lists (default: $SHINSA_LISTS_DIR, else ~/.local/share/shinsa/lists).
    #[arg(long = "lists-dir", value_name = "DIR", env = "SHINSA_LISTS_DIR")]
    dir: Option<PathBuf>,
}

impl ListsDir {
    fn path(&self) -> PathBuf {
        shinsa_ingest::shelf::Shelf::lists(self.dir.clone()).dir
    }
}

/// Where imported vulnerability data is kept.
#[derive(Debug, Args)]
struct AdvisoriesDir {
    /// The folder of imported vulnerability data (default: $SHINSA_ADVISORIES_DIR, else
    /// ~/.local/share/shinsa/advisories). Screening uses the newest version of each source.
    #[arg(
        long = "advisories-dir",
        value_name = "DIR",
        env = "SHINSA_ADVISORIES_DIR"
    )]
    advisories_dir: Option<PathBuf>,
}

impl AdvisoriesDir {
    fn shelf(&self) -> shinsa_ingest::shelf::Shelf {
        shinsa_ingest::shelf::Shelf::advisories(self.advisories_dir.clone())
    }
}

/// The VEX formats `--export-vex` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum VexFormat {
    Cyclonedx,
    Csaf,
}

/// Severity threshold for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Prohibited,
    Review,
    Notice,
    /// Never exit 1.
    Never,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            Self::Prohibited => Some(Severity::Prohibited),
            Self::Review => Some(Severity::Review),
            Self::Notice => Some(Severity::Notice),
            Self::Never => None,
        }
    }
}

#[derive(Debug, Args)]
struct Common {
    /// Screen as of this day (YYYY-MM-DD): decides which list entries,
    /// exceptions, ownerships and sectors apply. Default: today (UTC).
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    as_of: Option<Date>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Language of titles in table and CSV output.
    #[arg(long, value_enum, default_value_t = Language::En)]
    lang: Language,
    /// Exit 1 when a finding is at or above this severity. Default: review for
    /// `screen`, never for `demo` (a demonstration is not a failure).
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Write the output to FILE instead of standard output (written only on success).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// The policy pack: a folder (pack.toml, schema.cedarschema, policies.cedar), or
    /// ID@VERSION to re-run a past decision, or ID for the version in force on --as-of
    /// (among the bundled packs and those in --packs). Default: the bundled jp-espa.
    #[arg(long, value_name = "DIR|ID[@VERSION]")]
    pack: Option<String>,
    /// A folder of pack folders (versions of packs) that --pack ID[@VERSION] chooses from.
    #[arg(long, value_name = "DIR")]
    packs: Option<PathBuf>,
    /// A reference-data folder laid out like data/. Default: the bundled data.
    #[arg(long, value_name = "DIR")]
    reference: Option<PathBuf>,
    /// Lowest name-match score that counts as a match, 0 to 1.
    #[arg(long, default_value_t = shinsa_match::DEFAULT_THRESHOLD, value_parser = parse_threshold)]
    threshold: f64,
    #[command(flatten)]
    lists: ListsDir,
    #[command(flatten)]
    advisories: AdvisoriesDir,
    /// VEX documents (CycloneDX VEX, OpenVEX, CSAF VEX) applied to this register: an
    /// exposure a statement calls not_affected or fixed is not reported, and the warning
    /// says why; affected with an action is a mitigation on record. Repeat for several.
    #[arg(long, value_name = "FILE")]
    vex: Vec<PathBuf>,
    /// Also write the exposures screening reported as a VEX document to FILE (in the
    /// format --vex-format names), for a vendor, a ministry or Dependency-Track.
    #[arg(long, value_name = "FILE")]
    export_vex: Option<PathBuf>,
    /// The format of --export-vex: CycloneDX 1.6 VEX or CSAF 2.0 (csaf_vex profile).
    #[arg(long, value_enum, default_value_t = VexFormat::Cyclonedx)]
    vex_format: VexFormat,
    /// Refuse a BOM that breaks a rule of its format even in a field shinsa does not
    /// read (a URL, a licence's shape, a timestamp). Without it such breaches are
    /// warnings, each with its pointer or line.
    #[arg(long)]
    strict_bom: bool,
}

#[derive(Debug, Args)]
struct ScreenArgs {
    /// The register: a folder of CSV files, an .xlsx workbook, a .json document, or a
    /// bare BOM (CycloneDX JSON or XML, SPDX JSON, tag-value or 3.0 JSON-LD, told by
    /// content) screened as a register of the one system it describes.
    path: PathBuf,
    #[command(flatten)]
    bom: BomOwner,
    #[command(flatten)]
    common: Common,
}

/// Who a bare BOM is screened for; a bundle names its operator itself and
/// these are ignored.
#[derive(Debug, Args)]
struct BomOwner {
    /// For a bare BOM: the operator (id and name) it is screened for.
    #[arg(long, value_name = "ID", default_value = "bom-check")]
    operator: String,
    /// For a bare BOM: the operator's sector (a code of data/sectors.csv), which
    /// chooses the pack version and the sector's kinds of critical facility. The
    /// default suits a quick check of a vendor's delivery; give your own sector to
    /// screen as you would file.
    #[arg(long, value_name = "SECTOR", default_value = "telecommunications")]
    sector: String,
    /// For a bare BOM: the system it describes is a specified critical facility
    /// (特定重要設備) — a BOM cannot say so itself. Decides between review and
    /// prohibition for listed vendors.
    #[arg(long)]
    critical: bool,
}

impl BomOwner {
    fn operator(&self) -> shinsa_ingest::upload::BomOperator {
        shinsa_ingest::upload::BomOperator {
            id: self.operator.clone(),
            name: self.operator.clone(),
            sector: self.sector.clone(),
            critical: self.critical,
        }
    }
}

#[derive(Debug, Args)]
struct MatchArgs {
    /// Names to screen.
    names: Vec<String>,
    /// A CSV of names to screen (column `name`; optional `id`, `aliases`, `country`,
    /// `identifiers`), or a vendor's BOM (CycloneDX or SPDX, told by content): the makers
    /// its components name, or whose packages they are, are screened.
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = MatchFormat::Table)]
    format: MatchFormat,
    /// Lowest score that counts as a match, 0 to 1.
    #[arg(long, default_value_t = shinsa_match::DEFAULT_THRESHOLD, value_parser = parse_threshold)]
    threshold: f64,
    /// Match against the entries in force on this day (YYYY-MM-DD). Default: today (UTC).
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    as_of: Option<Date>,
    /// A reference-data folder laid out like data/. Default: the bundled data.
    #[arg(long, value_name = "DIR")]
    reference: Option<PathBuf>,
    /// Match only against these lists (ids as `lists ls` shows them, comma-separated).
    #[arg(long, value_name = "ID,…", value_delimiter = ',')]
    lists: Vec<String>,
    #[command(flatten)]
    lists_dir: ListsDir,
}

#[derive(Debug, Args)]
struct DemoArgs {
    #[command(flatten)]
    common: Common,
}

fn parse_day(text: &str) -> Result<Date, String> {
    parse_date(text).map_err(|error| error.to_string())
}

fn parse_subject(text: &str) -> Result<shinsa_model::Subject, String> {
    use shinsa_model::SubjectKind;
    let (kind, id) = text
        .split_once(':')
        .ok_or_else(|| format!("expected kind:id such as asset:BS-1, found {text:?}"))?;
    let kind = SubjectKind::parse(kind).ok_or_else(|| {
        format!(
            "expected asset, contract, dataflow, connection, device or exposure, found {kind:?}"
        )
    })?;
    Ok(shinsa_model::Subject {
        kind,
        id: id.to_owned(),
    })
}

fn parse_threshold(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if (0.0..=1.0).contains(&value) => Ok(value),
        _ => Err(format!("expected a number from 0 to 1, found {text:?}")),
    }
}

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Screen(args) => {
            let source = screen_command::Source::from_path(args.path, args.bom.operator())?;
            screen(source, &args.common, FailOn::Review)
        }
        Command::Demo(args) => screen(crate::demo::source(), &args.common, FailOn::Never),
        Command::Serve(args) => crate::server_commands::serve(args),
        Command::Admin { command } => crate::server_commands::admin(command),
        Command::Audit { command } => crate::server_commands::audit(command),
        Command::Match(args) => match_names(args),
        Command::PdfText(args) => crate::list_commands::pdf_text(&args),
        Command::Net {
            command: NetCommand::Flows(args),
        } => net(crate::net_commands::View::Flows, args),
        Command::Net {
            command: NetCommand::Devices(args),
        } => net(crate::net_commands::View::Devices, args),
        Command::Policy {
            command: PolicyCommand::Export { dir, id },
        } => crate::policy_commands::export_pack(&dir, &id),
        Command::Policy {
            command: PolicyCommand::Validate { pack },
        } => crate::policy_commands::validate_pack(pack.as_deref()),
        Command::Policy {
            command: PolicyCommand::Test { pack },
        } => crate::policy_commands::test_pack(pack.as_deref()),
        Command::Policy {
            command: PolicyCommand::Keygen { keyfile },
        } => crate::policy_commands::keygen(&keyfile),
        Command::Policy {
            command: PolicyCommand::Sign { pack, key },
        } => crate::policy_commands::sign_pack(&pack, &key),
        Command::Policy {
            command: PolicyCommand::Verify { pack, trust },
        } => crate::policy_commands::verify_pack(&pack, &trust),
        Command::Policy {
            command: PolicyCommand::Diff { old, new, format },
        } => crate::policy_commands::diff_packs(&old, &new, format),
        Command::Policy {
            command:
                PolicyCommand::Explain {
                    register,
                    subject,
                    pack,
                    as_of,
                    format,
                },
        } => crate::policy_commands::explain_subject(register, &subject, pack, as_of, format),
        Command::Policy {
            command:
                PolicyCommand::Impact {
                    baseline,
                    pack,
                    registers,
                    as_of,
                    format,
                },
        } => crate::policy_commands::pack_impact(&baseline, &pack, &registers, as_of, format),
        Command::Lists {
            command:
                ListsCommand::Ls {
                    format,
                    reference,
                    lists,
                },
        } => {
            let reference = screen_command::reference(reference.as_deref(), Some(&lists.path()))?;
            emit(&output::lists(&reference, format)?)?;
            Ok(ExitCode::from(EXIT_CLEAN))
        }
        Command::Lists {
            command:
                ListsCommand::Import {
                    files,
                    id,
                    version,
                    format,
                    lists,
                },
        } => crate::list_commands::import(&files, &lists.path(), id, version, format),
        Command::Lists {
            command: ListsCommand::Diff { old, new, format },
        } => crate::list_commands::diff(&old, &new, format),
        Command::Vulns {
            command:
                VulnsCommand::Import {
                    paths,
                    format,
                    advisories,
                },
        } => crate::vulns_commands::import(&paths, &advisories.shelf(), format),
        Command::Vulns {
            command:
                VulnsCommand::Ls {
                    all,
                    format,
                    advisories,
                },
        } => crate::vulns_commands::list(&advisories.shelf(), all, format),
        Command::Vulns {
            command: VulnsCommand::Diff { old, new, format },
        } => crate::vulns_commands::diff(&old, &new, format),
    }
}

fn match_names(args: MatchArgs) -> anyhow::Result<ExitCode> {
    let mut queries: Vec<shinsa_model::Party> = args
        .names
        .iter()
        .enumerate()
        .map(|(index, name)| shinsa_model::Party {
            id: format!("arg {}", index + 1),
            name: name.clone(),
            aliases: Vec::new(),
            country: None,
            hq_country: None,
            identifiers: Vec::new(),
        })
        .collect();
    let day = args
        .as_of
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    let mut reference =
        screen_command::reference(args.reference.as_deref(), Some(&args.lists_dir.path()))?;
    if let Some(path) = &args.input {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let file = path.display().to_string();
        // A vendor's delivered BOM: the makers it names are the queries.
        let read = if shinsa_ingest::sbom::BomFormat::detect(&bytes).is_some() {
            shinsa_ingest::queries::bom_queries(&file, &bytes, &reference)
        } else {
            shinsa_ingest::queries::read_queries(&file, &bytes)
        };
        match read {
            Ok(mut rows) => queries.append(&mut rows),
            Err(errors) => {
                eprint!("{errors}");
                return Ok(ExitCode::from(EXIT_BAD_INPUT));
            }
        }
    }
    if queries.is_empty() {
        anyhow::bail!("give names to match, or --input FILE");
    }
    if !args.lists.is_empty() {
        if let Some(unknown) = args.lists.iter().find(|id| reference.list(id).is_none()) {
            anyhow::bail!("no list {unknown:?}; `shinsa lists ls` shows the lists");
        }
        reference.retain_lists(&args.lists);
    }
    let results = crate::matching::run(queries, reference, day, args.threshold)?;
    emit(&crate::matching::render(&results, args.format)?)?;
    Ok(ExitCode::from(EXIT_CLEAN))
}

fn options(common: &Common) -> screen_command::Options {
    screen_command::Options {
        day: common
            .as_of
            .unwrap_or_else(|| time::OffsetDateTime::now_utc().date()),
        pack: common.pack.clone(),
        packs: common.packs.clone(),
        reference: common.reference.clone(),
        lists_dir: Some(common.lists.path()),
        advisories: Some(common.advisories.shelf()),
        vex: common.vex.clone(),
        threshold: common.threshold,
        strict_bom: common.strict_bom,
    }
}

fn net(view: crate::net_commands::View, args: NetArgs) -> anyhow::Result<ExitCode> {
    let request = crate::net_commands::NetRequest {
        logs: args.logs,
        geo: args.geo,
        asn: args.asn,
        oui: args.oui,
        columns: args.columns,
    };
    let common = &args.common;
    let Some(done) = crate::net_commands::run(
        view,
        args.inventory,
        &request,
        &options(common),
        common.format,
        common.lang,
    )?
    else {
        return Ok(ExitCode::from(EXIT_BAD_INPUT));
    };
    for warning in &done.warnings {
        eprintln!("warning: {warning}");
    }
    finish(&done.text, common)?;
    if args.strict && done.read.problems.count > 0 {
        eprintln!(
            "{} malformed records (--strict); the first: {}",
            done.read.problems.count,
            shinsa_model::shown(done.read.problems.first.first())
        );
        return Ok(ExitCode::from(EXIT_BAD_INPUT));
    }
    Ok(exit_for(&done.findings, common, FailOn::Review))
}

/// Writes the output where `--output` says.
fn finish(text: &str, common: &Common) -> anyhow::Result<()> {
    match &common.output {
        Some(path) => write_atomically(path, text),
        None => emit(text),
    }
}

/// Exit 1 when a finding is at or above `--fail-on` (or the default).
fn exit_for(findings: &[shinsa_model::Finding], common: &Common, default: FailOn) -> ExitCode {
    let fail_on = common.fail_on.unwrap_or(default);
    let failing = fail_on
        .threshold()
        .is_some_and(|threshold| findings.iter().any(|finding| finding.severity >= threshold));
    ExitCode::from(if failing { EXIT_FINDINGS } else { EXIT_CLEAN })
}

fn screen(
    source: screen_command::Source,
    common: &Common,
    default_fail_on: FailOn,
) -> anyhow::Result<ExitCode> {
    let outcome = match screen_command::run(&source, &options(common))? {
        Outcome::Screened(report) => report,
        Outcome::BadInput(errors) => {
            eprint!("{errors}");
            return Ok(ExitCode::from(EXIT_BAD_INPUT));
        }
    };
    for warning in &outcome.warnings {
        eprintln!("warning: {warning}");
    }
    let text = output::report(&outcome, common.format, common.lang)?;
    finish(&text, common)?;
    if let Some(path) = &common.export_vex {
        let export = shinsa_report::vex::VexExport {
            operator_id: &outcome.operator.id,
            operator_name: &outcome.operator.name,
            as_of: outcome.as_of,
            written_at: time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)?,
            findings: &outcome.findings,
        };
        let document = match common.vex_format {
            VexFormat::Cyclonedx => shinsa_report::vex::cyclonedx(&export),
            VexFormat::Csaf => shinsa_report::vex::csaf(&export),
        };
        write_atomically(path, &serde_json::to_string_pretty(&document)?)?;
    }
    Ok(exit_for(&outcome.findings, common, default_fail_on))
}

/// Writes to standard output; a closed pipe (`| head`) is not an error.
pub(crate) fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Writes through a temporary file in the same folder, so a reader never
/// sees half a report.
fn write_atomically(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    let temporary = path.with_extension("shinsa-partial");
    std::fs::write(&temporary, text).with_context(|| format!("writing {}", temporary.display()))?;
    std::fs::rename(&temporary, path).with_context(|| format!("writing {}", path.display()))
}
