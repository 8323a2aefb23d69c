//! Japan's own lists, from the ministries' Excel workbooks:
//!
//! - the Ministry of Finance's asset-freeze list (財務省「経済制裁措置及び
//!   対象者リスト」): an index sheet 「一覧」, then one sheet per programme
//!   with one to three title rows, a header row opening 「告示日付」 and
//!   columns that vary by sheet; a delisted entry stays as a row reading
//!   "2008.3.26削除" without names;
//! - METI's End User List (経済産業省「外国ユーザーリスト」): one sheet,
//!   country, name, aliases (one per line, "・" before each), the weapons
//!   of concern (B, C, M, N) and conventional weapons (CW).
//!
//! Both are refused whole, with the sheet and cell, when a sheet lacks
//! what the layout needs (a programme sheet without its header row, an
//! End User List row without a name).

use super::{
    ImportOptions, ListFile, Publisher, country_from_name, info, push_country, push_name, sha256,
};
use crate::error::{Errors, InputError, InputErrors, Location};
use crate::table::{cell_name, excel_day};
use shinsa_model::{Date, ImportedList, LegalEffect, ListedParty, PartyKind, Removal};

const MOF: Publisher = Publisher {
    name: "財務省 経済制裁措置及び対象者リスト (MOF asset freeze)",
    publisher: "Ministry of Finance, Japan (財務省)",
    jurisdiction: "JP",
    legal_effect: LegalEffect::Sanctions,
    source: "https://www.mof.go.jp/policy/international_policy/gaitame_kawase/gaitame/economic_sanctions/list.html; Foreign Exchange and Foreign Trade Act (外為法) Art. 16, 21, 25",
};

const METI_EUL: Publisher = Publisher {
    name: "経済産業省 外国ユーザーリスト (METI End User List)",
    publisher: "Ministry of Economy, Trade and Industry, Japan (経済産業省)",
    jurisdiction: "JP",
    legal_effect: LegalEffect::ExportControl,
    source: "https://www.meti.go.jp/policy/anpo/law05.html; Foreign Exchange and Foreign Trade Act (外為法) Art. 48, catch-all control",
};

/// The index sheet of the MOF workbook.
const MOF_INDEX: &str = "一覧";
/// A programme sheet whose measures were lifted; it may hold only a title.
const LIFTED: &str = "【解除】";
/// How far down a programme sheet its header row may stand.
const TITLE_ROWS: usize = 6;

type Sheet = Vec<Vec<String>>;

/// Reads a Japanese ministry's workbook, recognised by its sheets.
pub(super) fn read_xlsx(
    file: &ListFile,
    options: &ImportOptions,
) -> Result<ImportedList, InputErrors> {
    let whole_file = || Location::File {
        file: file.name.clone(),
    };
    let mut workbook = crate::workbook::Workbook::open(&file.name, file.bytes.clone())?;
    let names = workbook.sheet_names();
    let cap = workbook.cell_cap();
    let mut sheets: Vec<(String, Sheet)> = Vec::with_capacity(names.len());
    for name in &names {
        let cells = workbook.cells(name)?;
        // Rows and columns from A1, whatever the first used cell.
        let rows = cells.dense(cap).map_err(|found| {
            InputErrors::one(InputError::new(
                Location::Cell {
                    file: file.name.clone(),
                    sheet: name.clone(),
                    cell: "A1".to_owned(),
                },
                "(sheet)",
                "a sheet within the reader's budget",
                found,
            ))
        })?;
        sheets.push((name.clone(), rows));
    }
    let version = options
        .version
        .or_else(|| day_in_name(&file.name))
        .unwrap_or(options.today);
    if names.iter().any(|name| name == MOF_INDEX) {
        return read_mof(file, &sheets, options, version);
    }
    let looks_like_eul = sheets.first().is_some_and(|(_, rows)| {
        rows.first().is_some_and(|header| {
            header.first().is_some_and(|cell| cell.starts_with("No"))
                && header.get(2).is_some_and(|cell| cell.contains("企業名"))
        })
    });
    if looks_like_eul {
        return read_eul(file, &sheets, options, version);
    }
    Err(InputErrors::one(InputError::new(
        whole_file(),
        "format",
        "the MOF asset-freeze workbook (an index sheet 一覧) or METI's End User List (No. | 国名 | 企業名…)",
        format!("a workbook with sheets {}", names.join(", ")),
    )))
}

/// `20250929` in a file name ("20250929_4.xlsx", "shisantouketsu20260305").
fn day_in_name(name: &str) -> Option<Date> {
    let digits: Vec<char> = name.chars().collect();
    digits.windows(8).find_map(|window| {
        if !window.iter().all(char::is_ascii_digit) {
            return None;
        }
        let text: String = window.iter().collect();
        let (year, month, day) = (
            text.get(..4)?.parse().ok()?,
            text.get(4..6)?.parse().ok()?,
            text.get(6..)?.parse().ok()?,
        );
        ymd(year, month, day).filter(|date| date.year() >= 2000)
    })
}

fn ymd(year: i32, month: u8, day: u8) -> Option<Date> {
    Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

fn at(file: &ListFile, sheet: &str, row: usize, column: usize) -> Location {
    Location::Cell {
        file: file.name.clone(),
        sheet: sheet.to_owned(),
        cell: cell_name(row, column),
    }
}

// ------------------------------------------------------------------ MOF

/// The columns of one programme sheet, found by their headings (which
/// vary: 別名, 別称, 別称・旧称, 確定に十分でない別名 are all aliases).
#[derive(Default)]
struct MofColumns {
    aliases: Vec<usize>,
    birth: Option<usize>,
    nationality: Option<usize>,
    address: Vec<usize>,
    documents: Vec<(usize, String)>,
    un_reference: Option<usize>,
    remarks: Vec<(usize, String)>,
}

impl MofColumns {
    fn of(header: &[String]) -> Self {
        let mut columns = Self::default();
        for (index, heading) in header.iter().enumerate().skip(4) {
            // Furigana and notes follow on later lines of a heading.
            let heading = heading
                .split_once('\n')
                .map_or(heading.as_str(), |(first, _)| first)
                .trim();
            if heading.contains("別名") || heading.contains("別称") || heading.contains("旧称")
            {
                columns.aliases.push(index);
            } else if heading.starts_with("生年月日") {
                columns.birth = Some(index);
            } else if heading.starts_with("国籍") {
                columns.nationality = Some(index);
            } else if heading.contains("住所") || heading.contains("所在地") {
                columns.address.push(index);
            } else if heading.contains("旅券")
                || heading.contains("番号") && heading != "国連参照番号"
            {
                columns.documents.push((index, heading.to_owned()));
            } else if heading == "国連参照番号" {
                columns.un_reference = Some(index);
            } else if !heading.is_empty() {
                columns.remarks.push((index, heading.to_owned()));
            }
        }
        columns
    }
}

fn read_mof(
    file: &ListFile,
    sheets: &[(String, Sheet)],
    options: &ImportOptions,
    version: Date,
) -> Result<ImportedList, InputErrors> {
    let mut errors = Errors::default();
    let mut parties: Vec<ListedParty> = Vec::new();
    let mut removals = Vec::new();
    for (sheet, rows) in sheets.iter().filter(|(name, _)| name != MOF_INDEX) {
        let header_at = rows
            .iter()
            .take(TITLE_ROWS)
            .position(|row| row.first().is_some_and(|cell| cell.starts_with("告示日付")));
        let Some(header_at) = header_at else {
            if !sheet.contains(LIFTED) {
                errors.push(InputError::new(
                    at(file, sheet, 0, 0),
                    "header row",
                    format!("a row starting 告示日付 within the first {TITLE_ROWS} rows"),
                    format!(
                        "none; the sheet opens with {:?}",
                        rows.iter()
                            .flatten()
                            .find(|cell| !cell.is_empty())
                            .map_or("nothing", String::as_str)
                    ),
                ));
            }
            continue;
        };
        let programme_number = sheet.split('.').next().unwrap_or(sheet).trim();
        let header = rows.get(header_at).map_or(&[][..], Vec::as_slice);
        let columns = MofColumns::of(header);
        let kind = if sheet.contains("団体") {
            PartyKind::Organization
        } else if sheet.contains("個人") || columns.birth.is_some() {
            PartyKind::Person
        } else {
            PartyKind::Unknown
        };
        let cell = |row: &[String], index: usize| -> String {
            row.get(index).cloned().unwrap_or_default()
        };
        for (offset, row) in rows.iter().enumerate().skip(header_at + 1) {
            if row.iter().all(String::is_empty) {
                continue;
            }
            let (notice, number) = (cell(row, 0), cell(row, 1));
            let (japanese, english) = (cell(row, 2), cell(row, 3));
            let id = format!("{programme_number}-{number}");
            if japanese.is_empty() && english.is_empty() {
                if let Some(day) = notice
                    .split("削除")
                    .next()
                    .filter(|_| notice.contains("削除"))
                {
                    match dotted_day(day) {
                        Some(removed) => removals.push(Removal { id, removed }),
                        None => errors.push(InputError::new(
                            at(file, sheet, offset, 0),
                            "告示日付",
                            "the day of the removal, as 2008.3.26削除",
                            notice.clone(),
                        )),
                    }
                    continue;
                }
                // A row without names continues the entry above it (the
                // ministry breaks long notes over rows).
                let text: Vec<&str> = row
                    .iter()
                    .map(String::as_str)
                    .filter(|text| !text.is_empty())
                    .collect();
                match parties.last_mut() {
                    Some(previous) if previous.id.starts_with(&format!("{programme_number}-")) => {
                        previous.remarks.push_str(" / ");
                        previous.remarks.push_str(&text.join(" / "));
                    }
                    _ => errors.push(InputError::new(
                        at(file, sheet, offset, 2),
                        "日本語表記",
                        "a name in Japanese or English, or a removal",
                        text.join(" / "),
                    )),
                }
                continue;
            }
            let mut party = ListedParty::new(id, kind, Vec::new());
            party.programs.push(sheet.clone());
            // The English name first (lists in Latin letters are read
            // against it), then the Japanese, then every alias.
            for name in names_in(&english).into_iter().chain(names_in(&japanese)) {
                push_name(&mut party.names, &name);
            }
            for &index in &columns.aliases {
                for name in names_in(&cell(row, index)) {
                    push_name(&mut party.names, &name);
                }
            }
            if let Some(index) = columns.birth {
                party.birth_dates = birth_dates(&cell(row, index));
            }
            for index in columns.nationality.iter().chain(&columns.address) {
                for country in countries_in(&cell(row, *index)) {
                    push_country(&mut party.countries, Some(country));
                }
            }
            for (index, heading) in &columns.documents {
                let value = cell(row, *index);
                if known(&value) {
                    party.other_ids.push(format!("{heading}: {value}"));
                }
            }
            if let Some(index) = columns.un_reference {
                let value = cell(row, index);
                if known(&value) {
                    party
                        .other_ids
                        .push(format!("UN reference number: {value}"));
                }
            }
            let mut remarks = vec![format!("告示日付 {}", notice.replace('\n', ", "))];
            remarks.extend(columns.remarks.iter().filter_map(|(index, heading)| {
                let value = cell(row, *index);
                known(&value).then(|| format!("{heading}: {value}"))
            }));
            party.remarks = remarks.join(" / ");
            parties.push(party);
        }
    }
    if let Some(errors) = errors.take() {
        return Err(errors);
    }
    Ok(ImportedList {
        info: info(
            options.id.clone().unwrap_or_else(|| "jp-mof".to_owned()),
            &MOF,
            version,
            sha256(&[file]),
        ),
        parties,
        removals,
    })
}

/// Whether a cell says something: the ministry writes 不明 (unknown) and
/// なし (none) in empty fields.
fn known(value: &str) -> bool {
    let value = value.trim();
    !value.is_empty() && !matches!(value, "不明" | "なし" | "-" | "－" | "―")
}

/// `2008.3.26` (the MOF's notice days).
fn dotted_day(text: &str) -> Option<Date> {
    let mut parts = text.trim().split('.');
    let year = parts.next()?.trim().parse().ok()?;
    let month = parts.next()?.trim().parse().ok()?;
    let day = parts.next()?.trim().parse().ok()?;
    ymd(year, month, day)
}

/// The names in a name or alias cell: aliases are separated by "；", ";"
/// or line breaks, sometimes enumerated "(a)…(b)…"; an "(original script:
/// …)" note is a name too; 不明 is none.
fn names_in(cell: &str) -> Vec<String> {
    let mut out = Vec::new();
    let text = cell.replace("original script:", "\n");
    for part in split_enumerated(&text)
        .iter()
        .flat_map(|part| part.split(['；', ';', '\n']))
    {
        let name = part
            .trim()
            .trim_matches(['(', ')', '（', '）', '・', ' ', '　', ','])
            .trim();
        if known(name) && name.chars().any(char::is_alphabetic) {
            out.push(name.to_owned());
        }
    }
    out
}

/// "(a)X(b)Y（c）Z" → ["X", "Y", "Z"]; text without enumeration whole.
fn split_enumerated(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut index = 0;
    while let Some(&c) = chars.get(index) {
        let enumerator = matches!(c, '(' | '（')
            && chars.get(index + 1).is_some_and(char::is_ascii_lowercase)
            && chars
                .get(index + 2)
                .is_some_and(|close| matches!(close, ')' | '）'));
        if enumerator {
            if !current.trim().is_empty() {
                parts.push(std::mem::take(&mut current));
            }
            current.clear();
            index += 3;
            continue;
        }
        current.push(c);
        index += 1;
    }
    if !current.trim().is_empty() {
        parts.push(current);
    }
    parts
}

/// Countries named in a nationality or address cell, written in Japanese
/// then English ("エジプトEgypt", "ロシア\nRussia"): the English is read.
fn countries_in(cell: &str) -> Vec<shinsa_model::CountryCode> {
    let mut out = Vec::new();
    for part in cell.split(['\n', ';', '；', '、', '/']) {
        let latin: String = part
            .chars()
            .skip_while(|c| !c.is_ascii_alphabetic())
            .collect();
        // An address ends with its country ("…, Karachi, Pakistan").
        let last = latin.rsplit(',').next().unwrap_or(&latin);
        if let Some(country) = country_from_name(last.trim().trim_end_matches(['.', ')']))
            && !out.contains(&country)
        {
            out.push(country);
        }
    }
    out
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Dates of birth in a cell, as `YYYY-MM-DD`, `YYYY-MM` or `YYYY`: the
/// Japanese form ("1941年8月20日", "1970年生"), the English ("Born on 10
/// July 1942", "20 Aug. 1941"), or an Excel serial day.
fn birth_dates(cell: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let push = |out: &mut Vec<String>, date: String| {
        if !out.contains(&date) {
            out.push(date);
        }
    };
    let text = cell.trim();
    if let Ok(serial) = text.parse::<f64>()
        && (3_000.0..80_000.0).contains(&serial)
        && let Some(day) = excel_day(serial)
    {
        push(&mut out, day);
        return out;
    }
    if text.len() == 10 && ymd_iso(text).is_some() {
        push(&mut out, text.to_owned());
        return out;
    }
    // Japanese: 1941年8月20日, 1941年8月, 1970年.
    let chars: Vec<char> = text.chars().collect();
    let number = |from: usize| -> (Option<u32>, usize) {
        let digits: String = chars
            .iter()
            .skip(from)
            .take_while(|c| c.is_ascii_digit())
            .collect();
        (digits.parse().ok(), from + digits.chars().count())
    };
    let mut index = 0;
    while index < chars.len() {
        let (Some(year), after) = number(index) else {
            index += 1;
            continue;
        };
        if after - index == 4 && chars.get(after) == Some(&'年') {
            let (month, after_month) = number(after + 1);
            let month = month.filter(|_| chars.get(after_month) == Some(&'月'));
            let (day, after_day) = number(after_month + 1);
            let day = day.filter(|_| month.is_some() && chars.get(after_day) == Some(&'日'));
            push(
                &mut out,
                match (month, day) {
                    (Some(month), Some(day)) => format!("{year:04}-{month:02}-{day:02}"),
                    (Some(month), None) => format!("{year:04}-{month:02}"),
                    _ => format!("{year:04}"),
                },
            );
        }
        index = after.max(index + 1);
    }
    if !out.is_empty() {
        return out;
    }
    // English: "10 July 1942", "Aug. 20, 1941", "1970".
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == ',' || c == '.')
        .filter(|word| !word.is_empty())
        .collect();
    for (at, word) in words.iter().enumerate() {
        let Some(month) = MONTHS.iter().position(|m| word.starts_with(m)) else {
            continue;
        };
        let day = at
            .checked_sub(1)
            .and_then(|i| words.get(i))
            .and_then(|w| w.parse::<u32>().ok())
            .filter(|d| (1..=31).contains(d))
            .or_else(|| words.get(at + 1).and_then(|w| w.parse().ok()));
        let year = words
            .iter()
            .skip(at + 1)
            .take(2)
            .find_map(|w| w.parse::<u32>().ok().filter(|y| (1850..=2030).contains(y)));
        if let (Some(day), Some(year)) = (day, year) {
            push(&mut out, format!("{year:04}-{:02}-{day:02}", month + 1));
        }
    }
    if out.is_empty() {
        for word in &words {
            if let Ok(year) = word.parse::<u32>()
                && (1850..=2030).contains(&year)
            {
                push(&mut out, format!("{year:04}"));
            }
        }
    }
    out
}

fn ymd_iso(text: &str) -> Option<Date> {
    let year = text.get(..4)?.parse().ok()?;
    let month = text.get(5..7)?.parse().ok()?;
    let day = text.get(8..10)?.parse().ok()?;
    ymd(year, month, day)
}

// ------------------------------------------------------------------ EUL

fn read_eul(
    file: &ListFile,
    sheets: &[(String, Sheet)],
    options: &ImportOptions,
    version: Date,
) -> Result<ImportedList, InputErrors> {
    let mut errors = Errors::default();
    let mut parties = Vec::new();
    let Some((sheet, rows)) = sheets.first() else {
        return Err(InputErrors::one(InputError::new(
            Location::File {
                file: file.name.clone(),
            },
            "(workbook)",
            "the End User List's sheet",
            "a workbook without sheets",
        )));
    };
    for (offset, row) in rows.iter().enumerate().skip(1) {
        if row.iter().all(String::is_empty) {
            continue;
        }
        let cell = |index: usize| row.get(index).map_or("", String::as_str);
        let name = cell(2);
        if name.is_empty() {
            errors.push(InputError::new(
                at(file, sheet, offset, 2),
                "企業名､組織名 Company or Organization",
                "the name of the company or organisation",
                "an empty cell",
            ));
            continue;
        }
        // No. is a formula (=ROW()-1): the row gives the same number.
        let number = cell(0)
            .parse::<u32>()
            .map_or_else(|_| offset.to_string(), |n| n.to_string());
        let mut party = ListedParty::new(number, PartyKind::Organization, Vec::new());
        push_name(&mut party.names, name);
        for alias in cell(3).split('\n') {
            push_name(&mut party.names, alias.trim().trim_start_matches('・'));
        }
        let country = cell(1);
        let english = country.lines().nth(1).unwrap_or(country);
        push_country(&mut party.countries, country_from_name(english));
        // 「生物、化学、ミサイル、核\nB,C,M,N」: the second line.
        let weapons = cell(4).lines().last().unwrap_or_default().trim().to_owned();
        if !weapons.is_empty() {
            party.programs.push(format!("WMD concern: {weapons}"));
        }
        if cell(5).contains("CW") || cell(5).contains("通常兵器") {
            party
                .programs
                .push("Conventional weapons concern (CW)".to_owned());
        }
        party.remarks = format!(
            "国名、地域名 Country or Region: {}",
            country.replace('\n', " / ")
        );
        parties.push(party);
    }
    if let Some(errors) = errors.take() {
        return Err(errors);
    }
    Ok(ImportedList {
        info: info(
            options
                .id
                .clone()
                .unwrap_or_else(|| "jp-meti-eul".to_owned()),
            &METI_EUL,
            version,
            sha256(&[file]),
        ),
        parties,
        removals: Vec::new(),
    })
}

// ------------------------------------------------------- export-ban PDFs

const METI_EXPORT_BAN: Publisher = Publisher {
    name: "経済産業省 輸出等に係る禁止措置の対象となる特定団体 (METI export ban)",
    publisher: "Ministry of Economy, Trade and Industry, Japan (経済産業省); designated by Ministry of Foreign Affairs notices (外務省告示)",
    jurisdiction: "JP",
    legal_effect: LegalEffect::ExportControl,
    source: "https://www.meti.go.jp/policy/external_economy/trade_control/01_seido/04_seisai/crimea.html; Foreign Exchange and Foreign Trade Act (外為法) Art. 48(3) and 25(6), export bans on the designated entities",
};

/// Reads one of METI's export-ban PDFs (輸出等に係る禁止措置の対象となる
/// 特定団体): numbered entries, each the Japanese name, the English name
/// (and Chinese in brackets), aliases ("別称：…", or "a.k.a., the
/// following N aliases" with "- alias" lines) and 「所在地：」. An entry
/// whose English cannot be read is kept with its Japanese name and says
/// so, with its page; numbers missing from the sequence are said on the
/// entry after them. Never is an entry dropped.
pub(super) fn read_export_ban_pdf(
    file: &ListFile,
    options: &ImportOptions,
) -> Result<ImportedList, InputErrors> {
    let whole_file = |expected: &str, found: String| pdf_refused(&file.name, expected, found);
    // Read by a helper process held to the reader's budget
    // (`pdf_text`): the PDF library's work has no bound of its own.
    let pages = super::pdf_text::pages(&file.bytes)
        .map_err(|reason| whole_file("a readable PDF", reason))?;
    export_ban_from_pages(&file.name, &sha256(&[file]), &pages, options)
}

/// The entries of an export-ban list from its text, page by page as the
/// PDF reader gives it (public for fuzzing the reading apart from the PDF
/// library, whose panics `read_export_ban_pdf` contains).
pub fn export_ban_from_pages(
    name: &str,
    sha256: &str,
    pages: &[String],
    options: &ImportOptions,
) -> Result<ImportedList, InputErrors> {
    let whole_file = |expected: &str, found: String| pdf_refused(name, expected, found);
    let pages: Vec<String> = pages.iter().map(|page| ascii_digits(page)).collect();
    let all = pages.join("\n");
    let (id, country) = if all.contains("ロシア連邦及びベラルーシ共和国以外") {
        ("jp-meti-export-ban-third", None)
    } else if all.contains("ロシア連邦の") {
        ("jp-meti-export-ban-ru", Some("RU"))
    } else if all.contains("ベラルーシ共和国の") {
        ("jp-meti-export-ban-by", Some("BY"))
    } else {
        return Err(whole_file(
            "METI's export-ban list of Russian, Belarusian or third-country entities (輸出等に係る禁止措置)",
            format!("a PDF of {} pages without it", pages.len()),
        ));
    };
    let version = options
        .version
        .or_else(|| labelled_day(&all, "最終更新日"))
        .or_else(|| day_in_name(name))
        .unwrap_or(options.today);
    let mut parties: Vec<ListedParty> = Vec::new();
    let mut block: Vec<String> = Vec::new();
    let mut current: Option<(u32, usize)> = None;
    let mut previous: Option<u32> = None;
    for (page_index, page) in pages.iter().enumerate() {
        for line in page.lines() {
            let line = line.trim();
            if let Some((number, rest)) = entry_start(line)
                && previous.is_none_or(|last| number > last)
            {
                if let Some((number, page)) = current.take() {
                    parties.push(export_ban_entry(number, page, &block, country));
                }
                block = vec![rest.to_owned()];
                current = Some((number, page_index + 1));
                if let Some(last) = previous
                    && number > last + 1
                {
                    block.push(format!(
                        "\u{1}numbers {} to {} are not in the file before page {}",
                        last + 1,
                        number - 1,
                        page_index + 1
                    ));
                }
                previous = Some(number);
            } else if current.is_some() && !line.is_empty() {
                block.push(line.to_owned());
            }
        }
    }
    if let Some((number, page)) = current.take() {
        parties.push(export_ban_entry(number, page, &block, country));
    }
    if parties.is_empty() {
        return Err(whole_file(
            "numbered entries (１ 株式会社…)",
            format!("{} pages without one", pages.len()),
        ));
    }
    Ok(ImportedList {
        info: info(
            options.id.clone().unwrap_or_else(|| id.to_owned()),
            &METI_EXPORT_BAN,
            version,
            sha256.to_owned(),
        ),
        parties,
        removals: Vec::new(),
    })
}

/// An export-ban PDF refused whole: no page or line can be named when the
/// document itself cannot be read or is not the list.
fn pdf_refused(file: &str, expected: &str, found: String) -> InputErrors {
    InputErrors::one(InputError::new(
        Location::File {
            file: file.to_owned(),
        },
        "(pdf)",
        expected,
        found,
    ))
}

/// Full-width digits as ASCII (the lists number １, ２… then 10, 11…).
fn ascii_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９' => {
                char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c)
            }
            _ => c,
        })
        .collect()
}

/// "最終更新日：2025 年 09 月 12 日" → the day.
fn labelled_day(text: &str, label: &str) -> Option<Date> {
    let after = text.split(label).nth(1)?;
    let digits: Vec<u32> = after
        .lines()
        .next()?
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .take(3)
        .filter_map(|part| part.parse().ok())
        .collect();
    match digits.as_slice() {
        [year, month, day] => ymd(
            i32::try_from(*year).ok()?,
            u8::try_from(*month).ok()?,
            u8::try_from(*day).ok()?,
        ),
        _ => None,
    }
}

fn is_japanese(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{30FF}' | '\u{3400}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '々' | '「' | '（')
}

/// "12 国際量子光学…" → (12, "国際量子光学…"): a number, then Japanese
/// (or Latin letters then Japanese: "41 CTLドゥシュ…").
fn entry_start(line: &str) -> Option<(u32, &str)> {
    let digits: String = line.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > 4 {
        return None;
    }
    let rest = line.get(digits.len()..)?;
    if !rest.starts_with(|c: char| c.is_whitespace()) {
        return None;
    }
    let rest = rest.trim_start();
    rest.chars()
        .take(12)
        .any(is_japanese)
        .then(|| Some((digits.parse().ok()?, rest)))?
}

/// One entry from its lines (the first is the rest of the numbered line).
fn export_ban_entry(
    number: u32,
    page: usize,
    lines: &[String],
    country: Option<&str>,
) -> ListedParty {
    let mut notes: Vec<String> = Vec::new();
    let mut japanese = String::new();
    let mut english = String::new();
    let mut aliases: Vec<String> = Vec::new();
    let mut address = String::new();
    #[derive(PartialEq)]
    enum Part {
        Japanese,
        English,
        JapaneseAliases,
        Aliases,
        Address,
    }
    let mut part = Part::Japanese;
    // The numbered line is the Japanese name, even when it opens with
    // Latin letters ("BSVT 新技術", "KGB アルファ").
    let (first, rest) = lines
        .split_first()
        .map_or((None, lines), |(first, rest)| (Some(first), rest));
    if let Some(first) = first {
        japanese.push_str(first);
    }
    for line in rest {
        if let Some(note) = line.strip_prefix('\u{1}') {
            notes.push(note.to_owned());
            continue;
        }
        let latin_line =
            line.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '"' || c == '“');
        if let Some(rest) = line.strip_prefix("所在地：") {
            part = Part::Address;
            address.push_str(rest);
            continue;
        }
        if let Some(rest) = line.strip_prefix("別称：") {
            part = Part::JapaneseAliases;
            aliases.push(rest.to_owned());
            continue;
        }
        match part {
            Part::Japanese if latin_line => {
                part = Part::English;
                english.push_str(line);
            }
            Part::Japanese => japanese.push_str(line),
            Part::English if line.starts_with('-') => {
                part = Part::Aliases;
                aliases.push(line.trim_start_matches('-').to_owned());
            }
            Part::English => {
                english.push(' ');
                english.push_str(line);
            }
            // Japanese aliases run on until the English ones begin.
            Part::JapaneseAliases if latin_line && !line.chars().any(is_japanese) => {
                part = Part::Aliases;
                aliases.push(line.clone());
            }
            Part::JapaneseAliases => {
                if let Some(last) = aliases.last_mut() {
                    last.push_str(line);
                }
            }
            Part::Aliases if line.starts_with('-') => {
                aliases.push(line.trim_start_matches('-').to_owned())
            }
            Part::Aliases => {
                if let Some(last) = aliases.last_mut() {
                    last.push(' ');
                    last.push_str(line);
                }
            }
            Part::Address => {
                address.push(' ');
                address.push_str(line);
            }
        }
    }
    // "JSC Integral, a.k.a., the following two aliases:" → "JSC Integral".
    let english = english
        .split_once("a.k.a")
        .map_or(english.as_str(), |(name, _)| name)
        .trim()
        .trim_end_matches(',')
        .trim()
        .to_owned();
    // "Ele Technology Co LTD（深圳市易络电子有限公司）": the Chinese name is an alias.
    let (english, native) = match english.split_once('（') {
        Some((latin, rest)) => (
            latin.trim().to_owned(),
            Some(rest.trim_end_matches('）').to_owned()),
        ),
        None => (english, None),
    };
    // 「株式会社インテグラル（別称、OAO インテグラル、…）」
    let (japanese, japanese_aliases) = match japanese.split_once("（別称、") {
        Some((name, rest)) => (
            name.trim().to_owned(),
            Some(rest.trim_end_matches('）').to_owned()),
        ),
        None => (japanese.trim().to_owned(), None),
    };
    let mut names = Vec::new();
    push_name(&mut names, &english);
    push_name(&mut names, &japanese);
    let every_alias = aliases
        .iter()
        .chain(native.iter())
        .chain(japanese_aliases.iter())
        .flat_map(|text| {
            text.split(['；', ';', '、'])
                .map(str::to_owned)
                .collect::<Vec<_>>()
        });
    for alias in every_alias {
        let alias = alias
            .trim()
            .trim_start_matches("and ")
            .trim_end_matches(" and")
            .trim_end_matches(['.', ',', ';'])
            .trim();
        let alias = alias.strip_suffix("及び").unwrap_or(alias);
        for part in alias.split("及び") {
            let part = part.trim();
            if part != "and" && part != "別称" {
                push_name(&mut names, part);
            }
        }
    }
    if english.is_empty() {
        notes.push(format!(
            "the English name of entry {number} on page {page} could not be read"
        ));
    }
    let mut countries = Vec::new();
    for segment in address.split(';').flat_map(|s| s.split(" and ")) {
        let last = segment.rsplit(',').next().unwrap_or(segment);
        push_country(
            &mut countries,
            country_from_name(last.trim().trim_end_matches('.')),
        );
    }
    if let Some(code) = country.and_then(|code| shinsa_model::CountryCode::parse(code).ok()) {
        push_country(&mut countries, Some(code));
    }
    let mut remarks = vec![format!("page {page}")];
    if !address.trim().is_empty() {
        remarks.push(format!("所在地: {}", address.trim()));
    }
    remarks.extend(notes);
    let mut party = ListedParty::new(number.to_string(), PartyKind::Organization, names);
    party.countries = countries;
    party.remarks = remarks.join(" / ");
    party
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_birth_in_every_form_the_ministry_writes() {
        assert_eq!(
            birth_dates("1941年8月20日セルビア共和国ポジャレヴァッツ生\nBorn at Pozarevac"),
            ["1941-08-20"]
        );
        assert_eq!(birth_dates("1970年生\nBorn 1970"), ["1970"]);
        assert_eq!(birth_dates("Born on 10 July 1942"), ["1942-07-10"]);
        assert_eq!(birth_dates("21710"), ["1959-06-09"]);
        assert_eq!(
            birth_dates("(a)1955年3月1日(b)1956年"),
            ["1955-03-01", "1956"]
        );
        assert!(birth_dates("不明").is_empty());
    }

    #[test]
    fn aliases_are_split_in_both_scripts() {
        assert_eq!(
            names_in("メスバーフ・エナジー; エム・イー・シー\nMessbah Energy; MEC"),
            [
                "メスバーフ・エナジー",
                "エム・イー・シー",
                "Messbah Energy",
                "MEC"
            ]
        );
        assert_eq!(
            names_in("(a)アル・ラシード信託(b)ウレマ援助組織（d）Al Rashid Trust"),
            ["アル・ラシード信託", "ウレマ援助組織", "Al Rashid Trust"]
        );
        assert!(names_in("不明").is_empty());
    }

    #[test]
    fn nationality_is_read_from_the_english() {
        let codes: Vec<String> = countries_in("エジプトEgypt")
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect();
        assert_eq!(codes, ["EG"]);
    }

    #[test]
    fn notice_days_and_file_days() {
        assert_eq!(dotted_day("2008.3.26"), ymd(2008, 3, 26));
        assert_eq!(day_in_name("shisantouketsu20260305.xlsx"), ymd(2026, 3, 5));
        assert_eq!(day_in_name("20250929_4.xlsx"), ymd(2025, 9, 29));
    }
}
