//! Running low chunks: Salt's `State.call_chunks`, `call_chunk`,
//! `check_requisite`, `call`, `call_listen` and the global arguments
//! (`unless`, `onlyif`, `creates`, `check_cmd`, `retry`, `failhard`),
//! ported from salt/state.py (3007) so that run order, requisite outcomes
//! and every comment are Salt's.
//!
//! Chunks live in one vector and are referred to by index: Salt mutates
//! the chunk dicts it shares between its list and its recursion
//! (`__prereq__`, watch turned into require), and indexes keep that
//! sharing without aliasing.
//!
//! `parallel: True` is accepted and runs sequentially: results are the
//! same, only slower.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Instant;

use serde_json::{Map, Value, json};

use halite_exec::{Args, Ctx};

use crate::api::{Behaviour, StateArgs, StateCtx, StateReturn};
use crate::compile::{LowChunk, REQUISITE_KEYWORDS, is_internal_keyword};
use crate::fnmatch::fnmatch;
use crate::registry::find_state_function;
use crate::{pystr, truthy};

/// Salt's state tag: `{state}_|-{__id__}_|-{name}_|-{fun}`.
pub fn gen_tag(low: &Map<String, Value>) -> String {
    let f = |k: &str| low.get(k).map(pystr).unwrap_or_else(|| "None".into());
    format!(
        "{}_|-{}_|-{}_|-{}",
        f("state"),
        f("__id__"),
        f("name"),
        f("fun")
    )
}

/// Options of one state run.
#[derive(Debug, Clone, Default)]
pub struct RunSettings {
    /// `test=True`: predict, change nothing.
    pub test: bool,
    /// Salt's `failhard` option: stop at the first failure.
    pub failhard: bool,
    /// Salt's `disabled_requisites`.
    pub disabled_requisites: Vec<String>,
}

/// One state run over a list of low chunks.
pub struct Runner<'a> {
    ctx: &'a Ctx,
    settings: RunSettings,
    chunks: Vec<LowChunk>,
    running: Map<String, Value>,
    pre: Map<String, Value>,
    run_num: u64,
    active: HashSet<String>,
    failhard_hit: bool,
    /// How deep `call_chunk` recursion is (see [`MAX_NESTING`]).
    nesting: u32,
    /// Chunk indexes by name and by ID, so that a requisite naming one
    /// state does not scan every chunk (rebuilt with `chunks`).
    by_name_or_id: HashMap<String, Vec<usize>>,
    /// SLS files that rendered (even to nothing): `sls` requisites on
    /// them are met.
    pub processed_sls: BTreeSet<String>,
}

/// Deepest `call_chunk` recursion allowed: a requisite chain this long
/// (each state requiring one defined after it) is far beyond real SLS
/// trees; Python's own limit stops Salt earlier.
const MAX_NESTING: u32 = 1000;

/// Stack for a state run: requisites recurse (as in Salt), so runs get a
/// thread whose stack holds [`MAX_NESTING`] levels even in debug builds.
const RUN_STACK_BYTES: usize = 256 << 20;

/// Runs `f` on a scoped thread with [`RUN_STACK_BYTES`] of stack (only
/// reserved, not committed), or inline if no thread can be started.
fn with_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    let mut f = Some(f);
    let result = std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("state-run".into())
            .stack_size(RUN_STACK_BYTES)
            .spawn_scoped(scope, || f.take().map(|f| f()));
        match spawned {
            Ok(handle) => handle.join().ok().flatten(),
            Err(_) => None,
        }
    });
    match (result, f) {
        (Some(out), _) => out,
        // The thread could not start (or panicked before running `f`):
        // run here.
        (None, Some(f)) => f(),
        (None, None) => std::panic::resume_unwind(Box::new("state run thread panicked")),
    }
}

const REQ_ORDER: &[&str] = &[
    "require",
    "require_any",
    "watch",
    "watch_any",
    "prereq",
    "onfail",
    "onfail_any",
    "onfail_all",
    "onchanges",
    "onchanges_any",
];

type Reqs = Vec<(&'static str, Vec<usize>)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Met,
    Unmet,
    Fail,
    Pre,
    Change,
    OnFail,
    OnChanges,
}

fn fake_timing() -> (Value, Value) {
    (Value::String(local_time_now()), json!(0.0))
}

/// Local wall-clock time of day as Python's `time().isoformat()`.
fn local_time_now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let offset = local_utc_offset_secs();
    let secs = (now.as_secs() as i64 + offset).rem_euclid(86400);
    format!(
        "{:02}:{:02}:{:02}.{:06}",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60,
        now.subsec_micros()
    )
}

fn local_utc_offset_secs() -> i64 {
    // SAFETY: localtime_r only writes the tm we hand it.
    unsafe {
        let t = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&t, &mut tm).is_null() {
            return 0;
        }
        tm.tm_gmtoff
    }
}

fn req_list(low: &LowChunk, key: &str) -> Vec<Value> {
    match low.get(key) {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other.clone()],
    }
}

/// Salt's `trim_req` after turning a bare string into `{id: ...}`.
fn normalise_req(req: &Value) -> Option<(String, Value)> {
    match req {
        Value::String(s) => Some(("id".into(), Value::String(s.clone()))),
        Value::Object(m) => {
            let (k, v) = m.iter().next()?;
            let k = k.split('.').next().unwrap_or(k).to_owned();
            Some((k, v.clone()))
        }
        _ => None,
    }
}

fn chunk_matches(chunk: &LowChunk, req_key: &str, req_val: &str) -> bool {
    // Most targets are plain names: compare them without building a glob.
    let matches = |field: &str| -> bool {
        let text: std::borrow::Cow<str> = match chunk.get(field) {
            Some(Value::String(s)) => std::borrow::Cow::Borrowed(s.as_str()),
            Some(other) => std::borrow::Cow::Owned(pystr(other)),
            None => std::borrow::Cow::Borrowed(""),
        };
        if crate::fnmatch::is_literal(req_val) {
            text == req_val
        } else {
            fnmatch(&text, req_val)
        }
    };
    if req_key == "sls" {
        let included = match chunk.get("__sls_included_from__") {
            Some(Value::Array(from)) => from.iter().any(|f| f.as_str() == Some(req_val)),
            _ => false,
        };
        return matches("__sls__") || included;
    }
    (req_key == "id" || chunk.get("state").and_then(Value::as_str) == Some(req_key))
        && (matches("name") || matches("__id__"))
}

fn get_bool(low: &LowChunk, key: &str) -> bool {
    low.get(key).is_some_and(truthy)
}

impl<'a> Runner<'a> {
    pub fn new(ctx: &'a Ctx, settings: RunSettings, chunks: Vec<LowChunk>) -> Runner<'a> {
        Runner {
            ctx,
            settings,
            chunks,
            running: Map::new(),
            pre: Map::new(),
            run_num: 0,
            active: HashSet::new(),
            failhard_hit: false,
            nesting: 0,
            by_name_or_id: HashMap::new(),
            processed_sls: BTreeSet::new(),
        }
    }

    /// Runs every chunk, then the `listen` watchers; returns Salt's result
    /// map (tag → result) in run order.
    pub fn run(mut self) -> Map<String, Value> {
        with_big_stack(move || {
            let ret = self.call_chunks();
            self.call_listen(ret)
        })
    }

    /// Salt's `state.sls_id` loop: runs every chunk of ID `id` (with its
    /// requisites), each from an empty result map, and merges the results.
    pub fn run_id(self, id: &str) -> Map<String, Value> {
        let mut this = self;
        with_big_stack(move || this.run_id_here(id))
    }

    fn run_id_here(&mut self, id: &str) -> Map<String, Value> {
        self.reindex();
        let mut ret = Map::new();
        for idx in 0..self.chunks.len() {
            if self.chunks[idx].get("__id__").and_then(Value::as_str) != Some(id) {
                continue;
            }
            self.running = Map::new();
            self.call_chunk(idx, 0);
            ret.extend(std::mem::take(&mut self.running));
        }
        ret
    }

    /// Indexes `self.chunks` by name and ID (see `by_name_or_id`).
    fn reindex(&mut self) {
        self.by_name_or_id.clear();
        for (j, chunk) in self.chunks.iter().enumerate() {
            for field in ["name", "__id__"] {
                let key = chunk.get(field).map(pystr).unwrap_or_default();
                let list = self.by_name_or_id.entry(key).or_default();
                if list.last() != Some(&j) {
                    list.push(j);
                }
            }
        }
    }

    /// The chunks a requisite `{req_key: req_val}` names, in chunk order
    /// (Salt scans the list; a plain name is looked up instead).
    fn matching_chunks(&self, req_key: &str, req_val: &str) -> Vec<usize> {
        if req_key != "sls" && crate::fnmatch::is_literal(req_val) {
            return self
                .by_name_or_id
                .get(req_val)
                .map(|ids| {
                    ids.iter()
                        .copied()
                        .filter(|&j| chunk_matches(&self.chunks[j], req_key, req_val))
                        .collect()
                })
                .unwrap_or_default();
        }
        (0..self.chunks.len())
            .filter(|&j| chunk_matches(&self.chunks[j], req_key, req_val))
            .collect()
    }

    /// Salt's `call_chunks`.
    fn call_chunks(&mut self) -> Map<String, Value> {
        self.reindex();
        self.running = Map::new();
        for idx in 0..self.chunks.len() {
            if self.failhard_hit {
                self.failhard_hit = false;
                break;
            }
            let tag = gen_tag(&self.chunks[idx]);
            if !self.running.contains_key(&tag) {
                self.call_chunk(idx, 0);
                if self.check_failhard(idx) {
                    break;
                }
            }
            self.active.clear();
        }
        self.failhard_hit = false;
        std::mem::take(&mut self.running)
    }

    fn check_failhard(&self, idx: usize) -> bool {
        if self.settings.test {
            return false;
        }
        let low = &self.chunks[idx];
        let failhard = low.get("failhard").map_or(self.settings.failhard, truthy);
        let tag = gen_tag(low);
        match self.running.get(&tag) {
            Some(ret) if failhard => match ret.get("result") {
                Some(Value::Null) | None => false,
                Some(r) => !truthy(r),
            },
            _ => false,
        }
    }

    /// Salt's `check_requisite`.
    fn check_requisite(&mut self, idx: usize, pre: bool) -> (Status, Reqs) {
        let state = self.chunks[idx].get("state").map(pystr).unwrap_or_default();
        let has_mod_watch = find_state_function(&format!("{state}.mod_watch")).is_some();
        let mut present = false;
        for (watch, require) in [("watch", "require"), ("watch_any", "require_any")] {
            if self.chunks[idx].contains_key(watch) {
                if has_mod_watch {
                    present = true;
                } else {
                    let moved = req_list(&self.chunks[idx], watch);
                    self.chunks[idx].shift_remove(watch);
                    let low = &mut self.chunks[idx];
                    match low.get_mut(require) {
                        Some(Value::Array(list)) => list.extend(moved),
                        _ => {
                            low.insert(require.into(), Value::Array(moved));
                        }
                    }
                }
            }
        }
        let low = &self.chunks[idx];
        for key in [
            "require",
            "require_any",
            "prerequired",
            "prereq",
            "onfail",
            "onfail_any",
            "onfail_all",
            "onchanges",
            "onchanges_any",
        ] {
            if low.contains_key(key) {
                present = true;
            }
        }
        if !present {
            return (Status::Met, Vec::new());
        }
        let mut r_states: Vec<&'static str> = REQ_ORDER.to_vec();
        if pre {
            r_states.push("prerequired");
        }
        let mut reqs: Reqs = Vec::new();
        for r_state in r_states {
            let mut found_chunks = Vec::new();
            if low.get(r_state).is_some_and(|v| !v.is_null()) {
                if self
                    .settings
                    .disabled_requisites
                    .iter()
                    .any(|d| d == r_state)
                {
                    tracing::warn!("The {r_state} requisite has been disabled, Ignoring.");
                    reqs.push((r_state, found_chunks));
                    continue;
                }
                for req in req_list(low, r_state) {
                    let Some((req_key, req_val)) = normalise_req(&req) else {
                        continue;
                    };
                    if req_val.is_null() {
                        continue;
                    }
                    let req_val = pystr(&req_val);
                    let mut found = false;
                    for j in self.matching_chunks(&req_key, &req_val) {
                        found = true;
                        found_chunks.push(j);
                    }
                    if !found && req_key == "sls" {
                        found = self.processed_sls.iter().any(|s| fnmatch(s, &req_val));
                    }
                    if !found {
                        return (Status::Unmet, Vec::new());
                    }
                }
            }
            reqs.push((r_state, found_chunks));
        }
        let mut fun_stats: BTreeSet<&'static str> = BTreeSet::new();
        for (r_state, chunk_ids) in &reqs {
            let mut req_stats: BTreeSet<&'static str> = BTreeSet::new();
            let is_prereq = r_state.starts_with("prereq") && !r_state.starts_with("prerequired");
            let run_dict = if is_prereq { &self.pre } else { &self.running };
            for &j in chunk_ids {
                let tag = gen_tag(&self.chunks[j]);
                let Some(ret) = run_dict.get(&tag) else {
                    req_stats.insert("unmet");
                    continue;
                };
                let result = ret.get("result").cloned().unwrap_or(Value::Null);
                let changed = ret.get("changes").is_some_and(truthy);
                if r_state.starts_with("onfail") {
                    if result == Value::Bool(true) {
                        req_stats.insert("onfail");
                        continue;
                    }
                } else if r_state.starts_with("onchanges") {
                    if result == Value::Bool(false) || !changed {
                        req_stats.insert("onchanges");
                    } else {
                        req_stats.insert("onchangesmet");
                    }
                    continue;
                } else if result == Value::Bool(false) {
                    req_stats.insert("fail");
                    continue;
                }
                if r_state.starts_with("watch") && changed {
                    req_stats.insert("change");
                    continue;
                }
                if r_state.starts_with("prereq")
                    && result.is_null()
                    && !r_state.starts_with("prerequired")
                {
                    req_stats.insert("premet");
                }
                if r_state.starts_with("prereq") && !result.is_null() {
                    if !r_state.starts_with("prerequired") {
                        req_stats.insert("pre");
                    }
                } else if ret.get("__state_ran__").is_none_or(truthy) {
                    req_stats.insert("met");
                }
            }
            if r_state.ends_with("_any") || *r_state == "onfail" {
                if req_stats.contains("met") || req_stats.contains("change") {
                    req_stats.remove("fail");
                }
                if req_stats.contains("onchangesmet") {
                    req_stats.remove("onchanges");
                    req_stats.remove("fail");
                }
                if req_stats.contains("onfail") && req_stats.contains("met") {
                    req_stats.remove("onfail");
                }
            }
            if r_state.ends_with("_all") && req_stats.contains("onfail") {
                req_stats.remove("met");
            }
            fun_stats.extend(req_stats);
        }
        let status = if fun_stats.contains("unmet") {
            Status::Unmet
        } else if fun_stats.contains("fail") {
            Status::Fail
        } else if fun_stats.contains("pre") {
            if fun_stats.contains("premet") {
                Status::Met
            } else {
                Status::Pre
            }
        } else if fun_stats.contains("onfail") && !fun_stats.contains("onchangesmet") {
            Status::OnFail
        } else if fun_stats.contains("onchanges") && !fun_stats.contains("onchangesmet") {
            Status::OnChanges
        } else if fun_stats.contains("change") {
            Status::Change
        } else if fun_stats.contains("onfail") {
            Status::OnFail
        } else {
            Status::Met
        };
        (status, reqs)
    }

    fn skipped_ret(
        &mut self,
        idx: usize,
        result: bool,
        comment: &str,
        state_ran: Option<bool>,
    ) -> Value {
        let (start_time, duration) = fake_timing();
        let mut ret = Map::new();
        ret.insert("changes".into(), json!({}));
        ret.insert("result".into(), Value::Bool(result));
        ret.insert("duration".into(), duration);
        ret.insert("start_time".into(), start_time);
        ret.insert("comment".into(), Value::String(comment.to_owned()));
        if let Some(ran) = state_ran {
            ret.insert("__state_ran__".into(), Value::Bool(ran));
        }
        ret.insert("__run_num__".into(), json!(self.run_num));
        self.add_identity(idx, &mut ret);
        Value::Object(ret)
    }

    fn add_identity(&self, idx: usize, ret: &mut Map<String, Value>) {
        for key in ["__sls__", "__id__", "name"] {
            ret.insert(
                key.into(),
                self.chunks[idx].get(key).cloned().unwrap_or(Value::Null),
            );
        }
    }

    fn recursive_ret(&mut self, idx: usize) -> Value {
        let mut ret = Map::new();
        ret.insert("changes".into(), json!({}));
        ret.insert("result".into(), Value::Bool(false));
        ret.insert(
            "comment".into(),
            Value::String("Recursive requisite found".into()),
        );
        ret.insert("__run_num__".into(), json!(self.run_num));
        self.add_identity(idx, &mut ret);
        Value::Object(ret)
    }

    /// Salt's `call_chunk` with a bound on nesting: Python stops a runaway
    /// requisite recursion with `RecursionError` (Salt then crashes); here
    /// the chunk fails with Salt's cycle text instead of overflowing the
    /// stack.
    fn call_chunk(&mut self, idx: usize, depth: u32) {
        if self.nesting >= MAX_NESTING {
            let tag = gen_tag(&self.chunks[idx]);
            let ret = self.recursive_ret(idx);
            self.running.insert(tag, ret);
            self.run_num += 1;
            return;
        }
        self.nesting += 1;
        self.call_chunk_inner(idx, depth);
        self.nesting -= 1;
    }

    /// Salt's `call_chunk`: runs the requisites first, then the chunk.
    fn call_chunk_inner(&mut self, idx: usize, depth: u32) {
        let tag = gen_tag(&self.chunks[idx]);
        if !get_bool(&self.chunks[idx], "prerequired") {
            self.active.insert(tag.clone());
        }
        let mut requisites: Vec<&str> = REQ_ORDER
            .iter()
            .copied()
            .filter(|r| *r != "onfail_all")
            .collect();
        let is_prereq = get_bool(&self.chunks[idx], "__prereq__");
        let (status, reqs) = if !is_prereq {
            requisites.push("prerequired");
            self.check_requisite(idx, true)
        } else {
            self.check_requisite(idx, false)
        };
        match status {
            Status::Unmet => {
                let mut lost: Vec<(&str, Vec<(String, Value)>)> = Vec::new();
                let mut req_ids: Vec<usize> = Vec::new();
                for requisite in &requisites {
                    let mut lost_here = Vec::new();
                    for req in req_list(&self.chunks[idx], requisite) {
                        let Some((req_key, req_val)) = normalise_req(&req) else {
                            continue;
                        };
                        let mut found = false;
                        if !req_val.is_null() {
                            let val = pystr(&req_val);
                            for j in self.matching_chunks(&req_key, &val) {
                                {
                                    if *requisite == "prereq" {
                                        self.chunks[j]
                                            .insert("__prereq__".into(), Value::Bool(true));
                                    } else if *requisite == "prerequired" && req_key != "sls" {
                                        self.chunks[j]
                                            .insert("__prerequired__".into(), Value::Bool(true));
                                    }
                                    req_ids.push(j);
                                    found = true;
                                }
                            }
                            if !found && req_key == "sls" {
                                found = self.processed_sls.iter().any(|s| fnmatch(s, &val));
                            }
                        }
                        if !found {
                            lost_here.push((req_key, req_val));
                        }
                    }
                    lost.push((requisite, lost_here));
                }
                if lost.iter().any(|(_, l)| !l.is_empty()) {
                    let mut comment = String::from("The following requisites were not found:\n");
                    for (requisite, lreqs) in &lost {
                        if lreqs.is_empty() {
                            continue;
                        }
                        comment += &format!("{}{requisite}:\n", " ".repeat(19));
                        for (k, v) in lreqs {
                            comment += &format!("{}{k}: {}\n", " ".repeat(23), pystr(v));
                        }
                    }
                    let ret = self.skipped_ret(idx, false, &comment, None);
                    if get_bool(&self.chunks[idx], "__prereq__") {
                        self.pre.insert(tag, ret);
                    } else {
                        self.running.insert(tag, ret);
                    }
                    self.run_num += 1;
                    return;
                }
                let mut last = None;
                for &j in &req_ids {
                    last = Some(j);
                    let ctag = gen_tag(&self.chunks[j]);
                    if self.running.contains_key(&ctag) {
                        continue;
                    }
                    if self.active.contains(&ctag) {
                        if get_bool(&self.chunks[j], "__prerequired__") {
                            if !self.pre.contains_key(&tag) {
                                self.chunks[idx].insert("__prereq__".into(), Value::Bool(true));
                                let ret = self.call_index(idx);
                                self.pre.insert(ctag, ret);
                            }
                            return;
                        }
                        let ret = self.recursive_ret(idx);
                        self.running.insert(tag.clone(), ret);
                        self.run_num += 1;
                        return;
                    }
                    self.call_chunk(j, 0);
                    if self.check_failhard(j) {
                        self.failhard_hit = true;
                        return;
                    }
                }
                if get_bool(&self.chunks[idx], "__prereq__") {
                    let (status, _) = self.check_requisite(idx, false);
                    let mut ret = self.call_index(idx);
                    if !ret.get("changes").is_some_and(truthy) && status == Status::Change {
                        ret["changes"] = json!({"watch": "watch"});
                        ret["result"] = Value::Null;
                    }
                    self.pre.insert(tag, ret);
                } else if depth + 1 >= 20 {
                    let ret = self.recursive_ret(idx);
                    self.running.insert(tag, ret);
                } else {
                    self.call_chunk(idx, depth + 1);
                }
                if let Some(j) = last
                    && self.check_failhard(j)
                {
                    self.failhard_hit = true;
                }
            }
            Status::Met => {
                let prereq_now = get_bool(&self.chunks[idx], "__prereq__");
                let ret = self.call_index(idx);
                if prereq_now {
                    self.pre.insert(tag, ret);
                } else {
                    self.running.insert(tag, ret);
                }
            }
            Status::Fail => {
                if let Some(mut prev) = self.pre.get(&tag).cloned() {
                    // The test-mode run for a prereq predicted changes that
                    // will not happen now.
                    if prev.get("changes").is_some_and(truthy) {
                        prev["changes"] = json!({});
                    }
                    prev["__run_num__"] = json!(self.run_num);
                    for key in ["__sls__", "__id__", "name"] {
                        prev[key] = self.chunks[idx].get(key).cloned().unwrap_or(Value::Null);
                    }
                    self.running.insert(tag, prev);
                } else {
                    let mut failed: BTreeSet<String> = BTreeSet::new();
                    let mut failed_order: Vec<String> = Vec::new();
                    for (_, ids) in &reqs {
                        for &j in ids {
                            let req_tag = gen_tag(&self.chunks[j]);
                            let req_ret = self
                                .pre
                                .get(&req_tag)
                                .or_else(|| self.running.get(&req_tag));
                            if req_ret.and_then(|r| r.get("result")) == Some(&Value::Bool(false)) {
                                let key = format!(
                                    "{}.{}",
                                    self.chunks[j].get("__sls__").map(pystr).unwrap_or_default(),
                                    self.chunks[j].get("__id__").map(pystr).unwrap_or_default()
                                );
                                if failed.insert(key.clone()) {
                                    failed_order.push(key);
                                }
                            }
                        }
                    }
                    // Salt joins a set, whose order Python does not fix;
                    // we keep the requisites' declaration order.
                    let comment =
                        format!("One or more requisite failed: {}", failed_order.join(", "));
                    let ret = self.skipped_ret(idx, false, &comment, None);
                    self.running.insert(tag.clone(), ret.clone());
                    self.pre.insert(tag, ret);
                }
                self.run_num += 1;
            }
            Status::Change if !is_prereq => {
                let mut ret = self.call_index(idx);
                if !ret.get("changes").is_some_and(truthy)
                    && !ret.get("skip_watch").is_some_and(truthy)
                {
                    let mut low = self.chunks[idx].clone();
                    let fun = low.get("fun").cloned().unwrap_or(Value::Null);
                    low.insert("sfun".into(), fun);
                    low.insert("fun".into(), Value::String("mod_watch".into()));
                    let reqs_value: Map<String, Value> = reqs
                        .iter()
                        .map(|(k, ids)| {
                            (
                                k.to_string(),
                                Value::Array(
                                    ids.iter()
                                        .map(|&j| Value::Object(self.chunks[j].clone()))
                                        .collect(),
                                ),
                            )
                        })
                        .collect();
                    low.insert("__reqs__".into(), Value::Object(reqs_value));
                    ret = self.call(&mut low);
                }
                self.running.insert(tag, ret);
            }
            Status::Pre => {
                let ret = self.skipped_ret(idx, true, "No changes detected", None);
                self.running.insert(tag.clone(), ret.clone());
                self.pre.insert(tag, ret);
                self.run_num += 1;
            }
            Status::OnFail => {
                let ret = self.skipped_ret(
                    idx,
                    true,
                    "State was not run because onfail req did not change",
                    Some(false),
                );
                self.running.insert(tag, ret);
                self.run_num += 1;
            }
            Status::OnChanges => {
                let ret = self.skipped_ret(
                    idx,
                    true,
                    "State was not run because none of the onchanges reqs changed",
                    Some(false),
                );
                self.running.insert(tag, ret);
                self.run_num += 1;
            }
            Status::Change => {
                let prereq_now = get_bool(&self.chunks[idx], "__prereq__");
                let ret = self.call_index(idx);
                if prereq_now {
                    self.pre.insert(tag, ret);
                } else {
                    self.running.insert(tag, ret);
                }
            }
        }
    }

    fn call_index(&mut self, idx: usize) -> Value {
        let mut low = self.chunks[idx].clone();
        let ret = self.call(&mut low);
        // `call` clears `__prereq__` and normalises `retry` in place, as
        // Salt's does on the shared dict.
        self.chunks[idx] = low;
        ret
    }

    /// Salt's `verify_data`.
    pub fn verify_data(&self, low: &mut LowChunk) -> Vec<String> {
        let mut errors = Vec::new();
        for key in ["state", "fun", "name"] {
            if !low.contains_key(key) {
                errors.push(format!("Missing \"{key}\" data"));
            }
        }
        if let Some(name) = low.get("name")
            && truthy(name)
            && !name.is_string()
        {
            let sls = low
                .get("__sls__")
                .map(|s| format!("in SLS '{}' ", pystr(s)))
                .unwrap_or_default();
            errors.push(format!(
                "ID '{}' {sls}is not formed as a string, but is a {}",
                pystr(name),
                crate::python_type(name)
            ));
        }
        if !errors.is_empty() {
            return errors;
        }
        let full = format!(
            "{}.{}",
            low.get("state").map(pystr).unwrap_or_default(),
            low.get("fun").map(pystr).unwrap_or_default()
        );
        match find_state_function(&full) {
            None => match low.get("__sls__") {
                Some(sls) => {
                    errors.push(format!(
                        "State '{full}' was not found in SLS '{}'",
                        pystr(sls)
                    ));
                    errors.push(format!("Reason: '{full}' is not available."));
                }
                None => errors.push(format!("Specified state '{full}' was not found")),
            },
            Some((_, function)) => {
                for param in function.required {
                    if !low.contains_key(*param) {
                        errors.push(format!("Missing parameter {param} for state {full}"));
                    }
                }
            }
        }
        let state = low.get("state").map(pystr).unwrap_or_default();
        let mut reqdec = if low.contains_key("require") {
            Some("require")
        } else {
            None
        };
        if low.contains_key("watch") {
            if find_state_function(&format!("{state}.mod_watch")).is_none() {
                let moved = req_list(low, "watch");
                low.shift_remove("watch");
                match low.get_mut("require") {
                    Some(Value::Array(list)) => list.extend(moved),
                    _ => {
                        low.insert("require".into(), Value::Array(moved));
                    }
                }
                reqdec = Some("require");
            } else {
                reqdec = Some("watch");
            }
        }
        if let Some(reqdec) = reqdec {
            let name = low.get("name").map(pystr).unwrap_or_default();
            let id = low.get("__id__").map(pystr).unwrap_or_default();
            for req in req_list(low, reqdec) {
                let Some(map) = req.as_object() else { continue };
                let Some((first, val)) = map.iter().next() else {
                    continue;
                };
                if *first == state {
                    let val = pystr(val);
                    if fnmatch(&name, &val) || fnmatch(&id, &val) {
                        errors.push(format!(
                            "Recursive require detected in SLS {} for require {} in ID {id}",
                            low.get("__sls__").map(pystr).unwrap_or_default(),
                            crate::pyrepr(&req)
                        ));
                    }
                }
            }
        }
        errors
    }

    /// Salt's `State.call`: one state function with the global arguments.
    pub fn call(&mut self, low: &mut LowChunk) -> Value {
        self.call_unified(low, 1)
    }

    /// Salt decorates `call` with `OutputUnifier("content_check",
    /// "unify")`: a comment list becomes lines, a result becomes a bool.
    fn call_unified(&mut self, low: &mut LowChunk, retries: i64) -> Value {
        let mut ret = self.call_attempt(low, retries);
        if let Some(Value::Array(lines)) = ret.get("comment") {
            let joined = lines.iter().map(pystr).collect::<Vec<_>>().join("\n");
            ret["comment"] = Value::String(joined);
        }
        if let Some(result) = ret
            .get("result")
            .filter(|r| !r.is_null() && !r.is_boolean())
        {
            let b = truthy(result);
            ret["result"] = Value::Bool(b);
        }
        ret
    }

    fn call_attempt(&mut self, low: &mut LowChunk, retries: i64) -> Value {
        let start_time = local_time_now();
        let started = Instant::now();
        let errors = self.verify_data(low);
        if !errors.is_empty() {
            let mut ret = Map::new();
            ret.insert("result".into(), Value::Bool(false));
            ret.insert(
                "name".into(),
                low.get("name").cloned().unwrap_or(Value::Null),
            );
            ret.insert("changes".into(), json!({}));
            ret.insert(
                "comment".into(),
                Value::String(errors.iter().map(|e| format!("{e}\n")).collect()),
            );
            ret.insert("__run_num__".into(), json!(self.run_num));
            self.run_num += 1;
            return Value::Object(ret);
        }
        let is_prereq = get_bool(low, "__prereq__");
        let test = self.settings.test || is_prereq;
        let mut ret = Map::new();
        ret.insert("result".into(), Value::Bool(false));
        ret.insert(
            "name".into(),
            low.get("name").cloned().unwrap_or(Value::Null),
        );
        ret.insert("changes".into(), json!({}));
        if ["unless", "onlyif", "creates"]
            .iter()
            .any(|k| low.contains_key(*k))
        {
            for (k, v) in crate::checks::run_check(self.ctx, low) {
                ret.insert(k, v);
            }
        }
        let mut parallel = false;
        if ret.get("result") != Some(&Value::Bool(true)) {
            ret = self.call_function(low, test);
            // `parallel: True` runs here in sequence: the results are the
            // same. Salt's return for it starts as {name, result, changes,
            // comment} (its placeholder while the process runs) and gains
            // `__parallel__` at the end.
            parallel = !is_prereq && low.get("parallel").is_some_and(truthy);
            if parallel {
                let mut reordered = Map::new();
                for key in ["name", "result", "changes", "comment"] {
                    if let Some(v) = ret.shift_remove(key) {
                        reordered.insert(key.into(), v);
                    }
                }
                reordered.extend(ret);
                ret = reordered;
            }
        }
        if low.contains_key("check_cmd") {
            for (k, v) in crate::checks::run_check_cmd(self.ctx, low) {
                ret.insert(k, v);
            }
        }
        if is_prereq {
            low.insert("__prereq__".into(), Value::Bool(false));
            return Value::Object(ret);
        }
        ret.insert(
            "__sls__".into(),
            low.get("__sls__").cloned().unwrap_or(Value::Null),
        );
        ret.insert("__run_num__".into(), json!(self.run_num));
        self.run_num += 1;
        ret.insert("start_time".into(), Value::String(start_time));
        ret.insert(
            "duration".into(),
            json!(started.elapsed().as_micros() as f64 / 1000.0),
        );
        ret.insert(
            "__id__".into(),
            low.get("__id__").cloned().unwrap_or(Value::Null),
        );
        if parallel {
            ret.insert("__parallel__".into(), Value::Bool(true));
        }
        let mut ret = Value::Object(ret);
        if low.contains_key("retry") && !low.contains_key("parallel") {
            let retry = crate::checks::verify_retry_data(low.get("retry").unwrap_or(&Value::Null));
            low.insert("retry".into(), retry.to_value());
            if !self.settings.test {
                if Some(&Value::Bool(retry.until)) != ret.get("result") && retry.attempts > retries
                {
                    let mut interval = retry.interval;
                    if retry.splay != 0 {
                        interval += rand::random_range(0..=retry.splay.max(0));
                    }
                    self.sleep(interval);
                    let orig = ret;
                    ret = self.call_unified(low, retries + 1);
                    let comment = ret.get("comment").map(pystr).unwrap_or_default();
                    ret["comment"] = Value::String(format!(
                        "Attempt {retries}: Returned a result of \"{}\", with the following comment: \"{}\"\n{comment}",
                        crate::python_str_of_result(orig.get("result")),
                        orig.get("comment").map(pystr).unwrap_or_default()
                    ));
                    let dur = ret.get("duration").and_then(Value::as_f64).unwrap_or(0.0)
                        + orig.get("duration").and_then(Value::as_f64).unwrap_or(0.0)
                        + (interval * 1000) as f64;
                    ret["duration"] = json!(dur);
                    if retries == 1 {
                        ret["start_time"] = orig.get("start_time").cloned().unwrap_or(Value::Null);
                    }
                }
            } else {
                let comment = ret
                    .get("comment")
                    .filter(|c| truthy(c))
                    .map(pystr)
                    .unwrap_or_default();
                ret["comment"] = Value::String(format!(
                    "{comment}  The state would be retried every {} seconds (with a splay of up to {} seconds) a maximum of {} times or until a result of {} is returned",
                    retry.interval,
                    retry.splay,
                    retry.attempts,
                    if retry.until { "True" } else { "False" }
                ));
            }
        }
        ret
    }

    fn sleep(&self, secs: i64) {
        let deadline = Instant::now() + std::time::Duration::from_secs(secs.max(0) as u64);
        while Instant::now() < deadline && !self.ctx.is_cancelled() {
            std::thread::sleep(
                deadline
                    .saturating_duration_since(Instant::now())
                    .min(std::time::Duration::from_millis(50)),
            );
        }
    }

    /// Calls the state function itself and builds Salt's return map.
    fn call_function(&self, low: &LowChunk, test: bool) -> Map<String, Value> {
        let full = format!(
            "{}.{}",
            low.get("state").map(pystr).unwrap_or_default(),
            low.get("fun").map(pystr).unwrap_or_default()
        );
        let name = low.get("name").cloned().unwrap_or(Value::Null);
        let Some((_, function)) = find_state_function(&full) else {
            return StateReturn::new(
                name,
                Some(false),
                format!("Specified state '{full}' was not found"),
            )
            .to_map();
        };
        let kwargs: Map<String, Value> = low
            .iter()
            .filter(|(k, _)| *k != "name" && !is_internal_keyword(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let args = StateArgs {
            name: name.clone(),
            kwargs,
        };
        let saltenv = low
            .get("saltenv")
            .or_else(|| low.get("__env__"))
            .map_or_else(|| "base".to_owned(), pystr);
        let ctx = StateCtx {
            exec: self.ctx,
            low,
            running: &self.running,
            saltenv,
        };
        let exception = |err: crate::StateError| {
            StateReturn {
                key_order: crate::api::KeyOrder::ResultNameChangesComment,
                ..StateReturn::new(
                    name.clone(),
                    Some(false),
                    format!("An exception occurred in this state: {err}"),
                )
            }
            .to_map()
        };
        match &function.behaviour {
            Behaviour::Imperative { predict, run } => {
                let f = if test { predict } else { run };
                match f(&ctx, &args) {
                    Ok(ret) => ret.to_map(),
                    Err(err) => exception(err),
                }
            }
            Behaviour::CheckApply { check, apply } => {
                let plan = match check(&ctx, &args) {
                    Ok(plan) => plan,
                    Err(err) => return exception(err),
                };
                if plan.changes.is_empty() {
                    return StateReturn::new(name, Some(true), plan.comment).to_map();
                }
                if test {
                    let mut ret = StateReturn::new(name, None, plan.comment.clone());
                    ret.changes = plan.changes;
                    return ret.to_map();
                }
                match apply(&ctx, &args, plan) {
                    Ok(applied) => {
                        let mut ret = StateReturn::new(name, Some(true), applied.comment);
                        ret.changes = applied.changes;
                        ret.to_map()
                    }
                    Err(failure) => {
                        let mut ret = StateReturn::new(name, Some(false), failure.comment);
                        ret.changes = failure.changes;
                        ret.to_map()
                    }
                }
            }
        }
    }

    /// Salt's `call_listen`: after the run, `mod_watch` for every state
    /// whose `listen` / `listen_in` target changed.
    fn call_listen(&mut self, mut running: Map<String, Value>) -> Map<String, Value> {
        let chunks = self.chunks.clone();
        let cref = |c: &LowChunk| {
            (
                c.get("state").map(pystr).unwrap_or_default(),
                c.get("__id__").map(pystr).unwrap_or_default(),
                c.get("name").map(pystr).unwrap_or_default(),
            )
        };
        let crefs: Vec<((String, String, String), &LowChunk)> =
            chunks.iter().map(|c| (cref(c), c)).collect();
        let in_cref =
            |cr: &(String, String, String), val: &str| cr.0 == val || cr.1 == val || cr.2 == val;
        let mut listeners: Vec<((String, String, String), Vec<Value>)> = Vec::new();
        for chunk in &chunks {
            if let Some(listen) = chunk.get("listen") {
                listeners.push((cref(chunk), req_list_value(listen)));
            }
            if let Some(Value::Array(l_in)) = chunk.get("listen_in") {
                for item in l_in {
                    if let Value::Object(m) = item {
                        for (k, v) in m {
                            let mut target = Map::new();
                            target.insert(
                                chunk.get("state").map(pystr).unwrap_or_default(),
                                chunk.get("__id__").cloned().unwrap_or(Value::Null),
                            );
                            listeners.push((
                                (k.clone(), pystr(v), "lookup".into()),
                                vec![Value::Object(target)],
                            ));
                        }
                    }
                }
            }
        }
        let mut mod_watchers: Vec<LowChunk> = Vec::new();
        let mut errors: Map<String, Value> = Map::new();
        let l_error = |lkey: &str, lval: &str| {
            let mut low = Map::new();
            low.insert("name".into(), Value::String(format!("listen_{lkey}")));
            low.insert("__id__".into(), Value::String(format!("listen_{lval}")));
            low.insert("state".into(), Value::String("Listen_Error".into()));
            low.insert("fun".into(), Value::String("Listen_Error".into()));
            let mut err = Map::new();
            err.insert(
                "comment".into(),
                Value::String(format!("Referenced state {lkey}: {lval} does not exist")),
            );
            err.insert(
                "name".into(),
                Value::String(format!("listen_{lkey}:{lval}")),
            );
            err.insert("result".into(), Value::Bool(false));
            err.insert("changes".into(), json!({}));
            (gen_tag(&low), err)
        };
        for (key, targets) in &listeners {
            for listen_to in targets {
                let listen_to = match listen_to {
                    Value::Object(m) => m.clone(),
                    other => {
                        let wanted = pystr(other);
                        let mut found = None;
                        for chunk in &chunks {
                            if chunk.get("__id__").map(pystr).as_deref() == Some(wanted.as_str())
                                || chunk.get("name").map(pystr).as_deref() == Some(wanted.as_str())
                            {
                                let mut m = Map::new();
                                m.insert(
                                    chunk.get("state").map(pystr).unwrap_or_default(),
                                    chunk.get("__id__").cloned().unwrap_or(Value::Null),
                                );
                                found = Some(m);
                            }
                        }
                        match found {
                            Some(m) => m,
                            None => continue,
                        }
                    }
                };
                for (lkey, lval) in &listen_to {
                    let lval = pystr(lval);
                    if !crefs
                        .iter()
                        .any(|(cr, _)| *lkey == cr.0 && in_cref(cr, &lval))
                    {
                        let (tag, err) = l_error(lkey, &lval);
                        errors.insert(tag, Value::Object(err));
                        continue;
                    }
                    let to_tags: Vec<String> = crefs
                        .iter()
                        .filter(|(cr, _)| *lkey == cr.0 && in_cref(cr, &lval))
                        .map(|(_, c)| gen_tag(c))
                        .collect();
                    for to_tag in to_tags {
                        let Some(to_ret) = running.get(&to_tag) else {
                            continue;
                        };
                        if !to_ret.get("changes").is_some_and(truthy) {
                            continue;
                        }
                        if !crefs
                            .iter()
                            .any(|(cr, _)| key.0 == cr.0 && in_cref(cr, &key.1))
                        {
                            let (tag, err) = l_error(&key.0, &key.1);
                            errors.insert(tag, Value::Object(err));
                            continue;
                        }
                        for (cr, chunk) in &crefs {
                            if key.0 == cr.0 && in_cref(cr, &key.1) {
                                let mut low = (*chunk).clone();
                                let fun = low.get("fun").cloned().unwrap_or(Value::Null);
                                low.insert("sfun".into(), fun);
                                low.insert("fun".into(), Value::String("mod_watch".into()));
                                let id = low.get("__id__").map(pystr).unwrap_or_default();
                                low.insert(
                                    "__id__".into(),
                                    Value::String(format!("listener_{id}")),
                                );
                                for req in REQUISITE_KEYWORDS {
                                    low.shift_remove(*req);
                                }
                                mod_watchers.push(low);
                            }
                        }
                    }
                }
            }
        }
        if !mod_watchers.is_empty() {
            let saved = std::mem::replace(&mut self.chunks, mod_watchers);
            // Salt hands the listeners the results so far (`__running__`).
            let ret = self.call_chunks();
            self.chunks = saved;
            self.reindex();
            for (k, v) in ret {
                running.insert(k, v);
            }
        }
        for (tag, mut err) in errors {
            err["__run_num__"] = json!(self.run_num);
            self.run_num += 1;
            running.insert(tag, err);
        }
        running
    }
}

fn req_list_value(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

/// Calls an execution function with Salt-style arguments, for the checks.
pub(crate) fn exec_call(
    ctx: &Ctx,
    fun: &str,
    positional: Vec<Value>,
    kwargs: Map<String, Value>,
) -> Result<Value, String> {
    halite_exec::call(ctx, fun, Args::new(positional, kwargs)).map_err(|e| e.to_string())
}
