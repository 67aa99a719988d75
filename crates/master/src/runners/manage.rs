//! `manage`: which minions are up. "Up" means the minion holds a live,
//! authenticated connection that answers keep-alive pings; unlike Salt we do
//! not need to publish a `test.ping` to know.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::Runner;
use crate::state::{Shared, read};

pub(crate) const UP: Runner = Runner {
    name: "manage.up",
    doc: "List the accepted minions that are connected.\n\nCLI Example:\n\n    halite run manage.up",
    call: |shared, _, _| Ok(json!(split(shared).0)),
};

pub(crate) const DOWN: Runner = Runner {
    name: "manage.down",
    doc: "List the accepted minions that are not connected.\n\nCLI Example:\n\n    halite run manage.down",
    call: |shared, _, _| Ok(json!(split(shared).1)),
};

pub(crate) const STATUS: Runner = Runner {
    name: "manage.status",
    doc: "Both lists: {\"up\": [...], \"down\": [...]}.\n\nCLI Example:\n\n    halite run manage.status",
    call: status,
};

fn status(shared: &Arc<Shared>, _: &[Value], _: &Map<String, Value>) -> Result<Value, String> {
    let (up, down) = split(shared);
    Ok(json!({"up": up, "down": down}))
}

fn split(shared: &Arc<Shared>) -> (Vec<String>, Vec<String>) {
    let minions = read(&shared.minions);
    let mut up = Vec::new();
    let mut down = Vec::new();
    for (id, entry) in minions.iter() {
        if entry.conn.is_some() {
            up.push(id.to_string())
        } else {
            down.push(id.to_string())
        }
    }
    up.sort();
    down.sort();
    (up, down)
}
