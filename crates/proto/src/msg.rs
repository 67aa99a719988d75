//! Messages. `MinionMsg` flows minion → master, `MasterMsg` master → minion,
//! `CliRequest` / `CliReply` between the CLI and its local master.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Jid, MinionId};

/// Minion → master.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum MinionMsg {
    /// First frame after the TLS handshake: who the minion says it is. The
    /// master binds the id to the TLS-proven public key through its key store.
    Hello { version: u16, id: MinionId },
    /// The minion's grains, sent once accepted and on `saltutil.refresh_grains`.
    Grains { grains: Value },
    /// The result of one job.
    Return(JobReturn),
    /// Keep-alive answer.
    Pong,
    /// Something a running job needs from the master (a `salt://` file,
    /// this minion's pillar); answered by `MasterMsg::Response` with the
    /// same `req_id`.
    Request { req_id: u64, req: MinionRequest },
}

/// What a minion may ask its master. The master answers only about the
/// asking minion (its own pillar) and only from its file roots.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MinionRequest {
    /// The sha256 of `salt://<path>` in `saltenv`, or nothing if absent.
    FileHash { saltenv: String, path: String },
    /// The contents of `salt://<path>` in `saltenv`.
    GetFile { saltenv: String, path: String },
    /// Every file path in `saltenv`.
    FileList { saltenv: String },
    /// Every directory path in `saltenv`.
    DirList { saltenv: String },
    /// Every SLS name in `saltenv` (`a.b` for `a/b.sls` and `a/b/init.sls`).
    ListStates { saltenv: String },
    /// This minion's pillar, compiled on the master with the minion's
    /// grains (`pillar_override` merged on top, as `pillar=` on the CLI).
    Pillar {
        saltenv: Option<String>,
        #[serde(default)]
        pillar_override: Option<Value>,
    },
}

/// The master's answer to a `MinionRequest`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MasterResponse {
    Hash {
        sha256: Option<String>,
    },
    File {
        #[serde(with = "serde_bytes")]
        data: Vec<u8>,
    },
    NotFound,
    List {
        items: Vec<String>,
    },
    Pillar {
        pillar: Value,
    },
    /// The request was refused or failed; `message` is for the user.
    Error {
        message: String,
    },
}

/// Master → minion.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum MasterMsg {
    /// Answer to `Hello`. Anything but `Accepted` is followed by a close.
    Verdict { status: KeyVerdict, reason: String },
    /// Run a job.
    Publish(Publish),
    /// The master has stored the return for `jid` durably; the minion may
    /// drop it from its outbox.
    ReturnAck { jid: Jid },
    /// Keep-alive probe; the minion answers `Pong`.
    Ping,
    /// Answer to `MinionMsg::Request`.
    Response { req_id: u64, res: MasterResponse },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyVerdict {
    Accepted,
    Pending,
    Rejected,
    Denied,
    BadVersion,
}

/// A job as a minion receives it (Salt's publish load).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Publish {
    pub jid: Jid,
    pub fun: String,
    #[serde(default)]
    pub arg: Vec<Value>,
    #[serde(default)]
    pub kwarg: Map<String, Value>,
    #[serde(default)]
    pub tgt: String,
    #[serde(default)]
    pub tgt_type: String,
    #[serde(default)]
    pub user: String,
}

/// One minion's result for one job (Salt's return load).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JobReturn {
    pub jid: Jid,
    pub id: MinionId,
    pub fun: String,
    #[serde(default)]
    pub fun_args: Vec<Value>,
    #[serde(rename = "return")]
    pub ret: Value,
    #[serde(default)]
    pub retcode: i32,
    #[serde(default = "yes")]
    pub success: bool,
    /// Outputter hint (`highstate` for state functions), as Salt's `out`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out: Option<String>,
}

fn yes() -> bool {
    true
}

/// CLI → master, over the master's local Unix socket.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum CliRequest {
    /// Publish a job and (unless `is_async`) stream its returns.
    Publish {
        tgt: String,
        tgt_type: String,
        fun: String,
        #[serde(default)]
        arg: Vec<Value>,
        #[serde(default)]
        kwarg: Map<String, Value>,
        /// Seconds to wait for a silent minion before asking whether it is
        /// still running the job (Salt's `-t`).
        timeout: f64,
        #[serde(default)]
        is_async: bool,
        #[serde(default)]
        user: String,
    },
    /// Key management (`halite key`).
    Key(KeyAction),
    /// Run a runner function on the master (`halite run`).
    Runner {
        fun: String,
        #[serde(default)]
        arg: Vec<Value>,
        #[serde(default)]
        kwarg: Map<String, Value>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum KeyAction {
    List,
    /// Accept the named keys; glob patterns as in `salt-key -a` (`*` for `-A`).
    Accept {
        pattern: String,
        include_rejected: bool,
        include_denied: bool,
    },
    Reject {
        pattern: String,
        include_accepted: bool,
        include_denied: bool,
    },
    Delete {
        pattern: String,
    },
    Finger {
        pattern: String,
    },
}

/// Master → CLI.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum CliReply {
    /// The job was published. `expected` are the minions that were sent the
    /// job; `not_connected` matched the target but have no live connection.
    Published {
        jid: Jid,
        expected: Vec<MinionId>,
        not_connected: Vec<MinionId>,
    },
    /// One minion's return, streamed as it arrives.
    Return(JobReturn),
    /// No more returns will be streamed for this job.
    Done { missing: Vec<Missing> },
    /// Answer to a `Key` or `Runner` request.
    Data { data: Value },
    /// The request failed; `message` is for the user.
    Error { message: String },
}

/// A minion that was expected to return and did not.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Missing {
    pub id: MinionId,
    pub reason: MissingReason,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MissingReason {
    /// The minion had no connection to the master at publish time or lost
    /// it before answering.
    NotConnected,
    /// The minion was connected but did not answer in time.
    NoResponse,
}

impl MissingReason {
    /// Salt's wording, as printed in place of the return.
    pub fn salt_message(self) -> &'static str {
        match self {
            MissingReason::NotConnected => "Minion did not return. [Not connected]",
            MissingReason::NoResponse => "Minion did not return. [No response]",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_and_garbage_is_an_error() {
        let msg = MinionMsg::Return(JobReturn {
            jid: Jid::parse("20261124135743123456").unwrap(),
            id: MinionId::new("web1").unwrap(),
            fun: "test.ping".into(),
            fun_args: vec![],
            ret: Value::Bool(true),
            retcode: 0,
            success: true,
            out: None,
        });
        let bytes = crate::encode(&msg).unwrap();
        match crate::decode::<MinionMsg>(&bytes).unwrap() {
            MinionMsg::Return(r) => assert_eq!(r.ret, Value::Bool(true)),
            other => panic!("unexpected {other:?}"),
        }
        assert!(crate::decode::<MinionMsg>(b"\xff\x00garbage").is_err());
        assert!(crate::decode::<MinionMsg>(&[]).is_err());
    }
}
