//! Where requests go: Alipay's regional gateways, or a base URL of your own
//! (the local sandbox, a test server).
//! <https://docs.antom.com/ac/ams/api_fund>

use std::fmt;
use std::str::FromStr;

/// An Alipay gateway. Pick the one your Antom Dashboard shows under
/// "Gateway Endpoint"; a wrong region is one of the most common integration
/// mistakes.
///
/// Parses from configuration text (`"asia"`, `"north-america"`,
/// `"north-america-us"`, `"europe"`, in any case and with `_` or `-`, or an
/// `https://` / `http://` URL):
///
/// ```
/// use alipay_ams_client::Gateway;
///
/// assert_eq!("North_America".parse::<Gateway>()?, Gateway::NorthAmerica);
/// assert_eq!("http://127.0.0.1:8686".parse::<Gateway>()?, Gateway::custom("http://127.0.0.1:8686"));
/// assert!("mars".parse::<Gateway>().unwrap_err().to_string().contains("north-america-us"));
/// # Ok::<(), alipay_ams_client::ParseGatewayError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Gateway {
    /// Asia: `https://open-sea-global.alipay.com`.
    Asia,
    /// North America, merchants outside the US: `https://open-na-global.alipay.com`.
    NorthAmerica,
    /// North America, US merchants: `https://open.antglobal-us.com`.
    NorthAmericaUs,
    /// Europe: `https://open-de-global.alipay.com`.
    Europe,
    /// Any other base URL (`scheme://host[:port]`, no path), such as the local
    /// sandbox. Checked by [`ClientBuilder::build`](crate::ClientBuilder::build):
    /// plain `http` is accepted only for loopback hosts unless
    /// [`allow_insecure_http`](crate::ClientBuilder::allow_insecure_http) is set.
    Custom(String),
}

/// The region names [`Gateway::from_str`] accepts, with their gateways.
const NAMES: [(&str, Gateway); 4] = [
    ("asia", Gateway::Asia),
    ("north-america", Gateway::NorthAmerica),
    ("north-america-us", Gateway::NorthAmericaUs),
    ("europe", Gateway::Europe),
];

impl Gateway {
    /// A custom base URL, e.g. `http://127.0.0.1:8080` for the local sandbox.
    pub fn custom(base_url: impl Into<String>) -> Self {
        Gateway::Custom(base_url.into())
    }

    /// The base URL requests are sent to.
    pub fn base_url(&self) -> &str {
        match self {
            Gateway::Asia => "https://open-sea-global.alipay.com",
            Gateway::NorthAmerica => "https://open-na-global.alipay.com",
            Gateway::NorthAmericaUs => "https://open.antglobal-us.com",
            Gateway::Europe => "https://open-de-global.alipay.com",
            Gateway::Custom(url) => url,
        }
    }
}

/// Text that names no region and is not an http(s) URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseGatewayError(String);

impl fmt::Display for ParseGatewayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "gateway {:?} is not a region name (asia, north-america, north-america-us, europe) and not an absolute \
             URL (https://host[:port], or http://127.0.0.1:PORT for a local server): use the region your Antom \
             Dashboard shows under \"Gateway Endpoint\"",
            self.0
        )
    }
}

impl std::error::Error for ParseGatewayError {}

impl FromStr for Gateway {
    type Err = ParseGatewayError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        let name = trimmed.to_ascii_lowercase().replace('_', "-");
        if let Some((_, gateway)) = NAMES.iter().find(|(known, _)| *known == name) {
            return Ok(gateway.clone());
        }
        if name.starts_with("https://") || name.starts_with("http://") {
            // The URL itself is checked when the client is built.
            return Ok(Gateway::Custom(trimmed.to_owned()));
        }
        Err(ParseGatewayError(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names_parse_in_any_case_and_with_either_separator() {
        for (text, expected) in [
            ("asia", Gateway::Asia),
            ("ASIA", Gateway::Asia),
            ("north-america", Gateway::NorthAmerica),
            ("North_America", Gateway::NorthAmerica),
            ("north_america_us", Gateway::NorthAmericaUs),
            ("NORTH-AMERICA-US", Gateway::NorthAmericaUs),
            (" europe ", Gateway::Europe),
            (
                "https://gw.example:8443",
                Gateway::custom("https://gw.example:8443"),
            ),
            ("HTTP://127.0.0.1:1", Gateway::custom("HTTP://127.0.0.1:1")),
        ] {
            assert_eq!(text.parse::<Gateway>(), Ok(expected), "{text}");
        }
        for bad in [
            "",
            "mars",
            "northamerica",
            "open-sea-global.alipay.com",
            "ftp://x",
        ] {
            let error = bad.parse::<Gateway>().unwrap_err();
            let text = error.to_string();
            assert!(
                text.contains("north-america-us") && text.contains("not an absolute URL"),
                "{text}"
            );
        }
    }
}
