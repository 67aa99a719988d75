//! Salt-format job ids: `YYYYMMDDhhmmssffffff` in UTC (20 digits).

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// A job id. Salt's format is kept so that users can paste jids between
/// tools and sort them by time.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Jid(String);

impl Jid {
    /// Parses a jid given by a user or a peer: exactly 20 ASCII digits.
    pub fn parse(s: &str) -> Option<Jid> {
        (s.len() == 20 && s.bytes().all(|b| b.is_ascii_digit())).then(|| Jid(s.to_owned()))
    }

    /// The jid for a point in time (microsecond resolution).
    pub fn from_time(t: SystemTime) -> Jid {
        let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
        let secs = d.as_secs() as i64;
        let micros = d.subsec_micros();
        let (y, mo, da) = civil_from_days(secs.div_euclid(86_400));
        let sod = secs.rem_euclid(86_400);
        Jid(format!(
            "{y:04}{mo:02}{da:02}{:02}{:02}{:02}{micros:06}",
            sod / 3600,
            (sod / 60) % 60,
            sod % 60
        ))
    }

    /// The jid after `self` by one microsecond, used to keep jids unique when
    /// two jobs are published within the same microsecond.
    pub fn successor_of(prev: &Jid, candidate: Jid) -> Jid {
        if candidate > *prev {
            return candidate;
        }
        // Incrementing the decimal string keeps the format and the order.
        let mut digits: Vec<u8> = prev.0.bytes().collect();
        for d in digits.iter_mut().rev() {
            if *d == b'9' {
                *d = b'0';
            } else {
                *d += 1;
                break;
            }
        }
        Jid(String::from_utf8(digits).unwrap_or_else(|_| prev.0.clone()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Salt's human form of the jid's time, e.g. `2026, Nov 24 13:57:43.123456`.
    pub fn start_time(&self) -> String {
        let s = &self.0;
        let month = s[4..6].parse::<usize>().unwrap_or(1).clamp(1, 12);
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        format!(
            "{}, {} {} {}:{}:{}.{}",
            &s[0..4],
            MONTHS[month - 1],
            &s[6..8],
            &s[8..10],
            &s[10..12],
            &s[12..14],
            &s[14..20]
        )
    }
}

impl fmt::Display for Jid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// algorithm), so proto needs no date crate.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_like_salt() {
        let t = UNIX_EPOCH + Duration::from_micros(1_795_960_663_123_456);
        let jid = Jid::from_time(t);
        assert_eq!(jid.as_str(), "20261129135743123456");
        assert_eq!(jid.start_time(), "2026, Nov 29 13:57:43.123456");
        assert_eq!(Jid::parse(jid.as_str()), Some(jid));
        assert_eq!(Jid::parse("2026"), None);
        assert_eq!(Jid::parse("2026112313574312345x"), None);
    }

    #[test]
    fn successor_keeps_jids_unique_and_ordered() {
        let a = Jid::parse("20261123135743123459").unwrap();
        let b = Jid::successor_of(&a, a.clone());
        assert_eq!(b.as_str(), "20261123135743123460");
        let later = Jid::parse("20261123135744000000").unwrap();
        assert_eq!(Jid::successor_of(&a, later.clone()), later);
    }
}
