//! Registry identifiers and their check digits. A register that carries a
//! Japan corporate number or a Chinese unified social credit code with a
//! wrong check character has a typo, and a typo in an identifier must not
//! silently become a different company.

/// The schemes shinsa knows, with the spellings a register may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Legal Entity Identifier (ISO 17442): 20 characters, ISO 7064 mod 97-10.
    Lei,
    /// Japan corporate number (法人番号): 13 digits, leading check digit.
    JpCorp,
    /// China unified social credit code (统一社会信用代码, GB 32100-2015):
    /// 18 characters, trailing check character.
    CnUscc,
    /// Dun & Bradstreet D-U-N-S number: 9 digits.
    Duns,
    /// International Securities Identification Number (ISO 6166): Luhn.
    Isin,
}

impl Scheme {
    /// Recognises a scheme name (`lei`, `jp_corp`, `houjin_bangou`, `uscc`…).
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "lei" => Some(Self::Lei),
            "jp_corp" | "jp_corporate_number" | "corporate_number" | "houjin_bangou" | "hojin" => {
                Some(Self::JpCorp)
            }
            "cn_uscc" | "uscc" => Some(Self::CnUscc),
            "duns" => Some(Self::Duns),
            "isin" => Some(Self::Isin),
            _ => None,
        }
    }

    /// The canonical scheme name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lei => "lei",
            Self::JpCorp => "jp_corp",
            Self::CnUscc => "cn_uscc",
            Self::Duns => "duns",
            Self::Isin => "isin",
        }
    }

    /// What a valid value looks like, for error messages.
    pub fn expected(self) -> &'static str {
        match self {
            Self::Lei => "a 20-character LEI whose ISO 7064 mod 97-10 check holds",
            Self::JpCorp => "a 13-digit corporate number (法人番号) with a valid check digit",
            Self::CnUscc => {
                "an 18-character unified social credit code with a valid check character"
            }
            Self::Duns => "a 9-digit D-U-N-S number",
            Self::Isin => "a 12-character ISIN with a valid Luhn check digit",
        }
    }

    /// Normalises a value (upper case, separators removed) and checks it.
    pub fn normalise(self, value: &str) -> Option<String> {
        let cleaned: String = value
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let valid = match self {
            Self::Lei => lei_valid(&cleaned),
            Self::JpCorp => jp_corp_valid(&cleaned),
            Self::CnUscc => uscc_valid(&cleaned),
            Self::Duns => cleaned.len() == 9 && cleaned.bytes().all(|b| b.is_ascii_digit()),
            Self::Isin => isin_valid(&cleaned),
        };
        valid.then_some(cleaned)
    }
}

/// Value of a digit or letter in the base-36 alphabets of ISO 7064 and ISIN.
fn base36(c: char) -> Option<u32> {
    c.to_digit(36)
}

fn lei_valid(value: &str) -> bool {
    if value.len() != 20 || !value.chars().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let mut remainder: u32 = 0;
    for c in value.chars() {
        let Some(digit) = base36(c) else {
            return false;
        };
        remainder = if digit >= 10 {
            (remainder * 100 + digit) % 97
        } else {
            (remainder * 10 + digit) % 97
        };
    }
    remainder == 1
}

fn jp_corp_valid(value: &str) -> bool {
    let digits: Vec<u32> = value.chars().filter_map(|c| c.to_digit(10)).collect();
    if value.len() != 13 || digits.len() != 13 {
        return false;
    }
    // Check digit = 9 − (Σ Pn × Qn mod 9), n counted from the right of the
    // 12-digit base, Qn = 1 for odd n and 2 for even n (National Tax Agency).
    let sum: u32 = digits[1..]
        .iter()
        .rev()
        .enumerate()
        .map(|(index, digit)| digit * if index % 2 == 0 { 1 } else { 2 })
        .sum();
    digits[0] == 9 - sum % 9
}

const USCC_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn uscc_valid(value: &str) -> bool {
    let codes: Vec<u32> = value
        .chars()
        .filter_map(|c| USCC_ALPHABET.find(c).map(|i| i as u32))
        .collect();
    if value.chars().count() != 18 || codes.len() != 18 {
        return false;
    }
    let sum: u32 = codes.iter().zip(USCC_WEIGHTS).map(|(c, w)| c * w).sum();
    let check = (31 - sum % 31) % 31;
    codes[17] == check
}

fn isin_valid(value: &str) -> bool {
    if value.len() != 12
        || !value.chars().take(2).all(|c| c.is_ascii_uppercase())
        || !value.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return false;
    }
    let digits: Vec<u32> = value
        .chars()
        .filter_map(base36)
        .flat_map(|v| {
            if v >= 10 {
                vec![v / 10, v % 10]
            } else {
                vec![v]
            }
        })
        .collect();
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(index, digit)| {
            if index % 2 == 1 {
                let doubled = digit * 2;
                doubled / 10 + doubled % 10
            } else {
                *digit
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lei_check_digits() {
        // GLEIF's own LEI, and the LEI of Toyota Motor Corporation.
        assert!(Scheme::Lei.normalise("5493001KJTIIGC8Y1R12").is_some());
        assert!(Scheme::Lei.normalise("5493006W3QUS5LMH6R84").is_some());
        assert!(Scheme::Lei.normalise("5493001KJTIIGC8Y1R13").is_none());
        assert!(Scheme::Lei.normalise("5493001KJTIIGC8Y1R1").is_none());
    }

    #[test]
    fn japan_corporate_number_check_digit() {
        // 国税庁 (National Tax Agency) itself: 7000012050002.
        assert_eq!(
            Scheme::JpCorp.normalise("7000012050002").as_deref(),
            Some("7000012050002")
        );
        assert_eq!(
            Scheme::JpCorp.normalise("7000-0120-50002").as_deref(),
            Some("7000012050002")
        );
        assert!(Scheme::JpCorp.normalise("8000012050002").is_none());
        assert!(Scheme::JpCorp.normalise("700001205000").is_none());
    }

    #[test]
    fn uscc_check_character() {
        // The worked example of GB 32100-2015's annex.
        assert!(Scheme::CnUscc.normalise("91350100M000100Y43").is_some());
        assert!(Scheme::CnUscc.normalise("91350100M000100Y44").is_none());
        assert!(Scheme::CnUscc.normalise("91350100M000100Y4").is_none());
        assert!(
            Scheme::CnUscc.normalise("91350100M000100I43").is_none(),
            "I is not in the alphabet"
        );
    }

    #[test]
    fn isin_luhn() {
        assert!(Scheme::Isin.normalise("US0378331005").is_some()); // Apple
        assert!(Scheme::Isin.normalise("JP3633400001").is_some()); // Toyota
        assert!(Scheme::Isin.normalise("US0378331006").is_none());
    }

    #[test]
    fn scheme_spellings() {
        assert_eq!(Scheme::parse("houjin_bangou"), Some(Scheme::JpCorp));
        assert_eq!(Scheme::parse("USCC"), Some(Scheme::CnUscc));
        assert_eq!(Scheme::parse("vat"), None);
    }
}
