//! Minion ids. An id names a key file on the master, so it is validated once
//! here and every other crate can use it as a path component safely.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A validated minion id: 1 to 255 bytes, no path separators, no NUL or
/// control characters, not `.`/`..` and not starting with a dot.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct MinionId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("minion id is empty")]
    Empty,
    #[error("minion id is longer than 255 bytes")]
    TooLong,
    #[error(
        "minion id {0:?} contains a character that is not allowed (path separator, whitespace or control character)"
    )]
    BadChar(String),
    #[error("minion id {0:?} may not start with a dot")]
    LeadingDot(String),
}

impl MinionId {
    pub fn new(id: impl Into<String>) -> Result<Self, IdError> {
        let id = id.into();
        if id.is_empty() {
            return Err(IdError::Empty);
        }
        if id.len() > 255 {
            return Err(IdError::TooLong);
        }
        if id
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control() || c.is_whitespace())
        {
            return Err(IdError::BadChar(id));
        }
        if id.starts_with('.') {
            return Err(IdError::LeadingDot(id));
        }
        Ok(MinionId(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MinionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for MinionId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        MinionId::new(s).map_err(serde::de::Error::custom)
    }
}

impl AsRef<str> for MinionId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_ids_that_could_escape_a_directory() {
        for bad in [
            "", "..", ".", "../x", "a/b", "a\\b", "a\0b", ".hidden", "a b",
        ] {
            assert!(MinionId::new(bad).is_err(), "{bad:?} was accepted");
        }
        for good in ["web1", "db-01.example.com", "node_3", "x"] {
            assert_eq!(MinionId::new(good).unwrap().as_str(), good);
        }
    }

    #[test]
    fn deserialising_validates() {
        let bytes = crate::encode(&"../etc").unwrap();
        assert!(crate::decode::<MinionId>(&bytes).is_err());
    }
}
