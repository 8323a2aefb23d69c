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
}

const WORDS: &[(&str, &str, &str)] = &[
    (
        "app",
        "shinsa — supply-chain screening",
        "審査 — サプライチェーン審査",
    ),
    ("language", "日本語", "English"),
    ("sign_in", "Sign in", "ログイン"),
    ("sign_out", "Sign out", "ログアウト"),
    ("login", "Login name", "ログイン名"),
    ("password", "Password", "パスワード"),
    (
        "bad_login",
        "The login name or password is wrong.",
        "ログイン名またはパスワードが正しくありません。",
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
        "A bundle as JSON, an XLSX workbook, a zip of the bundle folder, or a CycloneDX BOM of one system.",
        "JSON のバンドル、XLSX ワークブック、バンドルフォルダの zip、または一つのシステムの CycloneDX BOM。",
    ),
    (
        "bom_critical",
        "For a CycloneDX BOM: the system is a critical facility",
        "CycloneDX BOM の場合: このシステムは特定重要設備",
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
}
