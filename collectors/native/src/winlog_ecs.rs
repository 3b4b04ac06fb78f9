//! One Windows event → one ECS event, the way Winlogbeat lays it out (the native half of
//! `collectors/endpoint/winlog_ecs.py`, which gives the tables).
//!
//! Every Windows format turns its record into the same `winlog` object first: EVTX records
//! here (`winlog_record`), XML and JSON exports in Python, handed over as a dict. The mapping
//! from there is this one for all of them, so a record gives the same event in any container.
//! The field tables stay data in `winlog_tables.py`; `WinlogMapper` compiles them once.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::event::{KeyHasher, Map, Val};
use crate::json::Json;
use crate::net;
use crate::winlog_beat::from_winlogbeat;
use crate::winlog_convert::{apply_powershell_text, intern, GivenTables, Op, Tables};
use crate::winlog_record::{from_evtx, SystemTables, Time};

type Fast<K, V> = HashMap<K, V, BuildHasherDefault<KeyHasher>>;

/// A layer of mappings as `winlog_tables` writes them: (EventData name, target, converter kind).
type Layer = Vec<(String, String, String)>;

/// One kind of event: its `event.*` classification and EventData name → converters.
struct Spec {
    category: Vec<&'static str>,
    types: Vec<&'static str>,
    action: &'static str,
    ops: Fast<&'static str, Vec<Op>>,
}

impl Spec {
    /// Layers apply in order (generic, family, event): a layer that maps a name replaces what
    /// earlier layers did with it; several mappings of one name within a layer all apply.
    fn new(
        category: Vec<String>,
        types: Vec<String>,
        action: &str,
        layers: Vec<Layer>,
        tables: &Arc<Tables>,
    ) -> Result<Self, String> {
        let mut ops: Fast<&'static str, Vec<Op>> = Fast::default();
        for layer in layers {
            let mut mine: Fast<&'static str, Vec<Op>> = Fast::default();
            for (name, target, kind) in layer {
                mine.entry(intern(&name)).or_default().push(Op::new(
                    &kind,
                    intern(&target),
                    tables,
                )?);
            }
            ops.extend(mine);
        }
        let statics = |names: Vec<String>| names.iter().map(|name| intern(name)).collect();
        Ok(Spec {
            category: statics(category),
            types: statics(types),
            action: intern(action),
            ops,
        })
    }
}

/// What `WinlogMapper` is built from (`winlog_ecs.py` passes `winlog_tables`).
struct Mapper {
    /// (family, event id) → spec; a family's default under the id "".
    specs: Fast<&'static str, Fast<String, Spec>>,
    families: HashMap<String, &'static str>,
    datasets: HashMap<String, (&'static str, &'static str)>,
    default_dataset: (&'static str, &'static str),
    system: SystemTables,
    tables: Arc<Tables>,
}

const RELATED: [(&str, &[&str]); 3] = [
    ("ip", &["source.ip", "destination.ip"]),
    (
        "user",
        &["user.name", "user.target.name", "user.changes.name"],
    ),
    (
        "hash",
        &[
            "process.hash",
            "process.pe.imphash",
            "file.hash",
            "file.pe.imphash",
        ],
    ),
];

impl Mapper {
    fn spec(&self, provider: &str, eid: &str, channel: &str) -> (&'static str, &Spec) {
        let mut family = self.families.get(provider).copied().unwrap_or("");
        if family.is_empty() && provider == "Microsoft-Windows-Eventlog" && channel == "Security" {
            family = "security";
        }
        let specs = &self.specs[family];
        (family, specs.get(eid).unwrap_or_else(|| &specs[""]))
    }

    /// Build the ECS event around a `winlog` object (which becomes `event.winlog`).
    fn to_ecs<'a>(
        &self,
        winlog: Map<'a>,
        timestamp: Option<Cow<'a, str>>,
        level: Option<Cow<'a, str>>,
        message: Option<Cow<'a, str>>,
    ) -> Map<'a> {
        let text = |key: &str| match winlog.get(key) {
            Some(Val::Str(text)) => text.as_ref(),
            _ => "",
        };
        let (provider, eid, channel) = (text("provider_name"), text("event_id"), text("channel"));
        let (family, spec) = self.spec(provider, eid, channel);
        let (dataset, module) = self
            .datasets
            .get(channel)
            .copied()
            .unwrap_or(self.default_dataset);
        let mut meta = Map::new();
        meta.set("kind", "event");
        meta.set(
            "code",
            winlog.get("event_id").cloned().unwrap_or(Val::from("")),
        );
        meta.set("dataset", dataset);
        meta.set("module", module);
        if let Some(provider) = winlog.get("provider_name").filter(|value| truthy(value)) {
            meta.set("provider", provider.clone());
        }
        if !spec.action.is_empty() {
            meta.set("action", spec.action);
        }
        meta.set("category", spec.category.clone());
        meta.set("type", spec.types.clone());
        if spec.action.is_empty() {
            if let Some(task) = winlog.get("task").filter(|value| truthy(value)) {
                meta.set("action", task.clone()); // Winlogbeat's action where no module names one
            }
        }
        if let Some(keywords) = winlog.get("keywords") {
            if holds(keywords, "Audit Success") {
                meta.set("outcome", "success");
            } else if holds(keywords, "Audit Failure") {
                meta.set("outcome", "failure");
            }
        }
        // Some events keep their fields in UserData (1102, the log cleared, names who cleared it
        // there); EventData wins where both have a field.
        let mut work: Vec<(&Op, Cow<'a, str>)> = Vec::new();
        for block in ["user_data", "event_data"] {
            if let Some(Val::Map(values)) = winlog.get(block) {
                for (name, value) in values.iter() {
                    if let (Some(ops), Val::Str(value)) = (spec.ops.get(name), value) {
                        work.extend(ops.iter().map(|op| (op, value.clone())));
                    }
                }
            }
        }
        let classic = if family == "powershell_classic" {
            classic_details(&winlog, message.as_ref())
        } else {
            Vec::new()
        };
        let computer = winlog
            .get("computer_name")
            .filter(|value| truthy(value))
            .cloned();
        let mut event = Map::new();
        event.set("event", meta);
        event.set("winlog", winlog);
        if let Some(stamp) = timestamp.filter(|stamp| !stamp.is_empty()) {
            event.set("@timestamp", stamp);
        }
        if let Some(computer) = computer {
            event.child("host").set("name", computer);
        }
        if let Some(level) = level.filter(|level| !level.is_empty()) {
            event.child("log").set("level", level);
        }
        if let Some(message) = message.filter(|message| !message.is_empty()) {
            event.set("message", message);
        }
        for (op, value) in &work {
            op.apply(&mut event, value);
        }
        for text in &classic {
            apply_powershell_text(&mut event, text, false, &self.tables);
        }
        fill_related(&mut event);
        event
    }
}

/// Classic PowerShell events carry `Key=Value` lines in unnamed data (`param2`/`param3`);
/// exports that drop unnamed data (NXLog) still have them in the rendered message.
fn classic_details<'a>(winlog: &Map<'a>, message: Option<&Cow<'a, str>>) -> Vec<Cow<'a, str>> {
    let mut texts = Vec::new();
    if let Some(Val::Map(data)) = winlog.get("event_data") {
        for name in ["param2", "param3"] {
            if let Some(Val::Str(text)) = data.get(name) {
                if text.contains('=') {
                    texts.push(text.clone());
                }
            }
        }
    }
    if texts.is_empty() {
        texts.extend(message.filter(|message| message.contains('=')).cloned());
    }
    texts
}

/// `related.*` as Winlogbeat fills it: a search of `related.ip` or `related.user` meets Windows
/// events as it meets the rest (`ecs.Related` in Python).
fn fill_related<'a>(event: &mut Map<'a>) {
    for (key, fields) in RELATED {
        let mut values: Vec<Val<'a>> = Vec::new();
        for field in fields {
            match event.lookup(field) {
                Some(Val::Map(group)) => {
                    values.extend(group.iter().map(|(_, value)| value.clone()))
                }
                Some(Val::List(items)) => values.extend(items.iter().cloned()),
                Some(value) => values.push(value.clone()),
                None => {}
            }
        }
        net::extend_related(event, key, values);
    }
}

/// Python's truth of a value.
fn truthy(value: &Val<'_>) -> bool {
    match value {
        Val::Str(text) => !text.is_empty(),
        Val::Int(number) => *number != 0,
        Val::Float(number) => *number != 0.0,
        Val::Bool(flag) => *flag,
        Val::List(items) => !items.is_empty(),
        Val::Map(map) => !map.is_empty(),
        Val::Null => false,
    }
}

/// Python's `needle in value`: an item of a list, a key of a dict, a substring of a string.
fn holds(value: &Val<'_>, needle: &str) -> bool {
    match value {
        Val::List(items) => items
            .iter()
            .any(|item| matches!(item, Val::Str(text) if text == needle)),
        Val::Map(map) => map.get(needle).is_some(),
        Val::Str(text) => text.contains(needle),
        _ => false,
    }
}

/// A `winlog` dict from Python (the XML and JSON paths) as an event tree.
fn from_py(value: &Bound<'_, PyAny>) -> PyResult<Val<'static>> {
    Ok(if let Ok(text) = value.cast::<PyString>() {
        Val::from(text.to_cow()?.into_owned())
    } else if value.is_instance_of::<PyBool>() {
        Val::Bool(value.extract()?)
    } else if value.is_instance_of::<PyInt>() {
        // An integer beyond 64 bits (only hand-made records hold one) keeps its digits, as text.
        value.extract::<i64>().map_or_else(
            |_| Val::from(value.str().map(|s| s.to_string()).unwrap_or_default()),
            Val::Int,
        )
    } else if value.is_instance_of::<PyFloat>() {
        Val::Float(value.extract()?)
    } else if value.is_none() {
        Val::Null
    } else if let Ok(dict) = value.cast::<PyDict>() {
        Val::Map(map_from_py(dict)?)
    } else if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        Val::List(
            value
                .try_iter()?
                .map(|item| from_py(&item?))
                .collect::<PyResult<_>>()?,
        )
    } else {
        Val::from(value.str()?.to_string())
    })
}

fn map_from_py(dict: &Bound<'_, PyDict>) -> PyResult<Map<'static>> {
    let mut map = Map::new();
    for (key, value) in dict.iter() {
        map.set_data(key.str()?.to_string(), from_py(&value)?);
    }
    Ok(map)
}

/// The Windows → ECS mapping, compiled once from `winlog_tables` (`winlog_ecs.MAPPER`).
#[pyclass(frozen, module = "secops_native")]
pub struct WinlogMapper {
    mapper: Mapper,
    /// Known channels' spellings by their lower-case names (`winlog_record.canonical_channel`).
    channels: HashMap<String, &'static str>,
    /// `winlog_record.system_time`: reads the rare `TimeCreated` not in the library's form.
    system_time: Py<PyAny>,
}

type SpecRow = (String, String, Vec<String>, Vec<String>, String, Vec<Layer>);

#[pymethods]
impl WinlogMapper {
    /// `specs`: (family, event id or "" for the family's default, category, type, action, layers).
    #[new]
    #[allow(clippy::too_many_arguments)] // the tables of winlog_tables.py, each named
    fn new(
        specs: Vec<SpecRow>,
        families: HashMap<String, String>,
        datasets: HashMap<String, (String, String)>,
        default_dataset: (String, String),
        levels: HashMap<String, String>,
        opcodes: HashMap<String, String>,
        keyword_bits: Vec<(u64, String)>,
        converter_tables: GivenTables,
        channels: Vec<String>,
        system_time: Py<PyAny>,
    ) -> PyResult<Self> {
        let tables = Tables::new(converter_tables).map_err(PyValueError::new_err)?;
        let mut compiled: Fast<&'static str, Fast<String, Spec>> = Fast::default();
        for (family, eid, category, types, action, layers) in specs {
            let spec = Spec::new(category, types, &action, layers, &tables)
                .map_err(PyValueError::new_err)?;
            compiled
                .entry(intern(&family))
                .or_default()
                .insert(eid, spec);
        }
        // `Mapper::spec` indexes by family: every family a provider can lead to needs its default.
        let missing = families
            .values()
            .map(String::as_str)
            .chain(["", "security"])
            .find(|family| {
                !compiled
                    .get(*family)
                    .is_some_and(|specs| specs.contains_key(""))
            })
            .map(str::to_owned);
        if let Some(family) = missing {
            return Err(PyValueError::new_err(format!(
                "family {family:?} needs a default spec (event id \"\")"
            )));
        }
        let statics = |table: HashMap<String, String>| {
            table
                .into_iter()
                .map(|(key, name)| (key, intern(&name)))
                .collect()
        };
        let mapper = Mapper {
            specs: compiled,
            families: statics(families),
            datasets: datasets
                .into_iter()
                .map(|(channel, (dataset, module))| (channel, (intern(&dataset), intern(&module))))
                .collect(),
            default_dataset: (intern(&default_dataset.0), intern(&default_dataset.1)),
            system: SystemTables {
                levels: statics(levels),
                opcodes: statics(opcodes),
                keyword_bits: keyword_bits
                    .into_iter()
                    .map(|(bit, name)| (bit, intern(&name)))
                    .collect(),
            },
            tables,
        };
        Ok(WinlogMapper {
            mapper,
            channels: channels
                .iter()
                .map(|name| (name.to_lowercase(), intern(name)))
                .collect(),
            system_time,
        })
    }

    /// One record of the `evtx` library's JSON rendering (`{"Event": …}`) → an ECS event;
    /// ValueError for a record that cannot be mapped (it is kept as a failure by the caller).
    fn evtx<'py>(&self, py: Python<'py>, data: &str) -> PyResult<Bound<'py, PyDict>> {
        let doc =
            Json::parse(data).map_err(|err| PyValueError::new_err(format!("not JSON: {err}")))?;
        let event = doc
            .get("Event")
            .ok_or_else(|| PyValueError::new_err("KeyError: 'Event'"))?;
        self.evtx_event(py, event)
    }

    /// A `winlog-json` line read here whole: a Winlogbeat document or an `evtx_dump` record, also
    /// inside an Elasticsearch hit's `_source` → its ECS event. None for what the Python reader
    /// handles (text that is not a JSON object, names kept flat as `winlog.channel`, NXLog records,
    /// anything else); ValueError for an `evtx_dump` record that cannot be mapped. `prepared`: the
    /// text is a document that reader has taken out of `_source` and unflattened already.
    #[pyo3(signature = (text, prepared=false))]
    fn document<'py>(
        &self,
        py: Python<'py>,
        text: &str,
        prepared: bool,
    ) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Ok(doc) = Json::parse(text) else {
            return Ok(None);
        };
        let doc = match doc.get("_source") {
            Some(source @ Json::Object(_)) if !prepared => source,
            _ => &doc,
        };
        let Json::Object(entries) = doc else {
            return Ok(None);
        };
        if !prepared && entries.iter().any(|(name, _)| name.starts_with("winlog.")) {
            return Ok(None);
        }
        if let Some(source @ Json::Object(_)) = doc.get("winlog") {
            let beat = from_winlogbeat(doc, source, &self.channels);
            let timestamp = self.timestamp(py, beat.time)?;
            let mut event = self.mapper.to_ecs(
                beat.winlog,
                timestamp,
                beat.level.map(Cow::Borrowed),
                beat.message.map(Cow::Borrowed),
            );
            if let Some(outcome) = beat.outcome.filter(|_| !event.contains("event.outcome")) {
                event.put("event.outcome", outcome);
            }
            return event.to_py(py).map(Some);
        }
        match doc.get("Event") {
            Some(event @ Json::Object(_)) => self.evtx_event(py, event).map(Some),
            _ => Ok(None),
        }
    }

    /// A `winlog` dict built by the XML, NXLog and Sysmon-for-Linux readers → an ECS event.
    #[pyo3(signature = (winlog, timestamp, level, message=None))]
    fn winlog<'py>(
        &self,
        py: Python<'py>,
        winlog: &Bound<'py, PyDict>,
        timestamp: Option<String>,
        level: Option<String>,
        message: Option<String>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let winlog = map_from_py(winlog)?;
        self.mapper
            .to_ecs(
                winlog,
                timestamp.map(Cow::Owned),
                level.map(Cow::Owned),
                message.map(Cow::Owned),
            )
            .to_py(py)
    }
}

impl WinlogMapper {
    fn evtx_event<'py>(&self, py: Python<'py>, event: &Json<'_>) -> PyResult<Bound<'py, PyDict>> {
        let record = from_evtx(event, &self.mapper.system).map_err(PyValueError::new_err)?;
        let timestamp = self.timestamp(py, record.time)?;
        self.mapper
            .to_ecs(
                record.winlog,
                timestamp,
                record.level.map(Cow::Borrowed),
                None,
            )
            .to_py(py)
    }

    /// An ECS timestamp from a record's time; a form other than the library's is read by Python.
    fn timestamp<'a>(
        &self,
        py: Python<'_>,
        time: Option<Time<'a>>,
    ) -> PyResult<Option<Cow<'a, str>>> {
        Ok(match time {
            Some(Time::Utc(stamp)) => Some(Cow::Owned(stamp)),
            Some(Time::Other(raw)) => self
                .system_time
                .call1(py, (raw,))?
                .extract::<Option<String>>(py)?
                .map(Cow::Owned),
            None => None,
        })
    }
}
