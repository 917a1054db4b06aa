//! Currency codes and exchange rates: the active codes of ISO 4217 (list one, as in force
//! on 2025-07-01, after XCG replaced ANG; funds codes, precious metals and the testing
//! codes included; compared code by code with the older edition in the `iso_currency`
//! crate's data, the differences are exactly the amendments since: SLE, VED, XCG and ZWG
//! added, ANG, HRK, SLL and ZWL withdrawn) with their English names and minor units, the
//! closest code to a misspelled one, and the `[money]` rates of `charter.toml` that
//! convert amounts of one currency into another through the base currency.
//!
//! Conversion is exact decimal arithmetic: `amount × rate(from) ÷ rate(to)`, rounded once
//! to the minor unit of the target currency (cents for `USD`, none for `JPY`), half to
//! even. A currency without a minor unit (gold, SDR) is not rounded.

use rust_decimal::{Decimal, RoundingStrategy};
use std::sync::Arc;

use super::value::Money;

/// One code of ISO 4217.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Currency {
    pub code: &'static str,
    /// Digits after the decimal point of the currency's minor unit (`2` for cents);
    /// `None` where ISO 4217 gives none (precious metals, units of account).
    pub minor_unit: Option<u32>,
    /// The English name ISO 4217 gives the currency.
    pub name: &'static str,
}

/// The currency of `code`, if ISO 4217 has it.
pub fn lookup(code: &str) -> Option<&'static Currency> {
    CURRENCIES
        .binary_search_by(|currency| currency.code.cmp(code))
        .ok()
        .and_then(|index| CURRENCIES.get(index))
}

/// Whether `code` is an active ISO 4217 code.
pub fn is_known(code: &str) -> bool {
    lookup(code).is_some()
}

/// The valid code one edit from `code` (a letter changed, added or removed, or two
/// neighbouring letters swapped: `UDS` → `USD`); `None` when none is that close. Among
/// several, a code with the same letters (a swap) wins, then the most similar by
/// Jaro-Winkler, then the first in the list.
pub fn closest(code: &str) -> Option<&'static str> {
    let upper = code.to_ascii_uppercase();
    if upper != code && is_known(&upper) {
        return CURRENCIES.iter().find(|currency| currency.code == upper).map(|currency| currency.code);
    }
    let letters = |text: &str| {
        let mut sorted: Vec<u8> = text.bytes().collect();
        sorted.sort_unstable();
        sorted
    };
    let wanted = letters(&upper);
    let mut best: Option<(bool, f64, &'static str)> = None;
    for currency in &CURRENCIES {
        if strsim::osa_distance(&upper, currency.code) != 1 {
            continue;
        }
        let swap = letters(currency.code) == wanted;
        let score = strsim::jaro_winkler(&upper, currency.code);
        if best.is_none_or(|(best_swap, best_score, _)| (swap, score) > (best_swap, best_score)) {
            best = Some((swap, score, currency.code));
        }
    }
    best.map(|(_, _, code)| code)
}

/// The `[money]` section of `charter.toml`: the base currency and the value of one unit
/// of each other currency in it. [`Rates::default`] (no `[money]`) converts nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rates {
    /// The currency of totals, shares and reports.
    pub base: Option<Arc<str>>,
    /// `(code, value of one unit in the base currency)`, in the order written.
    pub rates: Vec<(Arc<str>, Decimal)>,
    /// The date the rates were taken, shown in reports.
    pub as_of: Option<jiff::civil::Date>,
}

/// Why an amount could not be converted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConvertError {
    /// These currencies have no rate (the base's is 1; without a base, none has one).
    Missing(Vec<Arc<str>>),
    /// The converted amount is beyond the range of numbers.
    Overflow,
}

impl Rates {
    /// Whether `charter.toml` gives a base currency, so that amounts can be converted.
    pub fn is_set(&self) -> bool {
        self.base.is_some()
    }

    /// The value of one unit of `code` in the base currency: 1 for the base itself.
    pub fn rate(&self, code: &str) -> Option<Decimal> {
        let base = self.base.as_deref()?;
        if code == base {
            return Some(Decimal::ONE);
        }
        self.rates.iter().find(|(known, _)| &**known == code).map(|(_, rate)| *rate)
    }

    /// The currencies among `codes` that have no rate, each once, in order.
    pub fn missing<'a>(&self, codes: impl IntoIterator<Item = &'a Arc<str>>) -> Vec<Arc<str>> {
        let mut missing: Vec<Arc<str>> = Vec::new();
        for code in codes {
            if self.rate(code).is_none() && !missing.contains(code) {
                missing.push(code.clone());
            }
        }
        missing
    }

    /// `money` in the currency `to`: exact, then rounded to `to`'s minor unit, half to
    /// even. Money already in `to` is returned unchanged, unrounded.
    pub fn convert(&self, money: &Money, to: &Arc<str>) -> Result<Money, ConvertError> {
        if money.currency == *to {
            return Ok(money.clone());
        }
        let (Some(from_rate), Some(to_rate)) = (self.rate(&money.currency), self.rate(to)) else {
            return Err(ConvertError::Missing(self.missing([&money.currency, to])));
        };
        let amount = money
            .amount
            .checked_mul(from_rate)
            .and_then(|value| value.checked_div(to_rate))
            .ok_or(ConvertError::Overflow)?;
        Ok(Money { amount: round_to_minor_unit(amount, to), currency: to.clone() })
    }

    /// `money` in the base currency (see [`Rates::convert`]).
    pub fn to_base(&self, money: &Money) -> Result<Money, ConvertError> {
        match &self.base {
            Some(base) => self.convert(money, base),
            None => Err(ConvertError::Missing(vec![money.currency.clone()])),
        }
    }

    /// What reports say about their amounts: "Amounts in USD; EUR at 1.08 USD, GBP at
    /// 1.27 USD (rates as of 2026-11-01)". Only the rates of `used` currencies are
    /// named; `None` without a base.
    pub fn statement(&self, used: &[Arc<str>]) -> Option<String> {
        let base = self.base.as_deref()?;
        let named: Vec<String> = self
            .rates
            .iter()
            .filter(|(code, _)| used.contains(code))
            .map(|(code, rate)| format!("{code} at {} {base}", super::value::format_decimal(*rate)))
            .collect();
        let mut text = format!("Amounts in {base}");
        if !named.is_empty() {
            text.push_str("; ");
            text.push_str(&named.join(", "));
            if let Some(date) = self.as_of {
                text.push_str(&format!(" (rates as of {date})"));
            }
        }
        Some(text)
    }
}

/// `amount` rounded to the minor unit of `code`, half to even; unchanged for a currency
/// without one.
pub fn round_to_minor_unit(amount: Decimal, code: &str) -> Decimal {
    match lookup(code).and_then(|currency| currency.minor_unit) {
        Some(digits) => amount.round_dp_with_strategy(digits, RoundingStrategy::MidpointNearestEven),
        None => amount,
    }
}

/// The active codes of ISO 4217, sorted by code.
pub const CURRENCIES: [Currency; 179] = [
    Currency { code: "AED", minor_unit: Some(2), name: "UAE Dirham" },
    Currency { code: "AFN", minor_unit: Some(2), name: "Afghani" },
    Currency { code: "ALL", minor_unit: Some(2), name: "Lek" },
    Currency { code: "AMD", minor_unit: Some(2), name: "Armenian Dram" },
    Currency { code: "AOA", minor_unit: Some(2), name: "Kwanza" },
    Currency { code: "ARS", minor_unit: Some(2), name: "Argentine Peso" },
    Currency { code: "AUD", minor_unit: Some(2), name: "Australian Dollar" },
    Currency { code: "AWG", minor_unit: Some(2), name: "Aruban Florin" },
    Currency { code: "AZN", minor_unit: Some(2), name: "Azerbaijan Manat" },
    Currency { code: "BAM", minor_unit: Some(2), name: "Convertible Mark" },
    Currency { code: "BBD", minor_unit: Some(2), name: "Barbados Dollar" },
    Currency { code: "BDT", minor_unit: Some(2), name: "Taka" },
    Currency { code: "BGN", minor_unit: Some(2), name: "Bulgarian Lev" },
    Currency { code: "BHD", minor_unit: Some(3), name: "Bahraini Dinar" },
    Currency { code: "BIF", minor_unit: Some(0), name: "Burundi Franc" },
    Currency { code: "BMD", minor_unit: Some(2), name: "Bermudian Dollar" },
    Currency { code: "BND", minor_unit: Some(2), name: "Brunei Dollar" },
    Currency { code: "BOB", minor_unit: Some(2), name: "Boliviano" },
    Currency { code: "BOV", minor_unit: Some(2), name: "Mvdol" },
    Currency { code: "BRL", minor_unit: Some(2), name: "Brazilian Real" },
    Currency { code: "BSD", minor_unit: Some(2), name: "Bahamian Dollar" },
    Currency { code: "BTN", minor_unit: Some(2), name: "Ngultrum" },
    Currency { code: "BWP", minor_unit: Some(2), name: "Pula" },
    Currency { code: "BYN", minor_unit: Some(2), name: "Belarusian Ruble" },
    Currency { code: "BZD", minor_unit: Some(2), name: "Belize Dollar" },
    Currency { code: "CAD", minor_unit: Some(2), name: "Canadian Dollar" },
    Currency { code: "CDF", minor_unit: Some(2), name: "Congolese Franc" },
    Currency { code: "CHE", minor_unit: Some(2), name: "WIR Euro" },
    Currency { code: "CHF", minor_unit: Some(2), name: "Swiss Franc" },
    Currency { code: "CHW", minor_unit: Some(2), name: "WIR Franc" },
    Currency { code: "CLF", minor_unit: Some(4), name: "Unidad de Fomento" },
    Currency { code: "CLP", minor_unit: Some(0), name: "Chilean Peso" },
    Currency { code: "CNY", minor_unit: Some(2), name: "Yuan Renminbi" },
    Currency { code: "COP", minor_unit: Some(2), name: "Colombian Peso" },
    Currency { code: "COU", minor_unit: Some(2), name: "Unidad de Valor Real" },
    Currency { code: "CRC", minor_unit: Some(2), name: "Costa Rican Colon" },
    Currency { code: "CUC", minor_unit: Some(2), name: "Peso Convertible" },
    Currency { code: "CUP", minor_unit: Some(2), name: "Cuban Peso" },
    Currency { code: "CVE", minor_unit: Some(2), name: "Cabo Verde Escudo" },
    Currency { code: "CZK", minor_unit: Some(2), name: "Czech Koruna" },
    Currency { code: "DJF", minor_unit: Some(0), name: "Djibouti Franc" },
    Currency { code: "DKK", minor_unit: Some(2), name: "Danish Krone" },
    Currency { code: "DOP", minor_unit: Some(2), name: "Dominican Peso" },
    Currency { code: "DZD", minor_unit: Some(2), name: "Algerian Dinar" },
    Currency { code: "EGP", minor_unit: Some(2), name: "Egyptian Pound" },
    Currency { code: "ERN", minor_unit: Some(2), name: "Nakfa" },
    Currency { code: "ETB", minor_unit: Some(2), name: "Ethiopian Birr" },
    Currency { code: "EUR", minor_unit: Some(2), name: "Euro" },
    Currency { code: "FJD", minor_unit: Some(2), name: "Fiji Dollar" },
    Currency { code: "FKP", minor_unit: Some(2), name: "Falkland Islands Pound" },
    Currency { code: "GBP", minor_unit: Some(2), name: "Pound Sterling" },
    Currency { code: "GEL", minor_unit: Some(2), name: "Lari" },
    Currency { code: "GHS", minor_unit: Some(2), name: "Ghana Cedi" },
    Currency { code: "GIP", minor_unit: Some(2), name: "Gibraltar Pound" },
    Currency { code: "GMD", minor_unit: Some(2), name: "Dalasi" },
    Currency { code: "GNF", minor_unit: Some(0), name: "Guinean Franc" },
    Currency { code: "GTQ", minor_unit: Some(2), name: "Quetzal" },
    Currency { code: "GYD", minor_unit: Some(2), name: "Guyana Dollar" },
    Currency { code: "HKD", minor_unit: Some(2), name: "Hong Kong Dollar" },
    Currency { code: "HNL", minor_unit: Some(2), name: "Lempira" },
    Currency { code: "HTG", minor_unit: Some(2), name: "Gourde" },
    Currency { code: "HUF", minor_unit: Some(2), name: "Forint" },
    Currency { code: "IDR", minor_unit: Some(2), name: "Rupiah" },
    Currency { code: "ILS", minor_unit: Some(2), name: "New Israeli Sheqel" },
    Currency { code: "INR", minor_unit: Some(2), name: "Indian Rupee" },
    Currency { code: "IQD", minor_unit: Some(3), name: "Iraqi Dinar" },
    Currency { code: "IRR", minor_unit: Some(2), name: "Iranian Rial" },
    Currency { code: "ISK", minor_unit: Some(0), name: "Iceland Krona" },
    Currency { code: "JMD", minor_unit: Some(2), name: "Jamaican Dollar" },
    Currency { code: "JOD", minor_unit: Some(3), name: "Jordanian Dinar" },
    Currency { code: "JPY", minor_unit: Some(0), name: "Yen" },
    Currency { code: "KES", minor_unit: Some(2), name: "Kenyan Shilling" },
    Currency { code: "KGS", minor_unit: Some(2), name: "Som" },
    Currency { code: "KHR", minor_unit: Some(2), name: "Riel" },
    Currency { code: "KMF", minor_unit: Some(0), name: "Comorian Franc" },
    Currency { code: "KPW", minor_unit: Some(2), name: "North Korean Won" },
    Currency { code: "KRW", minor_unit: Some(0), name: "Won" },
    Currency { code: "KWD", minor_unit: Some(3), name: "Kuwaiti Dinar" },
    Currency { code: "KYD", minor_unit: Some(2), name: "Cayman Islands Dollar" },
    Currency { code: "KZT", minor_unit: Some(2), name: "Tenge" },
    Currency { code: "LAK", minor_unit: Some(2), name: "Lao Kip" },
    Currency { code: "LBP", minor_unit: Some(2), name: "Lebanese Pound" },
    Currency { code: "LKR", minor_unit: Some(2), name: "Sri Lanka Rupee" },
    Currency { code: "LRD", minor_unit: Some(2), name: "Liberian Dollar" },
    Currency { code: "LSL", minor_unit: Some(2), name: "Loti" },
    Currency { code: "LYD", minor_unit: Some(3), name: "Libyan Dinar" },
    Currency { code: "MAD", minor_unit: Some(2), name: "Moroccan Dirham" },
    Currency { code: "MDL", minor_unit: Some(2), name: "Moldovan Leu" },
    Currency { code: "MGA", minor_unit: Some(2), name: "Malagasy Ariary" },
    Currency { code: "MKD", minor_unit: Some(2), name: "Denar" },
    Currency { code: "MMK", minor_unit: Some(2), name: "Kyat" },
    Currency { code: "MNT", minor_unit: Some(2), name: "Tugrik" },
    Currency { code: "MOP", minor_unit: Some(2), name: "Pataca" },
    Currency { code: "MRU", minor_unit: Some(2), name: "Ouguiya" },
    Currency { code: "MUR", minor_unit: Some(2), name: "Mauritius Rupee" },
    Currency { code: "MVR", minor_unit: Some(2), name: "Rufiyaa" },
    Currency { code: "MWK", minor_unit: Some(2), name: "Malawi Kwacha" },
    Currency { code: "MXN", minor_unit: Some(2), name: "Mexican Peso" },
    Currency { code: "MXV", minor_unit: Some(2), name: "Mexican Unidad de Inversion (UDI)" },
    Currency { code: "MYR", minor_unit: Some(2), name: "Malaysian Ringgit" },
    Currency { code: "MZN", minor_unit: Some(2), name: "Mozambique Metical" },
    Currency { code: "NAD", minor_unit: Some(2), name: "Namibia Dollar" },
    Currency { code: "NGN", minor_unit: Some(2), name: "Naira" },
    Currency { code: "NIO", minor_unit: Some(2), name: "Cordoba Oro" },
    Currency { code: "NOK", minor_unit: Some(2), name: "Norwegian Krone" },
    Currency { code: "NPR", minor_unit: Some(2), name: "Nepalese Rupee" },
    Currency { code: "NZD", minor_unit: Some(2), name: "New Zealand Dollar" },
    Currency { code: "OMR", minor_unit: Some(3), name: "Rial Omani" },
    Currency { code: "PAB", minor_unit: Some(2), name: "Balboa" },
    Currency { code: "PEN", minor_unit: Some(2), name: "Sol" },
    Currency { code: "PGK", minor_unit: Some(2), name: "Kina" },
    Currency { code: "PHP", minor_unit: Some(2), name: "Philippine Peso" },
    Currency { code: "PKR", minor_unit: Some(2), name: "Pakistan Rupee" },
    Currency { code: "PLN", minor_unit: Some(2), name: "Zloty" },
    Currency { code: "PYG", minor_unit: Some(0), name: "Guarani" },
    Currency { code: "QAR", minor_unit: Some(2), name: "Qatari Rial" },
    Currency { code: "RON", minor_unit: Some(2), name: "Romanian Leu" },
    Currency { code: "RSD", minor_unit: Some(2), name: "Serbian Dinar" },
    Currency { code: "RUB", minor_unit: Some(2), name: "Russian Ruble" },
    Currency { code: "RWF", minor_unit: Some(0), name: "Rwanda Franc" },
    Currency { code: "SAR", minor_unit: Some(2), name: "Saudi Riyal" },
    Currency { code: "SBD", minor_unit: Some(2), name: "Solomon Islands Dollar" },
    Currency { code: "SCR", minor_unit: Some(2), name: "Seychelles Rupee" },
    Currency { code: "SDG", minor_unit: Some(2), name: "Sudanese Pound" },
    Currency { code: "SEK", minor_unit: Some(2), name: "Swedish Krona" },
    Currency { code: "SGD", minor_unit: Some(2), name: "Singapore Dollar" },
    Currency { code: "SHP", minor_unit: Some(2), name: "Saint Helena Pound" },
    Currency { code: "SLE", minor_unit: Some(2), name: "Leone" },
    Currency { code: "SOS", minor_unit: Some(2), name: "Somali Shilling" },
    Currency { code: "SRD", minor_unit: Some(2), name: "Surinam Dollar" },
    Currency { code: "SSP", minor_unit: Some(2), name: "South Sudanese Pound" },
    Currency { code: "STN", minor_unit: Some(2), name: "Dobra" },
    Currency { code: "SVC", minor_unit: Some(2), name: "El Salvador Colon" },
    Currency { code: "SYP", minor_unit: Some(2), name: "Syrian Pound" },
    Currency { code: "SZL", minor_unit: Some(2), name: "Lilangeni" },
    Currency { code: "THB", minor_unit: Some(2), name: "Baht" },
    Currency { code: "TJS", minor_unit: Some(2), name: "Somoni" },
    Currency { code: "TMT", minor_unit: Some(2), name: "Turkmenistan New Manat" },
    Currency { code: "TND", minor_unit: Some(3), name: "Tunisian Dinar" },
    Currency { code: "TOP", minor_unit: Some(2), name: "Pa'anga" },
    Currency { code: "TRY", minor_unit: Some(2), name: "Turkish Lira" },
    Currency { code: "TTD", minor_unit: Some(2), name: "Trinidad and Tobago Dollar" },
    Currency { code: "TWD", minor_unit: Some(2), name: "New Taiwan Dollar" },
    Currency { code: "TZS", minor_unit: Some(2), name: "Tanzanian Shilling" },
    Currency { code: "UAH", minor_unit: Some(2), name: "Hryvnia" },
    Currency { code: "UGX", minor_unit: Some(0), name: "Uganda Shilling" },
    Currency { code: "USD", minor_unit: Some(2), name: "US Dollar" },
    Currency { code: "USN", minor_unit: Some(2), name: "US Dollar (Next day)" },
    Currency { code: "UYI", minor_unit: Some(0), name: "Uruguay Peso en Unidades Indexadas (UI)" },
    Currency { code: "UYU", minor_unit: Some(2), name: "Peso Uruguayo" },
    Currency { code: "UYW", minor_unit: Some(4), name: "Unidad Previsional" },
    Currency { code: "UZS", minor_unit: Some(2), name: "Uzbekistan Sum" },
    Currency { code: "VED", minor_unit: Some(2), name: "Bolivar Soberano" },
    Currency { code: "VES", minor_unit: Some(2), name: "Bolivar Soberano" },
    Currency { code: "VND", minor_unit: Some(0), name: "Dong" },
    Currency { code: "VUV", minor_unit: Some(0), name: "Vatu" },
    Currency { code: "WST", minor_unit: Some(2), name: "Tala" },
    Currency { code: "XAF", minor_unit: Some(0), name: "CFA Franc BEAC" },
    Currency { code: "XAG", minor_unit: None, name: "Silver" },
    Currency { code: "XAU", minor_unit: None, name: "Gold" },
    Currency { code: "XBA", minor_unit: None, name: "Bond Markets Unit European Composite Unit (EURCO)" },
    Currency { code: "XBB", minor_unit: None, name: "Bond Markets Unit European Monetary Unit (E.M.U.-6)" },
    Currency {
        code: "XBC",
        minor_unit: None,
        name: "Bond Markets Unit European Unit of Account 9 (E.U.A.-9)",
    },
    Currency {
        code: "XBD",
        minor_unit: None,
        name: "Bond Markets Unit European Unit of Account 17 (E.U.A.-17)",
    },
    Currency { code: "XCD", minor_unit: Some(2), name: "East Caribbean Dollar" },
    Currency { code: "XCG", minor_unit: Some(2), name: "Caribbean Guilder" },
    Currency { code: "XDR", minor_unit: None, name: "SDR (Special Drawing Right)" },
    Currency { code: "XOF", minor_unit: Some(0), name: "CFA Franc BCEAO" },
    Currency { code: "XPD", minor_unit: None, name: "Palladium" },
    Currency { code: "XPF", minor_unit: Some(0), name: "CFP Franc" },
    Currency { code: "XPT", minor_unit: None, name: "Platinum" },
    Currency { code: "XSU", minor_unit: None, name: "Sucre" },
    Currency { code: "XTS", minor_unit: None, name: "Codes specifically reserved for testing purposes" },
    Currency { code: "XUA", minor_unit: None, name: "ADB Unit of Account" },
    Currency {
        code: "XXX",
        minor_unit: None,
        name: "The codes assigned for transactions where no currency is involved",
    },
    Currency { code: "YER", minor_unit: Some(2), name: "Yemeni Rial" },
    Currency { code: "ZAR", minor_unit: Some(2), name: "Rand" },
    Currency { code: "ZMW", minor_unit: Some(2), name: "Zambian Kwacha" },
    Currency { code: "ZWG", minor_unit: Some(2), name: "Zimbabwe Gold" },
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn money(amount: &str, currency: &str) -> Money {
        Money { amount: Decimal::from_str(amount).unwrap(), currency: Arc::from(currency) }
    }

    #[test]
    fn the_list_is_sorted_and_every_code_is_three_capitals() {
        assert!(CURRENCIES.windows(2).all(|pair| pair[0].code < pair[1].code));
        assert!(CURRENCIES.iter().all(|currency| {
            currency.code.len() == 3 && currency.code.bytes().all(|byte| byte.is_ascii_uppercase())
        }));
        assert_eq!(lookup("EUR").map(|currency| currency.name), Some("Euro"));
        assert!(!is_known("ANG"));
    }

    #[test]
    fn a_transposition_is_one_edit() {
        assert_eq!(closest("UDS"), Some("USD"));
        assert_eq!(closest("EUT"), Some("EUR"));
        assert_eq!(closest("usd"), Some("USD"));
        assert_eq!(closest("XYZ"), None);
    }

    #[test]
    fn conversion_goes_through_the_base_and_rounds_half_to_even() {
        let rates = Rates {
            base: Some(Arc::from("USD")),
            rates: vec![
                (Arc::from("EUR"), Decimal::from_str("1.08").unwrap()),
                (Arc::from("JPY"), Decimal::from_str("0.0067").unwrap()),
                (Arc::from("CHF"), Decimal::from_str("0.5").unwrap()),
            ],
            as_of: None,
        };
        let usd: Arc<str> = Arc::from("USD");
        let eur: Arc<str> = Arc::from("EUR");
        let jpy: Arc<str> = Arc::from("JPY");
        assert_eq!(rates.convert(&money("100", "EUR"), &usd).unwrap(), money("108.00", "USD"));
        // 0.25 CHF is 0.125 USD, and 0.35 CHF 0.175 USD: a half cent goes to the even cent.
        assert_eq!(rates.convert(&money("0.25", "CHF"), &usd).unwrap().amount.to_string(), "0.12");
        assert_eq!(rates.convert(&money("0.35", "CHF"), &usd).unwrap().amount.to_string(), "0.18");
        // EUR → JPY: 1 EUR = 1.08 / 0.0067 = 161.19… JPY, no minor unit.
        assert_eq!(rates.convert(&money("1", "EUR"), &jpy).unwrap().amount.to_string(), "161");
        assert_eq!(
            rates.convert(&money("1", "GBP"), &eur),
            Err(ConvertError::Missing(vec![Arc::from("GBP")]))
        );
    }
}
