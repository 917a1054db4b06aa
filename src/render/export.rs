//! `charter export`: the resolved portfolio as JSON.
//!
//! Every entity with its given fields (references as ids, enum values as names, dates
//! as `YYYY-MM-DD`, percents as fractions, money as `{amount, currency}`) and its computed
//! fields (reverse links, `roi`, `progress`, `on_track`, `duration`, ...). With `[money]`
//! in `charter.toml`, the document states the base currency and rates, and money in
//! another currency also gives its amount in the base (`in_base`).

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value as Json, json};
use std::str::FromStr;

use super::json::{VERSION, span};
use crate::model::currency::Rates;
use crate::model::value::Value;
use crate::model::{Entity, EntityId, Portfolio, Workspace};

/// Writes the export of `workspace` to `out`, one entity at a time: the document is never
/// held whole, so a 10,000-project portfolio costs one entity's JSON at a time, not the
/// whole tree of values (its keys are in the same sorted order as a `serde_json::Map`).
pub fn write(workspace: &Workspace, out: &mut impl std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &Document(workspace))?;
    out.write_all(b"\n")
}

/// The document: `entities`, `files`, `money` (with a base currency) and `version`, in
/// the sorted key order a `serde_json::Map` gives.
struct Document<'a>(&'a Workspace);

impl Serialize for Document<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let workspace = self.0;
        let rates = &workspace.config.money;
        let files: Vec<&str> = workspace
            .own_files()
            .filter_map(|file| workspace.sources.get(file.file))
            .map(|file| file.name.as_str())
            .collect();
        let mut document = serializer.serialize_map(None)?;
        document.serialize_entry("entities", &Entities(workspace))?;
        document.serialize_entry("files", &files)?;
        if let Some(base) = &rates.base {
            let table: Map<String, Json> =
                rates.rates.iter().map(|(code, rate)| (code.to_string(), number(*rate))).collect();
            let mut money = Map::new();
            money.insert("base".into(), json!(&**base));
            money.insert("rates".into(), Json::Object(table));
            if let Some(date) = rates.as_of {
                money.insert("rates_as_of".into(), json!(date.to_string()));
            }
            document.serialize_entry("money", &money)?;
        }
        document.serialize_entry("version", &VERSION)?;
        document.end()
    }
}

/// Every entity outside tests, each built as JSON only while it is written.
struct Entities<'a>(&'a Workspace);

impl Serialize for Entities<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let workspace = self.0;
        let portfolio = &workspace.portfolio;
        let mut entities = serializer.serialize_seq(None)?;
        for (id, entity) in portfolio
            .ids()
            .filter_map(|id| portfolio.entity(id).map(|entity| (id, entity)))
            .filter(|(_, entity)| !entity.in_test)
        {
            entities.serialize_element(&entity_json(workspace, id, entity))?;
        }
        entities.end()
    }
}

fn entity_json(workspace: &Workspace, id: EntityId, entity: &Entity) -> Json {
    let portfolio = &workspace.portfolio;
    let rates = &workspace.config.money;
    let value = |item: &Value| value(portfolio, item, rates);
    let (file, location) = span(&workspace.sources, entity.span);
    let mut fields = Map::new();
    for field in &entity.fields {
        fields.insert(field.name.to_string(), value(&field.value));
    }
    let mut computed = Map::new();
    if let Some(kind) = portfolio.schema.kind(&entity.kind) {
        for definition in kind.fields.iter().filter(|field| {
            field.computed && !matches!(field.name.as_str(), "id" | "local_id" | "entity_kind")
        }) {
            let result = portfolio.get(id, &definition.name);
            if !result.is_none() {
                computed.insert(definition.name.clone(), value(&result));
            }
        }
        for definition in kind.fields.iter().filter(|field| field.default.is_some()) {
            if !fields.contains_key(&definition.name) {
                fields.insert(definition.name.clone(), value(&portfolio.get(id, &definition.name)));
            }
        }
    }
    let mut object = Map::new();
    object.insert("id".into(), json!(entity.id));
    object.insert("kind".into(), json!(&*entity.kind));
    object.insert("title".into(), json!(entity.display_title()));
    if let Some(doc) = &entity.doc {
        object.insert("doc".into(), json!(doc));
    }
    if let Some(parent) = entity.parent.and_then(|parent| portfolio.entity(parent)) {
        object.insert("parent".into(), json!(parent.id));
    }
    object.insert("file".into(), json!(file));
    object.insert("span".into(), serde_json::to_value(&location).unwrap_or(Json::Null));
    object.insert("fields".into(), Json::Object(fields));
    object.insert("computed".into(), Json::Object(computed));
    Json::Object(object)
}

fn number(value: rust_decimal::Decimal) -> Json {
    exact_number(value)
}

/// A decimal as a JSON number, unless a reader would get a different number: an integer
/// beyond 64 bits, or a value of 2^53 or more that an `f64` cannot hold, is a string of
/// its digits (`79228162514264337593543950335` would read back as `7.922816251426434e28`).
/// Fractions below 2^53 are numbers, as exact as a reader's `f64`.
pub(crate) fn exact_number(value: rust_decimal::Decimal) -> Json {
    const EXACT: rust_decimal::Decimal = rust_decimal::Decimal::from_parts(0, 0x0020_0000, 0, false, 0);
    let text = value.normalize().to_string();
    match serde_json::Number::from_str(&text) {
        Ok(number)
            if number.is_i64() || number.is_u64() || value.abs() < EXACT || number.to_string() == text =>
        {
            Json::Number(number)
        }
        _ => Json::String(text),
    }
}

fn value(portfolio: &Portfolio, value: &Value, rates: &Rates) -> Json {
    match value {
        Value::None => Json::Null,
        Value::Bool(flag) => json!(flag),
        Value::Number(number_value) | Value::Percent(number_value) => number(*number_value),
        Value::Money(money) => {
            let mut object = json!({"amount": number(money.amount), "currency": &*money.currency});
            if let (Some(base), Json::Object(fields)) = (&rates.base, &mut object)
                && *base != money.currency
                && let Ok(converted) = rates.to_base(money)
            {
                fields.insert("in_base".into(), number(converted.amount));
            }
            object
        }
        Value::Date(date) => json!(date.to_string()),
        Value::Duration(duration) => json!(duration.to_string()),
        Value::Measurement(measurement) => json!({
            "value": self::value(portfolio, &measurement.value, rates),
            "date": measurement.date.to_string(),
        }),
        Value::String(text) | Value::RuleName(text) => json!(&**text),
        Value::Enum(enumeration) => json!(&*enumeration.name),
        Value::Entity(id) => entity_id(portfolio, *id),
        Value::List(items) => {
            Json::Array(items.iter().map(|item| self::value(portfolio, item, rates)).collect())
        }
    }
}

fn entity_id(portfolio: &Portfolio, id: EntityId) -> Json {
    portfolio.entity(id).map_or(Json::Null, |entity| json!(entity.id))
}
