//! The installation plan as filed (導入等計画書), in the order the
//! ministry's form asks for it, with the screening frozen at filing as an
//! annex.

use crate::document::{Block, Cell, Document, Section};
use serde::Serialize;
use shinsa_model::plan::{Plan, PlanItemKind, Snapshot, Supplier};
use shinsa_model::{CountryCode, Date};

/// What the filing document shows besides the plan itself.
#[derive(Debug, Clone, Serialize)]
pub struct Filing {
    pub plan: Plan,
    pub operator_name: String,
    pub sector_name_ja: String,
    /// The competent ministry, as the sector table names it
    /// (`METI (経済産業省)`).
    pub ministry: String,
    pub status_label_ja: String,
    /// The plan's edition: how many times its content was written
    /// (drafted or amended), not how many steps it has been through.
    pub edition: i64,
    /// SHA-256 of the plan as stored.
    pub digest: String,
    /// When the plan was filed (UTC, as stored), if it was.
    pub filed_at: Option<String>,
    pub received_on: Option<String>,
    pub due_on: Option<String>,
    /// The screening frozen with the plan's latest filing or amendment.
    pub snapshot: Option<Snapshot>,
    /// The day the document is made.
    pub printed_on: Date,
}

const UNSTATED: &str = "（記載なし）";

/// `2027年4月1日`.
pub fn japanese_date(day: Date) -> String {
    format!("{}年{}月{}日", day.year(), u8::from(day.month()), day.day())
}

/// `4 Dec 2026`: the day first and the month as a word, so nobody reads
/// 4/12 as April.
pub fn english_date(day: Date) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS
        .get(usize::from(u8::from(day.month())) - 1)
        .copied()
        .unwrap_or("?");
    format!("{} {month} {}", day.day(), day.year())
}

/// A stored date or timestamp (`2026-11-28…`) in Japanese, or unstated.
fn stored_date(text: Option<&str>) -> String {
    text.and_then(|text| text.get(..10))
        .and_then(|day| shinsa_model::parse_date(day).ok())
        .map_or_else(|| UNSTATED.to_owned(), japanese_date)
}

fn date(day: Option<Date>) -> String {
    day.map_or_else(|| UNSTATED.to_owned(), japanese_date)
}

/// `中国（CN）`; the code alone for a country without a name here.
pub fn country(code: Option<&CountryCode>) -> String {
    let Some(code) = code else {
        return UNSTATED.to_owned();
    };
    let name = match code.as_str() {
        "JP" => "日本",
        "CN" => "中国",
        "HK" => "香港",
        "MO" => "マカオ",
        "TW" => "台湾",
        "KR" => "韓国",
        "KP" => "北朝鮮",
        "US" => "米国",
        "GB" => "英国",
        "DE" => "ドイツ",
        "FR" => "フランス",
        "NL" => "オランダ",
        "SE" => "スウェーデン",
        "FI" => "フィンランド",
        "IT" => "イタリア",
        "RU" => "ロシア",
        "IR" => "イラン",
        "CU" => "キューバ",
        "VE" => "ベネズエラ",
        "IN" => "インド",
        "VN" => "ベトナム",
        "SG" => "シンガポール",
        "IL" => "イスラエル",
        "CA" => "カナダ",
        "AU" => "オーストラリア",
        other => return other.to_owned(),
    };
    format!("{name}（{}）", code.as_str())
}

fn scope(scope: Option<&str>) -> String {
    match scope {
        None => UNSTATED.to_owned(),
        Some("maintenance") => "保守".to_owned(),
        Some("management") => "管理".to_owned(),
        Some("operation") => "運用".to_owned(),
        Some("development") => "開発".to_owned(),
        Some("customer_data") => "顧客情報の取扱い".to_owned(),
        Some(other) => other.to_owned(),
    }
}

fn severity(severity: &str) -> String {
    match severity {
        "prohibited" => "禁止",
        "review" => "要審査",
        "notice" => "注意",
        other => other,
    }
    .to_owned()
}

fn fields(rows: &[(&str, String)]) -> Block {
    Block::Fields {
        rows: rows
            .iter()
            .map(|(label, value)| ((*label).to_owned(), value.clone()))
            .collect(),
    }
}

/// A supplier, contractor or subcontractor: its facts, then its officers.
fn party(section: Section, who: Option<&Supplier>) -> Section {
    let Some(who) = who else {
        return section.with(Block::Text {
            text: UNSTATED.to_owned(),
        });
    };
    let holders = match &who.major_holders {
        None => UNSTATED.to_owned(),
        Some(holders) if holders.is_empty() => "なし".to_owned(),
        Some(holders) => holders
            .iter()
            .map(|holder| match &holder.country {
                Some(code) => format!(
                    "{}（{}%・{}）",
                    holder.name,
                    holder.voting_percent,
                    country(Some(code))
                ),
                None => format!("{}（{}%）", holder.name, holder.voting_percent),
            })
            .collect::<Vec<_>>()
            .join("、"),
    };
    let section = section.with(fields(&[
        ("名称", who.name.clone()),
        ("設立国", country(who.country_of_incorporation.as_ref())),
        ("議決権の5%以上を保有する者", holders),
        (
            "外国政府等との資本・取引関係",
            who.foreign_government_ties
                .clone()
                .filter(|ties| !ties.trim().is_empty())
                .unwrap_or_else(|| UNSTATED.to_owned()),
        ),
    ]));
    match &who.officers {
        None => section.with(Block::Text {
            text: format!("役員：{UNSTATED}"),
        }),
        Some(officers) if officers.is_empty() => section.with(Block::Text {
            text: "役員：なし".to_owned(),
        }),
        Some(officers) => section.with(Block::Table {
            header: vec!["役員の氏名".into(), "生年月日".into(), "国籍".into()],
            widths: vec![40, 30, 30],
            rows: officers
                .iter()
                .map(|officer| {
                    vec![
                        Cell::from(officer.name.clone()),
                        Cell::from(date(officer.date_of_birth)),
                        Cell::from(country(officer.nationality.as_ref())),
                    ]
                })
                .collect(),
        }),
    }
}

/// The Japanese name of the ministry in a sector table entry
/// (`METI (経済産業省)` → `経済産業省`).
fn ministry(named: &str) -> String {
    named
        .split_once('(')
        .and_then(|(_, inner)| inner.split([')', ';']).next())
        .map_or(named, str::trim)
        .to_owned()
}

/// The filing as a document.
pub fn filing_document(filing: &Filing) -> Document {
    let plan = &filing.plan;
    let mut sections = vec![Section::new(1, "1　届出の概要").with(fields(&[
        ("件名", plan.title.clone()),
        ("届出者", filing.operator_name.clone()),
        ("特定社会基盤事業の種類", filing.sector_name_ja.clone()),
        (
            "計画書番号・版",
            format!("{}（第{}版）", plan.id, filing.edition),
        ),
        ("届出日", stored_date(filing.filed_at.as_deref())),
        ("受理日", stored_date(filing.received_on.as_deref())),
        ("審査期間の末日", stored_date(filing.due_on.as_deref())),
        ("審査の状況", filing.status_label_ja.clone()),
    ]))];
    for (index, item) in plan.items.iter().enumerate() {
        let number = index + 2;
        match item.kind {
            PlanItemKind::Introduction => {
                sections.push(
                    Section::new(1, format!("{number}　特定重要設備の導入（{}）", item.id)).with(
                        fields(&[
                            ("特定重要設備の概要", item.facility.clone()),
                            ("導入の時期", date(item.timing)),
                            ("製造国", country(item.country_of_manufacture.as_ref())),
                            ("型式・ファームウェア・版", model_line(item)),
                        ]),
                    ),
                );
                sections.push(party(Section::new(2, "供給者"), item.supplier.as_ref()));
                if !item.exposures.is_empty() {
                    sections.push(exposures(item));
                }
                if !item.components.is_empty() {
                    sections.push(
                        Section::new(2, "構成設備").with(Block::Table {
                            header: vec![
                                "構成設備".into(),
                                "供給者".into(),
                                "設立国".into(),
                                "製造国".into(),
                            ],
                            widths: vec![28, 32, 20, 20],
                            rows: item
                                .components
                                .iter()
                                .map(|part| {
                                    vec![
                                        Cell::from(part.name.clone()),
                                        Cell::from(part.supplier.as_ref().map_or_else(
                                            || UNSTATED.to_owned(),
                                            |supplier| supplier.name.clone(),
                                        )),
                                        Cell::from(country(part.supplier.as_ref().and_then(
                                            |supplier| supplier.country_of_incorporation.as_ref(),
                                        ))),
                                        Cell::from(country(part.country_of_manufacture.as_ref())),
                                    ]
                                })
                                .collect(),
                        }),
                    );
                }
            }
            PlanItemKind::Entrustment => {
                sections.push(
                    Section::new(1, format!("{number}　重要維持管理等の委託（{}）", item.id)).with(
                        fields(&[
                            ("対象となる特定重要設備", item.facility.clone()),
                            ("委託する業務の範囲", scope(item.scope.as_deref())),
                            (
                                "委託の期間",
                                format!(
                                    "{} から {} まで",
                                    date(item.period_from),
                                    date(item.period_until)
                                ),
                            ),
                        ]),
                    ),
                );
                sections.push(party(Section::new(2, "委託先"), item.contractor.as_ref()));
                for (number, sub) in item.subcontractors.iter().enumerate() {
                    sections.push(party(
                        Section::new(2, format!("再委託先 {}", number + 1)),
                        Some(sub),
                    ));
                }
            }
        }
    }
    let measures = plan
        .measures
        .iter()
        .filter(|measure| !measure.trim().is_empty())
        .cloned()
        .collect::<Vec<_>>();
    sections.push(
        Section::new(1, format!("{}　リスク管理措置", plan.items.len() + 2)).with(
            if measures.is_empty() {
                Block::Text {
                    text: UNSTATED.to_owned(),
                }
            } else {
                Block::List { items: measures }
            },
        ),
    );
    if !plan.attachments.is_empty() {
        // The files filed with the plan, each with the hash that proves
        // which bytes were filed.
        sections.push(
            Section::new(1, format!("{}　添付書類", plan.items.len() + 3)).with(Block::List {
                items: plan
                    .attachments
                    .iter()
                    .map(|file| {
                        format!(
                            "{}（{} バイト、SHA-256 {}）",
                            file.name, file.size, file.sha256
                        )
                    })
                    .collect(),
            }),
        );
    }
    let mut annex = Section::new(1, "別添　届出時の審査結果");
    annex.new_page = true;
    sections.push(screening_annex(annex, filing.snapshot.as_ref()));
    Document {
        lang: "ja".into(),
        title: "特定重要設備の導入等に関する計画書".into(),
        date_line: japanese_date(filing.printed_on),
        addressee: Some(format!("{}　御中", ministry(&filing.ministry))),
        author_line: Some(format!("届出者　{}", filing.operator_name)),
        preamble: vec![
            "経済施策を一体的に講ずることによる安全保障の確保の推進に関する法律第52条第1項の規定により、特定重要設備の導入等に関する計画を下記のとおり届け出ます。".into(),
            "記".into(),
        ],
        sections,
        closing: Some("以上".into()),
        footer: format!(
            "計画書番号 {} ・ 第{}版 ・ SHA-256 {}… ・ shinsa 作成 {}",
            plan.id,
            filing.edition,
            filing.digest.get(..16).unwrap_or(&filing.digest),
            japanese_date(filing.printed_on)
        ),
        author: filing.operator_name.clone(),
        date: filing.printed_on.to_string(),
    }
}

/// The frozen screening: the list versions it used, then every finding
/// with its evidence in brief and its legal basis.
/// `FortiGate 600F / FortiOS / 7.0.8`, or unstated.
fn model_line(item: &shinsa_model::plan::PlanItem) -> String {
    let parts: Vec<&str> = [&item.model, &item.firmware, &item.version]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    if parts.is_empty() {
        UNSTATED.to_owned()
    } else {
        parts.join(" / ")
    }
}

/// The item's known vulnerabilities and the measure stated for each.
fn exposures(item: &shinsa_model::plan::PlanItem) -> Section {
    Section::new(2, "既知の脆弱性とリスク管理措置").with(Block::Table {
        header: vec![
            "脆弱性".into(),
            "審査で示された内容".into(),
            "措置".into(),
            "措置の内容・理由".into(),
        ],
        widths: vec![18, 42, 12, 28],
        rows: item
            .exposures
            .iter()
            .map(|exposure| {
                vec![
                    Cell::from(exposure.vulnerability.clone()),
                    Cell::from(
                        exposure
                            .summary
                            .clone()
                            .unwrap_or_else(|| UNSTATED.to_owned()),
                    ),
                    Cell::from(exposure.measure.as_ref().map_or_else(
                        || UNSTATED.to_owned(),
                        |measure| measure.kind.label_ja().to_owned(),
                    )),
                    Cell::from(
                        exposure
                            .measure
                            .as_ref()
                            .map(|measure| measure.detail.clone())
                            .filter(|detail| !detail.trim().is_empty())
                            .unwrap_or_else(|| UNSTATED.to_owned()),
                    ),
                ]
            })
            .collect(),
    })
}

fn screening_annex(section: Section, snapshot: Option<&Snapshot>) -> Section {
    let Some(snapshot) = snapshot else {
        return section.with(Block::Text {
            text: "届出の際に作成し、計画書とともに固定します。".into(),
        });
    };
    let provenance = &snapshot.provenance;
    let mut section = section.with(Block::Text {
        text: format!(
            "判定日時：{}　判定基準：{}",
            snapshot.taken_at, provenance.policy
        ),
    });
    if !provenance.lists.is_empty() {
        section = section.with(Block::Table {
            header: vec!["参照リスト".into(), "版".into()],
            widths: vec![30, 70],
            rows: provenance
                .lists
                .iter()
                .map(|(list, version)| {
                    vec![Cell::from(list.as_str()), Cell::from(version.as_str())]
                })
                .collect(),
        });
    }
    if snapshot.findings.is_empty() {
        return section.with(Block::Text {
            text: "指摘事項はありません。".into(),
        });
    }
    section.with(Block::Table {
        header: vec![
            "重大度".into(),
            "規則".into(),
            "対象".into(),
            "指摘事項".into(),
            "根拠".into(),
        ],
        widths: vec![10, 14, 18, 36, 22],
        rows: snapshot
            .findings
            .iter()
            .map(|finding| {
                vec![
                    Cell::from(severity(finding.severity.as_str())),
                    Cell::from(finding.rule.id.as_str()),
                    Cell::from(format!("{} {}", finding.subject.id, finding.subject_name)),
                    Cell {
                        text: finding.title_ja.to_string(),
                        small: Some(finding.explanation.clone()),
                    },
                    Cell::from(finding.rule.legal_basis.to_string()),
                ]
            })
            .collect(),
    })
}
