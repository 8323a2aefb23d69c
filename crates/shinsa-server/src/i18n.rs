//! The UI's words in English and Japanese.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Ja,
}

impl Lang {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "en" => Some(Lang::En),
            "ja" => Some(Lang::Ja),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }
    pub fn other(self) -> Self {
        match self {
            Lang::En => Lang::Ja,
            Lang::Ja => Lang::En,
        }
    }

    /// The word for `key`; an unknown key shows itself, so a missing
    /// translation is visible rather than blank.
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        WORDS
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, en, ja)| match self {
                Lang::En => *en,
                Lang::Ja => *ja,
            })
            .unwrap_or(key)
    }

    /// A stored day (`2026-12-04`, or the day of a timestamp) as people
    /// write it: `2026年12月4日`, `4 Dec 2026`. Empty stays empty; text
    /// that is not a day is shown as it is.
    pub fn date(&self, stored: &str) -> String {
        match stored.get(..10).map(shinsa_model::parse_date) {
            Some(Ok(day)) => self.day(day),
            _ => stored.to_owned(),
        }
    }

    fn day(&self, day: time::Date) -> String {
        match self {
            Lang::En => shinsa_report::english_date(day),
            Lang::Ja => shinsa_report::japanese_date(day),
        }
    }

    /// A stored moment (RFC 3339, kept in UTC) in Japan time, where the
    /// regime's days are counted: `2026年12月4日 19:06`,
    /// `4 Dec 2026 19:06 JST`.
    pub fn when(&self, stored: &str) -> String {
        let Ok(moment) =
            time::OffsetDateTime::parse(stored, &time::format_description::well_known::Rfc3339)
        else {
            return stored.to_owned();
        };
        let local = moment.to_offset(crate::clock::JAPAN);
        let clock = format!("{:02}:{:02}", local.hour(), local.minute());
        match self {
            Lang::En => format!("{} {clock} JST", self.day(local.date())),
            Lang::Ja => format!("{} {clock}", self.day(local.date())),
        }
    }

    /// A sector's name (`electricity` → 電気, Electricity); the code when
    /// the bundled sector table does not know it.
    pub fn sector<'a>(&self, code: &'a str) -> std::borrow::Cow<'a, str> {
        match sector_names().get(code) {
            Some((en, ja)) => std::borrow::Cow::Owned(match self {
                Lang::En => en.clone(),
                Lang::Ja => ja.clone(),
            }),
            None => std::borrow::Cow::Borrowed(code),
        }
    }

    /// A role's name (`operator-admin` → 事業者管理者).
    pub fn role<'a>(&self, role: &'a str) -> &'a str {
        WORDS
            .iter()
            .find(|(key, _, _)| key.strip_prefix("role:") == Some(role))
            .map_or(role, |(_, en, ja)| match self {
                Lang::En => en,
                Lang::Ja => ja,
            })
    }
}

/// Sector code → (English, Japanese) names, from the bundled reference
/// data (the same table screening reads). Read once; were it unreadable the
/// server could not screen either, and the codes are shown.
fn sector_names() -> &'static std::collections::BTreeMap<String, (String, String)> {
    static NAMES: std::sync::OnceLock<std::collections::BTreeMap<String, (String, String)>> =
        std::sync::OnceLock::new();
    NAMES.get_or_init(|| match shinsa_ingest::reference::bundled() {
        Ok(reference) => {
            let mut sectors = reference.sectors;
            // Where regimes share a code, ESPA's names win (inserted last).
            sectors.sort_by_key(|sector| sector.regime == "jp-espa");
            sectors
                .into_iter()
                .map(|sector| (sector.code, (sector.name_en, sector.name_ja)))
                .collect()
        }
        Err(error) => {
            tracing::error!("the bundled sector table does not read: {error}");
            std::collections::BTreeMap::new()
        }
    })
}

const WORDS: &[(&str, &str, &str)] = &[
    (
        "app",
        "shinsa — supply-chain screening",
        "審査 — サプライチェーン審査",
    ),
    ("language", "日本語", "English"),
    ("menu", "Menu", "メニュー"),
    ("users", "Users", "利用者"),
    (
        "users_help",
        "Everyone of your organisation. A disabled user signs in by nothing (sessions and API tokens included); each change is on the audit chain and ends the user's sessions.",
        "組織の利用者の一覧です。無効にした利用者はログインもAPIトークンも使えません。変更は監査記録に残り、その利用者のセッションは終了します。",
    ),
    ("role", "Role", "権限"),
    ("change", "Change", "変更"),
    ("deliveries", "Deliveries", "配信"),
    (
        "deliveries_help",
        "Your organisation's webhooks and mail. A failed delivery is tried again with growing waits; one that could not be delivered in time is a dead letter, which an administrator may send again (the receiver can tell a repeat by its Idempotency-Key).",
        "組織あてのWebhookとメールです。失敗した配信は間隔を広げながら再送されます。期限内に届かなかったものは配信不能となり、管理者が再送できます（受信側はIdempotency-Keyで重複を見分けられます）。",
    ),
    ("delivery:pending", "Pending", "配信待ち"),
    ("delivery:sent", "Delivered", "配信済み"),
    ("delivery:dead", "Dead letter", "配信不能"),
    ("delivery_target", "To", "宛先"),
    ("last_outcome", "Last outcome", "最後の結果"),
    ("next_attempt", "next attempt", "次回"),
    ("resend", "Send again", "再送"),
    (
        "mail_waits",
        "This server has no mail relay configured ([mail]): mail waits here until one is.",
        "このサーバーにはメールの中継先（[mail]）が設定されていません。設定されるまでメールはここで待機します。",
    ),
    ("attachments", "Attachments", "添付書類"),
    ("attach", "Attach", "添付"),
    (
        "document_file",
        "File (PDF, image or office document)",
        "ファイル（PDF・画像・Office文書）",
    ),
    ("event", "Event", "事象"),
    ("attempts", "Attempts", "試行"),
    ("made", "Made", "作成"),
    ("account_active", "Active", "有効"),
    ("account_disabled", "Disabled", "無効"),
    ("disable", "Disable", "無効にする"),
    ("enable", "Enable", "有効にする"),
    ("set_role", "Set role", "権限を変更"),
    (
        "new_password",
        "New password (12 characters or more)",
        "新しいパスワード（12文字以上）",
    ),
    ("set_password", "Set password", "パスワードを設定"),
    ("account_changed", "changed.", "変更しました。"),
    (
        "not_yourself",
        "You cannot disable yourself or give yourself a role without administration.",
        "自分自身を無効にしたり、管理権限のない権限に変更したりすることはできません。",
    ),
    (
        "bad_role",
        "Not a role of this organisation.",
        "この組織の権限ではありません。",
    ),
    (
        "short_password",
        "A password has at least 12 characters.",
        "パスワードは12文字以上にしてください。",
    ),
    ("brand", "shinsa", "審査 shinsa"),
    (
        "role:operator-admin",
        "Operator administrator",
        "事業者管理者",
    ),
    ("role:operator-member", "Operator staff", "事業者担当者"),
    ("role:regulator-reviewer", "Reviewer", "審査官"),
    (
        "role:regulator-admin",
        "Regulator administrator",
        "所管省庁管理者",
    ),
    ("role:auditor", "Auditor", "監査担当"),
    (
        "role:platform-admin",
        "Platform administrator",
        "基盤管理者",
    ),
    ("sign_in", "Sign in", "ログイン"),
    ("sign_out", "Sign out", "ログアウト"),
    ("login", "Login name", "ログイン名"),
    ("password", "Password", "パスワード"),
    (
        "bad_login",
        "The login name or password is wrong.",
        "ログイン名またはパスワードが正しくありません。",
    ),
    (
        "locked",
        "Too many wrong passwords: sign-in is paused for this account or address. Try again in a few minutes.",
        "パスワードの誤りが続いたため、このアカウントまたは接続元からのログインを一時的に停止しています。数分後にお試しください。",
    ),
    ("registers", "Registers", "台帳"),
    ("findings", "Findings", "指摘事項"),
    ("runs", "Screening runs", "審査実行"),
    ("operator", "Operator", "事業者"),
    ("sector", "Sector", "事業分野"),
    ("name", "Name", "名称"),
    ("version", "Version", "版"),
    ("subjects", "Subjects", "対象数"),
    ("uploaded", "Uploaded", "登録日時"),
    ("upload", "Upload a register", "台帳を登録"),
    (
        "upload_help",
        "A bundle as JSON, an XLSX workbook, a zip of the bundle folder, or a BOM of one system (CycloneDX JSON or XML, SPDX).",
        "JSON のバンドル、XLSX ワークブック、バンドルフォルダの zip、または一つのシステムの BOM（CycloneDX の JSON・XML、SPDX）。",
    ),
    (
        "bom_critical",
        "For a BOM: the system is a critical facility",
        "BOM の場合: このシステムは特定重要設備",
    ),
    ("file", "File", "ファイル"),
    ("send", "Upload", "登録"),
    (
        "uploaded_ok",
        "Uploaded; screening has started.",
        "登録しました。審査を開始しました。",
    ),
    ("screen_again", "Screen again", "再審査"),
    ("severity", "Severity", "重大度"),
    ("rule", "Rule", "規則"),
    ("subject", "Subject", "対象"),
    ("finding", "Finding", "指摘"),
    ("status", "Status", "状態"),
    ("all", "All", "すべて"),
    ("search", "Search", "検索"),
    ("prohibited", "Prohibited", "禁止"),
    ("review", "Review", "要審査"),
    ("notice", "Notice", "注意"),
    ("open", "Open", "未対応"),
    ("accepted_risk", "Accepted risk", "リスク受容"),
    ("false_positive", "False positive", "誤検知"),
    ("remediated", "Remediated", "是正済み"),
    ("justification", "Justification", "理由"),
    ("expires", "Until", "期限"),
    ("save", "Save", "保存"),
    ("evidence", "Evidence", "根拠"),
    ("legal_basis", "Legal basis", "法的根拠"),
    ("none", "Nothing to show.", "表示する項目はありません。"),
    ("previous", "Previous", "前へ"),
    ("next", "Next", "次へ"),
    ("of", "of", "件中"),
    ("reason", "Reason", "理由"),
    ("progress", "Progress", "進捗"),
    ("started", "Started", "開始"),
    ("finished", "Finished", "終了"),
    ("new", "New", "新規"),
    ("resolved", "Resolved", "解消"),
    ("queued", "Queued", "待機中"),
    ("running", "Running", "実行中"),
    ("done", "Done", "完了"),
    ("failed", "Failed", "失敗"),
    ("triaged_by", "Decided by", "判断者"),
    ("plans", "Plans", "導入等計画"),
    ("overdue", "Overdue", "期限超過"),
    ("due_soon", "Due within 7 days", "7日以内に期限"),
    ("plan_title", "Title", "件名"),
    ("received_on", "Received", "受理日"),
    ("due_on", "Review ends", "審査期限"),
    ("days_left", "Days left", "残り日数"),
    ("gaps", "Missing", "不足"),
    ("new_plan", "Draft a plan", "計画書を作成"),
    (
        "new_plan_help",
        "A draft drawn from a register lists its critical facilities, their components and the contracts on them; then fill in what the ministry will ask for.",
        "台帳から作成すると、特定重要設備・構成設備・委託契約が記載されます。その後、所管省庁が求める事項を記入してください。",
    ),
    ("from_register", "From register", "元の台帳"),
    ("no_register", "(empty plan)", "（白紙から）"),
    ("draft", "Draft", "作成"),
    ("revision", "Revision", "版"),
    ("filing_document", "Filing document", "届出書面"),
    ("review_clock", "Review period", "審査期間"),
    ("latest_extension", "Latest extension", "延長の上限"),
    (
        "response_due_on",
        "Answer to recommendation due",
        "勧告への回答期限",
    ),
    ("next_steps", "Next steps", "次の手続"),
    (
        "note_request_information",
        "What is requested",
        "求める情報",
    ),
    (
        "note_recommend",
        "Required changes",
        "勧告の内容（求める変更）",
    ),
    ("note_order", "What is ordered", "命令の内容"),
    ("note_decline", "Reasons", "理由"),
    ("note_answer", "Answer", "回答"),
    ("note_clear", "Note", "備考"),
    ("note_accept", "Note", "備考"),
    ("step_create", "Drafted", "作成"),
    ("step_amend", "Amended", "変更"),
    ("step_file", "File the plan", "届出"),
    ("step_receive", "Receive", "受理"),
    (
        "step_request_information",
        "Request information",
        "追加情報を求める",
    ),
    ("step_answer", "Answer", "回答"),
    ("step_recommend", "Recommend changes", "勧告"),
    ("step_accept", "Accept the recommendation", "勧告に応諾"),
    (
        "step_decline",
        "Decline the recommendation",
        "勧告に応諾しない",
    ),
    ("step_order", "Order", "命令"),
    ("step_clear", "Clear", "審査終了（問題なし）"),
    ("step_set_due", "Change the last day", "審査期限の変更"),
    ("step_withdraw", "Withdraw", "取下げ"),
    (
        "step_re_review",
        "Back to review (list change)",
        "再審査（リスト更新）",
    ),
    (
        "gaps_title",
        "What the ministry will ask for",
        "所管省庁が求める記載事項",
    ),
    (
        "gaps_help",
        "Each field is a gap in the plan. Leave a field blank to fill it later.",
        "各欄は計画書の不足事項です。後で記入する欄は空欄のままで構いません。",
    ),
    ("hint_date", "YYYY-MM-DD", "YYYY-MM-DD"),
    (
        "hint_country",
        "country code, e.g. JP",
        "国コード（例: JP）",
    ),
    ("hint_text", "text", "記入"),
    ("hint_percent", "percent", "割合（%）"),
    (
        "hint_officers",
        "one per line: name, date of birth, nationality",
        "1行に1名: 氏名, 生年月日, 国籍",
    ),
    (
        "hint_holders",
        "one per line: name, percent, country; or none",
        "1行に1者: 名称, 割合, 国; いない場合は なし",
    ),
    ("hint_lines", "one per line", "1行に1件"),
    ("hint_party", "name", "名称"),
    (
        "hint_measure",
        "update: to 7.0.9 / mitigation: … / isolation: … / accepted risk: why",
        "更新：7.0.9へ／緩和策：…／隔離：…／リスク受容：理由",
    ),
    (
        "plan_exposures",
        "Known vulnerabilities of the facilities and the measure for each",
        "特定重要設備の既知の脆弱性と講じるリスク管理措置",
    ),
    ("exposure_measure", "Measure", "リスク管理措置"),
    (
        "plan_complete",
        "Nothing is missing: the plan can be filed.",
        "不足事項はありません。届出できます。",
    ),
    ("items", "Items", "対象"),
    ("kind", "Kind", "種別"),
    ("facility", "Facility", "特定重要設備"),
    (
        "supplier_or_contractor",
        "Supplier / contractor",
        "供給者／委託先",
    ),
    ("country", "Country", "国"),
    ("holders", "Holders ≥ 5 %", "5%以上の議決権保有者"),
    ("officers", "Officers", "役員"),
    ("measures", "Risk-management measures", "リスク管理措置"),
    (
        "frozen_screening",
        "Screening frozen with the plan",
        "計画書とともに固定した審査結果",
    ),
    (
        "not_screened_yet",
        "Screened when the plan is filed.",
        "届出時に審査します。",
    ),
    ("no_findings", "No findings.", "指摘事項はありません。"),
    ("history", "History", "経過"),
    ("at", "When", "日時"),
    ("who", "Who", "実施者"),
    ("step", "Step", "手続"),
    ("note", "Note", "内容"),
    (
        "edit_json",
        "Edit the whole plan (JSON)",
        "計画書全体を編集（JSON）",
    ),
    ("introduction", "Introduction", "導入"),
    ("there_are_none", "none", "なし"),
    ("dashboard", "Dashboard", "ダッシュボード"),
    ("report", "Report", "報告書"),
    ("downloads", "Downloads", "ダウンロード"),
    ("cases", "Enforcement", "監督・是正"),
    ("open_case", "Open a case", "案件を開始"),
    ("opened_on", "Opened", "開始日"),
    ("due_on_case", "Due", "期限"),
    (
        "milestones_behind",
        "Milestones overdue",
        "期限超過の是正項目",
    ),
    (
        "register_for_remediation",
        "Register to measure remediation on",
        "是正の進捗を測る台帳",
    ),
    ("case_open", "Open", "対応中"),
    ("case_closed", "Closed", "終結"),
    ("documents", "Documents", "文書"),
    ("remediation", "Remediation", "是正計画"),
    ("baseline", "at the start", "開始時"),
    ("remaining", "remaining", "残り"),
    (
        "burn_down",
        "Remaining by register version:",
        "台帳の版ごとの残数:",
    ),
    (
        "no_milestones",
        "No remediation milestones yet.",
        "是正項目はまだありません。",
    ),
    ("add_document", "Add a document", "文書を追加"),
    (
        "add_milestone",
        "Add a remediation milestone",
        "是正項目を追加",
    ),
    ("close_case", "Close the case", "案件を終結"),
    ("not_made_in", "made outside", "製造国が次以外"),
    ("exposure", "Assets", "該当する設備"),
    ("vulnerabilities", "Known vulnerabilities", "既知の脆弱性"),
    (
        "vulnerabilities_help",
        "Vulnerabilities the current screenings found in the registers you see: those on CISA's Known Exploited Vulnerabilities catalogue first, newest added first. Critical: assets of critical facilities / all exposed assets.",
        "閲覧できる登録簿の最新の審査で見つかった脆弱性です。CISAの既知の悪用された脆弱性カタログ（KEV）掲載のものを先に、追加日の新しい順に示します。特定重要設備：特定重要設備の設備数／該当する設備数。",
    ),
    ("kev_only", "On KEV only", "KEV掲載のみ"),
    (
        "critical_only",
        "Critical facilities only",
        "特定重要設備のみ",
    ),
    ("vulnerability", "Vulnerability", "脆弱性"),
    ("kev_due", "KEV due", "KEV対応期限"),
    ("ransomware", "Ransomware", "ランサムウェア"),
    ("fixed_in", "Fixed in", "修正版"),
    (
        "operators_and_models",
        "Operators and models (assets)",
        "事業者と機種（設備数）",
    ),
    (
        "kev_reaching_critical",
        "Exploited vulnerabilities (KEV) reaching critical facilities",
        "特定重要設備に及ぶ悪用済み脆弱性（KEV）",
    ),
    (
        "all_vulnerabilities",
        "All known vulnerabilities",
        "既知の脆弱性の一覧",
    ),
    ("category", "Category", "分類"),
    ("vendor", "Vendor", "ベンダー"),
    ("critical", "Critical", "特定重要設備"),
    ("uses", "uses", "件"),
    (
        "open_by_severity",
        "Open findings by severity",
        "重大度別の未対応指摘",
    ),
    (
        "inbox_by_days_left",
        "Reviews by days left",
        "審査期限までの残り日数",
    ),
    ("plans_by_status", "Plans by status", "状態別の計画書"),
    (
        "exposure_vendors",
        "Operators using each vendor",
        "ベンダー別の利用事業者数",
    ),
    (
        "exposure_countries",
        "Operators by country of manufacture",
        "製造国別の利用事業者数",
    ),
    (
        "exposure_providers",
        "Operators sending data to each provider / country",
        "データ送信先（事業者・国）別の利用事業者数",
    ),
    (
        "exposure_help",
        "Bar: operators; in brackets: assets. A vendor's or country's bar opens the assets behind it.",
        "棒は事業者数、括弧内は設備数。ベンダーや製造国の棒から該当する設備を一覧できます。",
    ),
    (
        "findings_trend",
        "Findings after each recent screening",
        "最近の審査ごとの指摘件数",
    ),
    ("days_0_7", "0–7 days", "0〜7日"),
    ("days_8_14", "8–14 days", "8〜14日"),
    ("days_15_plus", "15 days or more", "15日以上"),
    ("awaiting_receipt", "Awaiting receipt", "受理待ち"),
    ("entrustment", "Entrustment", "委託"),
    ("made_in", "made in", "製造国"),
    ("frozen_at", "Frozen", "固定日時"),
    (
        "not_fillable",
        "cannot be filled here; edit the plan as JSON",
        "この欄では記入できません。JSONで編集してください",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_has_both_languages() {
        for (key, en, ja) in WORDS {
            assert!(!en.is_empty() && !ja.is_empty(), "{key}");
            assert_eq!(
                WORDS.iter().filter(|(k, _, _)| k == key).count(),
                1,
                "{key} twice"
            );
        }
        assert_eq!(Lang::Ja.t("findings"), "指摘事項");
        assert_eq!(Lang::En.t("no-such-word"), "no-such-word");
    }

    #[test]
    fn days_times_sectors_and_roles_read_as_people_write_them() {
        assert_eq!(Lang::Ja.date("2026-12-04"), "2026年12月4日");
        assert_eq!(Lang::En.date("2026-12-04"), "4 Dec 2026");
        assert_eq!(Lang::En.date(""), "");
        assert_eq!(Lang::En.date("soon"), "soon");
        // 15:30 UTC on 31 December is 00:30 on New Year's Day in Japan.
        assert_eq!(
            Lang::Ja.when("2026-12-31T15:30:00.000000Z"),
            "2027年1月1日 00:30"
        );
        assert_eq!(
            Lang::En.when("2026-12-31T15:30:00.000000Z"),
            "1 Jan 2027 00:30 JST"
        );
        assert_eq!(Lang::Ja.sector("electricity"), "電気");
        assert_eq!(Lang::En.sector("telecommunications"), "Telecommunications");
        assert_eq!(Lang::En.sector("no-such-sector"), "no-such-sector");
        assert_eq!(Lang::Ja.role("regulator-reviewer"), "審査官");
        assert_eq!(Lang::En.role("auditor"), "Auditor");
    }
}
