//! What the store keeps, as plain data.

use serde::{Deserialize, Serialize};

/// Whose data a call may touch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tenant {
    /// An operator: its own registers, runs and findings.
    Operator { org: String },
    /// A regulator body: the operators of the sectors it oversees.
    Regulator { org: String, sectors: Vec<String> },
    /// The server itself (background jobs, the CLI's administration).
    System,
}

/// How much of the plans within a tenant's reach a call reads (the server's
/// access policy says which: `shinsa_server::access::plan_reach`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanReach {
    /// Drafts, never filed, too.
    pub drafts: bool,
    /// The history before the filing too.
    pub before_filing: bool,
}

impl PlanReach {
    /// Everything: the operator's own, the server's jobs.
    pub const WHOLE: PlanReach = PlanReach {
        drafts: true,
        before_filing: true,
    };
    /// Filed plans from their filing on.
    pub const FILED: PlanReach = PlanReach {
        drafts: false,
        before_filing: false,
    };
}

/// The chain of changes no single organisation owns (organisations, lists).
pub const SYSTEM_CHAIN: &str = "system";

/// Who made a change, as the audit log names them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor(pub String);

impl Actor {
    pub fn user(user: &User) -> Self {
        Actor(format!("user:{}", user.login))
    }
    pub fn system(what: &str) -> Self {
        Actor(format!("system:{what}"))
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Operator,
    Regulator,
}

impl OrgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Operator => "operator",
            OrgKind::Regulator => "regulator",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "operator" => Some(OrgKind::Operator),
            "regulator" => Some(OrgKind::Regulator),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrganisation {
    pub id: String,
    pub name: String,
    pub kind: OrgKind,
    /// An operator's sector (one), or the sectors a regulator oversees.
    pub sectors: Vec<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    pub kind: OrgKind,
    pub sectors: Vec<String>,
    /// Where changes are announced; the secret signs each delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    pub created_at: String,
}

/// A webhook endpoint and the secret its deliveries are signed with.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct Webhook {
    pub url: String,
    pub secret: String,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("url", &self.url)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// The five roles. What each may do is the server's rule; the store only
/// keeps the name.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    OperatorAdmin,
    OperatorMember,
    RegulatorReviewer,
    RegulatorAdmin,
    Auditor,
    /// Runs the server for every ministry: publishes the lists that apply
    /// everywhere (OFAC, UN, Japan's) and packs of any sector. A member of
    /// the regulator body that runs the server; created from the command
    /// line only.
    PlatformAdmin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::OperatorAdmin,
        Role::OperatorMember,
        Role::RegulatorReviewer,
        Role::RegulatorAdmin,
        Role::Auditor,
        Role::PlatformAdmin,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::OperatorAdmin => "operator-admin",
            Role::OperatorMember => "operator-member",
            Role::RegulatorReviewer => "regulator-reviewer",
            Role::RegulatorAdmin => "regulator-admin",
            Role::Auditor => "auditor",
            Role::PlatformAdmin => "platform-admin",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    pub org_id: String,
    pub login: String,
    pub name: String,
    pub role: Role,
    /// An argon2 PHC string; the store never sees a password.
    pub password_hash: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub org_id: String,
    pub login: String,
    pub name: String,
    pub role: Role,
    pub created_at: String,
}

/// A user as an administrator manages them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    #[serde(flatten)]
    pub user: User,
    /// Since when the user may not sign in; `None`: active.
    pub disabled_at: Option<String>,
}

/// A signed-in user with their organisation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub user: User,
    pub org: Organisation,
}

impl Principal {
    pub fn actor(&self) -> Actor {
        Actor::user(&self.user)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
    /// After it the token signs nothing in (`None`: never, for tokens made
    /// before expiry existed).
    pub expires_at: Option<String>,
    pub scope: TokenScope,
    /// When it last signed a request in (to the minute).
    pub last_used_at: Option<String>,
}

/// A token to create: only the SHA-256 of its secret is kept.
#[derive(Clone, Debug)]
pub struct NewToken<'a> {
    pub name: &'a str,
    pub secret_hash: &'a str,
    pub expires_at: Option<String>,
    pub scope: TokenScope,
}

/// What an API token may do: read, or also change.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenScope {
    ReadOnly,
    ReadWrite,
}

impl TokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::ReadOnly => "read-only",
            TokenScope::ReadWrite => "read-write",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        [TokenScope::ReadOnly, TokenScope::ReadWrite]
            .into_iter()
            .find(|scope| scope.as_str() == text)
    }
}

/// A change to a user's account (an administrator's, on the audit chain).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountChange {
    /// No sign-in, session or token of the user works until enabled again.
    Disable,
    Enable,
    /// A new password's argon2 hash; the user's sessions end.
    Password(String),
    Role(Role),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRegister {
    pub name: String,
    /// What was uploaded: `json`, `zip`, `xlsx`, `cyclonedx`.
    pub format: String,
    pub input_sha256: String,
    /// The register as read (the model's `Inventory` as JSON).
    pub inventory: String,
    pub subjects: i64,
    /// What reading it decided and the uploader should know (the
    /// operator named by the file replaced by the organisation, an unknown
    /// category kept); kept on the audit record of the upload.
    pub warnings: Vec<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterSummary {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    pub sector: String,
    pub name: String,
    pub version: i64,
    pub format: String,
    pub input_sha256: String,
    pub subjects: i64,
    pub uploaded_at: String,
    pub uploaded_by: String,
    /// The run whose findings are the register's current ones.
    pub current_run: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::Running => "running",
            RunStatus::Done => "done",
            RunStatus::Failed => "failed",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        [
            RunStatus::Queued,
            RunStatus::Running,
            RunStatus::Done,
            RunStatus::Failed,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub id: String,
    pub org_id: String,
    pub sector: String,
    pub register_id: String,
    pub register_version: i64,
    /// One more than the register's newest run when this one was queued: a
    /// run that finishes after a run of a higher generation never becomes
    /// current.
    pub generation: i64,
    /// Why it ran: `upload`, `manual`, `list fcc-covered@2026-11-01`, …
    pub reason: String,
    pub status: RunStatus,
    pub done: i64,
    pub total: i64,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub error: Option<String>,
    /// Pack, lists and software that produced the findings.
    pub provenance: Option<serde_json::Value>,
    pub findings: Option<i64>,
    pub new_findings: Option<i64>,
    pub resolved_findings: Option<i64>,
    /// The replica working on the run, while it runs.
    pub lease_owner: Option<String>,
    /// When that replica's hold on the run ends unless it renews it.
    pub lease_expires_at: Option<String>,
    /// What the engine warned of (a pack out of force, a list the pack
    /// expects that is not loaded).
    pub warnings: Vec<String>,
}

/// A replica's hold on a piece of work (a run, a delivery): `owner` holds
/// it from `now` until `until` (timestamps as [`timestamp`] writes them).
/// The caller says the time, so that tests can move it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    pub owner: String,
    pub now: String,
    pub until: String,
}

impl Lease {
    /// A lease for `owner` from now for `length`.
    pub fn starting_now(owner: &str, length: std::time::Duration) -> Self {
        let now = time::OffsetDateTime::now_utc();
        Lease {
            owner: owner.to_owned(),
            now: timestamp(now),
            until: timestamp(now + length),
        }
    }
}

/// One hold a replica took on a run, as recorded: the check that no run
/// was worked on by two replicas at once reads these.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunLease {
    pub run_id: String,
    pub owner: String,
    pub claimed_at: String,
    /// The last expiry the holder renewed to.
    pub expires_at: String,
    /// When the holder finished or failed the run, or when the lease was
    /// found expired and taken over.
    pub ended_at: Option<String>,
    /// `finished`, `failed`, `expired`; none while held.
    pub outcome: Option<String>,
}

/// A run handed to a worker, with the register version to screen.
#[derive(Clone, Debug)]
pub struct ClaimedRun {
    pub run: Run,
    pub inventory: String,
    pub input_sha256: String,
}

/// One finding as the worker hands it to the store.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingRow {
    /// Stable across runs: `rule@kind:id`.
    pub key: String,
    pub severity: String,
    /// 0 prohibited, 1 review, 2 notice: the order lists show.
    pub severity_rank: i64,
    pub rule_id: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub subject_name: String,
    pub title: String,
    pub title_ja: String,
    /// The whole finding (evidence, legal basis) as JSON text; it is
    /// written out as JSON, not as a string holding JSON.
    /// Empty in a summary list, where it is not written out.
    #[serde(
        serialize_with = "raw_json",
        deserialize_with = "json_text",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub body: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RunResult {
    pub findings: Vec<FindingRow>,
    pub provenance: serde_json::Value,
    pub warnings: Vec<String>,
    /// The roles of the operator's users mailed when the run changes its
    /// findings (none: the webhook only).
    pub mailed: Vec<Role>,
    /// Jobs on the register to queue if the run becomes its current one,
    /// in the same transaction.
    pub then: Vec<NewJob>,
}

/// A job to queue on a register (`subject`): its organisation and sector
/// are the register's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewJob {
    /// What to do; the server's runner knows each kind.
    pub kind: String,
    pub subject: String,
}

/// Where a job stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for `run_after` and a free worker (again, after a failed
    /// attempt).
    Queued,
    /// A replica holds it.
    Running,
    Done,
    /// Failed too often; kept for people to see.
    Dead,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Dead => "dead",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        [
            JobStatus::Queued,
            JobStatus::Running,
            JobStatus::Done,
            JobStatus::Dead,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

/// A background job as kept.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub org_id: String,
    pub sector: String,
    pub subject: String,
    pub status: JobStatus,
    /// Attempts made so far.
    pub attempts: i64,
    /// Not taken before this time.
    pub run_after: String,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<String>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// What the last successful attempt reported.
    pub outcome: Option<String>,
    pub created_at: String,
    pub finished_at: Option<String>,
}

/// What came of an attempt at a job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobOutcome {
    Done(String),
    /// Failed; try again at `run_after`.
    Retry {
        error: String,
        run_after: String,
    },
    /// Failed, and not to be tried again.
    Dead(String),
}

/// What a run changed against the register's previous current findings.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunChange {
    pub run_id: String,
    pub org_id: String,
    pub register_id: String,
    pub reason: String,
    pub new: Vec<String>,
    pub resolved: Vec<String>,
    /// The newer run that was already current when this one finished: its
    /// findings are kept on record but change nothing and notify nobody.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriageStatus {
    Open,
    AcceptedRisk,
    FalsePositive,
    Remediated,
}

impl TriageStatus {
    pub const ALL: [TriageStatus; 4] = [
        TriageStatus::Open,
        TriageStatus::AcceptedRisk,
        TriageStatus::FalsePositive,
        TriageStatus::Remediated,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            TriageStatus::Open => "open",
            TriageStatus::AcceptedRisk => "accepted_risk",
            TriageStatus::FalsePositive => "false_positive",
            TriageStatus::Remediated => "remediated",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        TriageStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriageDecision {
    pub status: TriageStatus,
    pub justification: Option<String>,
    /// For an accepted risk: the day it must be looked at again.
    pub expires_at: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Triage {
    pub status: TriageStatus,
    pub justification: Option<String>,
    pub expires_at: Option<String>,
    pub decided_by: String,
    pub decided_at: String,
}

/// Which current findings to list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingFilter {
    pub register_id: Option<String>,
    pub severity: Option<String>,
    /// The effective status: an accepted risk past its expiry is `open`.
    pub status: Option<TriageStatus>,
    pub rule_id: Option<String>,
    /// What the findings are about (`asset`, `party`, `exposure` …).
    pub subject_kind: Option<String>,
    /// Text in the subject, title or key.
    pub text: Option<String>,
    /// The day against which accepted risks expire.
    pub today: String,
    /// Each finding's whole body (evidence, legal basis) too; without it a
    /// page is the summary rows only, a small fraction of the bytes.
    pub evidence: bool,
    pub offset: i64,
    pub limit: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingView {
    pub register_id: String,
    pub org_id: String,
    pub org_name: String,
    pub sector: String,
    pub run_id: String,
    #[serde(flatten)]
    pub row: FindingRow,
    /// The effective status (see [`FindingFilter::status`]).
    pub status: TriageStatus,
    pub triage: Option<Triage>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewListVersion {
    pub list_id: String,
    pub version: String,
    pub sha256: String,
    pub entries: i64,
    /// The imported list (the model's `ImportedList`) as JSON.
    pub body: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListVersionSummary {
    pub list_id: String,
    pub version: String,
    pub sha256: String,
    pub entries: i64,
    pub published_at: String,
    pub published_by: String,
}

/// Vulnerability data of one source as published (issue 28): what one
/// import held, laid over the source's earlier publications when the
/// engine is built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAdvisoryVersion {
    /// The source (`kev`, `cve`, `csaf`, `nvd`, `jvn`, `vex`).
    pub source_id: String,
    pub version: String,
    pub sha256: String,
    /// Records read and refused, as the import counted them.
    pub records: i64,
    pub refused: i64,
    /// The imported set (the model's `AdvisorySet`) as JSON.
    pub body: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvisoryVersionSummary {
    pub source_id: String,
    pub version: String,
    pub sha256: String,
    pub records: i64,
    pub refused: i64,
    pub published_at: String,
    pub published_by: String,
}

/// A pack version as published: its identity and its three files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPackVersion {
    pub pack_id: String,
    pub version: String,
    pub sha256: String,
    pub manifest: String,
    pub schema: String,
    pub policies: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackVersionSummary {
    pub pack_id: String,
    pub version: String,
    pub sha256: String,
    pub published_at: String,
    pub published_by: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub id: i64,
    pub org_id: String,
    /// `webhook` or `mail`.
    pub kind: String,
    pub target: String,
    pub payload: String,
    /// For a webhook: the secret to sign with (never shown by the API).
    #[serde(skip)]
    pub secret: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
    /// The last attempt's outcome: a status code, or why it failed.
    pub outcome: Option<String>,
    pub status: DeliveryStatus,
    pub attempts: i64,
    /// When a pending message is tried next.
    pub next_attempt_at: String,
    /// Retries stop a configured time after this: when the message was
    /// made, or last sent again by hand.
    pub retry_since: String,
}

impl OutboxMessage {
    /// The event the message tells of (`findings.changed`, `plan.filed`…).
    pub fn event(&self) -> String {
        serde_json::from_str::<serde_json::Value>(&self.payload)
            .ok()
            .and_then(|payload| payload["event"].as_str().map(str::to_owned))
            .unwrap_or_else(|| "?".to_owned())
    }

    /// The key a receiver deduplicates by: the same for every attempt at
    /// this message, different for every other message (also across
    /// databases, as it hashes where and when the message was made).
    pub fn idempotency_key(&self) -> String {
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(
            format!("{}\u{1f}{}\u{1f}{}", self.id, self.org_id, self.created_at).as_bytes(),
        );
        format!("shinsa-{}-{}", self.id, &hex::encode(digest)[..16])
    }
}

/// Where a message stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not yet delivered; tried again at `next_attempt_at`.
    Pending,
    Sent,
    /// Given up on after the configured age: a dead letter, which the
    /// organisation may send again.
    Dead,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Dead => "dead",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            DeliveryStatus::Pending,
            DeliveryStatus::Sent,
            DeliveryStatus::Dead,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

/// What came of one attempt at a delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The receiver took it (`outcome`: its status code or reply).
    Delivered(String),
    /// It failed; try again at `next_attempt_at`.
    Retry {
        outcome: String,
        next_attempt_at: String,
    },
    /// It failed and is too old to try again.
    Dead(String),
}

/// One attempt at a delivery, as kept for the organisation to see.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryAttempt {
    pub outbox_id: i64,
    pub attempt: i64,
    pub at: String,
    /// The replica that made it.
    pub owner: String,
    pub delivered: bool,
    pub outcome: String,
}

/// Writes JSON text as JSON (no escaping: the body is most of a page).
fn raw_json<S: serde::Serializer>(text: &str, serializer: S) -> Result<S::Ok, S::Error> {
    match serde_json::value::RawValue::from_string(text.to_owned()) {
        Ok(raw) => serde::Serialize::serialize(&raw, serializer),
        Err(_) => serializer.serialize_str(text),
    }
}

/// Reads any JSON value back as its text.
fn json_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
    Ok(match value {
        serde_json::Value::String(text) => text,
        other => other.to_string(),
    })
}

/// Now, as stored: UTC with microseconds, so text order is time order.
pub fn now() -> String {
    timestamp(time::OffsetDateTime::now_utc())
}

pub fn timestamp(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.microsecond()
    )
}

/// A new random identifier with a readable prefix (`reg_…`, `run_…`).
pub fn new_id(prefix: &str) -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut bytes = [0u8; 12];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS generator: the clock and a counter still never repeat
        // within this process.
        let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos() as u64;
        let count = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed) as u32;
        bytes[..8].copy_from_slice(&nanos.to_be_bytes());
        bytes[8..].copy_from_slice(&count.to_be_bytes());
    }
    format!("{prefix}_{}", hex::encode(bytes))
}

/// A new installation plan (a draft). The body is the plan as model data
/// (`shinsa_model::plan::Plan`); the store keeps it as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewPlan {
    pub id: String,
    pub register_id: Option<String>,
    pub title: String,
    pub body: serde_json::Value,
}

/// Where a plan stands. Status and dates are the review's
/// (`shinsa_model::review`); the store keeps them as text.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanRecord {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    pub sector: String,
    pub register_id: Option<String>,
    pub title: String,
    pub status: String,
    /// Bumped by every step; a step names the revision it saw.
    pub revision: i64,
    pub body: serde_json::Value,
    pub received_on: Option<String>,
    pub due_on: Option<String>,
    pub response_due_on: Option<String>,
    pub filed_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// One step in a plan's history, as it was taken.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanEvent {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub side: String,
    pub action: String,
    /// The status the step left the plan in.
    pub status: String,
    pub note: Option<String>,
    /// The plan as filed or amended by this step.
    pub body: Option<serde_json::Value>,
    /// The screening frozen by this step: findings with the list and
    /// pack versions they came from.
    pub snapshot: Option<serde_json::Value>,
}

/// Who hears of a change to an operator's plan or case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// The operator's webhook and people.
    Operator,
    /// The webhooks and people of the regulators of the operator's sector.
    Regulators,
}

/// A webhook and mail to queue with a change: the audience's webhooks, and
/// mail to its users of the roles `mailed`.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub audience: Audience,
    pub mailed: Vec<Role>,
    pub payload: serde_json::Value,
}

/// A step to record: the state it leads to (worked out by the review's
/// rules before the call) and what to keep with it.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanStep {
    pub expected_revision: i64,
    pub side: String,
    pub action: String,
    pub status: String,
    pub received_on: Option<String>,
    pub due_on: Option<String>,
    pub response_due_on: Option<String>,
    pub note: Option<String>,
    /// A new body (filing, amendment), replacing the plan's.
    pub body: Option<serde_json::Value>,
    pub snapshot: Option<serde_json::Value>,
    /// Webhook and mail payload, and who receives it.
    pub notify: Option<Notice>,
    /// A file the step attaches, kept in the same transaction.
    pub file: Option<NewFile>,
}

/// A new enforcement case, opened by a regulator against an operator of
/// its sectors.
#[derive(Clone, Debug, PartialEq)]
pub struct NewCase {
    pub id: String,
    pub org_id: String,
    /// The sector of the operator the regulator acts for.
    pub sector: String,
    pub register_id: Option<String>,
    pub kind: String,
    pub title: String,
    pub opened_on: String,
    pub due_on: Option<String>,
    pub body: serde_json::Value,
    /// What the operator hears of the case being opened.
    pub notify: Option<Notice>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseRecord {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    pub sector: String,
    pub opened_by: String,
    pub register_id: Option<String>,
    pub kind: String,
    pub title: String,
    /// `open` or `closed`.
    pub status: String,
    pub revision: i64,
    /// Documents and milestones (`shinsa_model::enforcement::CaseFile`).
    pub body: serde_json::Value,
    pub opened_on: String,
    pub due_on: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A change to a case, with what the audit log and the other side hear.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseUpdate {
    pub expected_revision: i64,
    /// `document`, `milestone`, `close`.
    pub action: String,
    pub status: String,
    pub due_on: Option<String>,
    pub body: serde_json::Value,
    pub notify: Option<Notice>,
    /// A file the change attaches, stored in the same transaction.
    pub file: Option<NewFile>,
}

/// A file to keep: its bytes, its type, and the SHA-256 it is kept by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFile {
    pub sha256: String,
    pub media_type: String,
    pub content: Vec<u8>,
}

impl NewFile {
    pub fn new(media_type: &str, content: Vec<u8>) -> Self {
        use sha2::Digest as _;
        NewFile {
            sha256: hex::encode(sha2::Sha256::digest(&content)),
            media_type: media_type.to_owned(),
            content,
        }
    }
}
