//! A `ShapeSerializer` that builds a `serde_json::Value`.
//!
//! Generated `serialize_members` code calls `write_*` with a member schema for
//! each present member, `write_struct`/`write_list`/`write_map` with a callback
//! for nested values, and writes map entries as key (a string) then value. The
//! serializer keeps a stack of open containers and puts each value into the
//! innermost one.

use aws_smithy_schema::Schema;
use aws_smithy_schema::serde::{SerdeError, SerializableStruct, ShapeSerializer};
use aws_smithy_types::date_time::Format;
use aws_smithy_types::{BigDecimal, BigInteger, Blob, DateTime, Document, Number};
use serde_json::{Map, Value};

use crate::de::{Context, timestamp_format};
use crate::error::{MappingError, MappingErrorKind};
use crate::path;

/// An open container and the JSON path it lives at.
enum Frame {
    Object(Map<String, Value>),
    List(Vec<Value>),
    /// Map entries arrive as a key write followed by a value write.
    Map {
        entries: Vec<(String, Value)>,
        pending_key: Option<String>,
    },
}

pub(crate) struct ValueSerializer<'a> {
    cx: &'a Context,
    frames: Vec<(Frame, String)>,
}

impl<'a> ValueSerializer<'a> {
    pub(crate) fn new(cx: &'a Context) -> Self {
        Self {
            cx,
            frames: Vec::new(),
        }
    }

    /// Serializes the members of `value` into a JSON object.
    pub(crate) fn object(&mut self, value: &dyn SerializableStruct) -> Result<Value, SerdeError> {
        self.frames.push((Frame::Object(Map::new()), String::new()));
        let written = value.serialize_members(self);
        let frame = self.frames.pop();
        match (written, frame) {
            (Ok(()), Some((frame, _))) => Ok(close(frame)),
            (Err(error), _) => Err(self.cx.locate("", error)),
            (Ok(()), None) => Err(SerdeError::custom("serializer stack underflow")),
        }
    }

    /// The path of the value about to be written with `schema`.
    fn child_path(&self, schema: &Schema<'_>) -> String {
        match self.frames.last() {
            Some((Frame::Object(_), parent)) => path::member(parent, self.cx.member_key(schema)),
            Some((Frame::List(items), parent)) => path::index(parent, items.len()),
            Some((Frame::Map { pending_key, .. }, parent)) => {
                path::key(parent, pending_key.as_deref().unwrap_or_default())
            }
            None => String::new(),
        }
    }

    fn fail(&self, path: String, message: String) -> SerdeError {
        self.cx
            .fail(MappingError::new(path, MappingErrorKind::Other(message)))
    }

    /// Puts a finished value into the innermost container.
    fn emit(&mut self, schema: &Schema<'_>, value: Value) -> Result<(), SerdeError> {
        let cx = self.cx;
        let Some((frame, parent)) = self.frames.last_mut() else {
            return Err(self.fail(String::new(), "value written outside any structure".into()));
        };
        match frame {
            Frame::Object(object) => {
                // A null member is an absent member.
                if value.is_null() {
                    return Ok(());
                }
                if schema.member_name().is_none() {
                    let message = format!(
                        "value of {} written without a member name",
                        schema.shape_id().as_str()
                    );
                    let parent = parent.clone();
                    return Err(self.fail(parent, message));
                }
                object.insert(cx.member_key(schema).to_string(), value);
            }
            Frame::List(items) => items.push(value),
            Frame::Map { entries, pending_key } => match pending_key.take() {
                Some(key) => entries.push((key, value)),
                None => match value {
                    Value::String(key) => *pending_key = Some(key),
                    other => {
                        let message = format!("map key must be a string, got {other}");
                        let parent = parent.clone();
                        return Err(self.fail(parent, message));
                    }
                },
            },
        }
        Ok(())
    }

    /// Runs `write` inside a new container and emits the container.
    fn nested(
        &mut self,
        schema: &Schema<'_>,
        frame: Frame,
        write: impl FnOnce(&mut Self) -> Result<(), SerdeError>,
    ) -> Result<(), SerdeError> {
        let path = self.child_path(schema);
        self.frames.push((frame, path));
        let written = write(self);
        let Some((frame, path)) = self.frames.pop() else {
            return Err(SerdeError::custom("serializer stack underflow"));
        };
        if let Err(error) = written {
            return Err(self.cx.locate(&path, error));
        }
        self.emit(schema, close(frame))
    }
}

/// Turns a finished container into JSON. Map entries are sorted by key: SDK
/// maps are `HashMap`s, and sorted output keeps manifests and diffs stable.
fn close(frame: Frame) -> Value {
    match frame {
        Frame::Object(object) => Value::Object(object),
        Frame::List(items) => Value::Array(items),
        Frame::Map { mut entries, .. } => {
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().collect())
        }
    }
}

/// A float as JSON: a number, or AWS JSON's strings for non-finite values.
fn float_value(value: f64) -> Value {
    match serde_json::Number::from_f64(value) {
        Some(number) => Value::Number(number),
        None if value.is_nan() => Value::from("NaN"),
        None if value > 0.0 => Value::from("Infinity"),
        None => Value::from("-Infinity"),
    }
}

/// A float member as JSON. An integral value is written as an integer, as
/// Go's encoding/json (so ACK and kubectl) writes a float64: a manifest's
/// `targetValue: 60` maps back as `60`, not `60.0`. Readers take either.
fn number_value(value: f64) -> Value {
    // beyond 2^53 not every integer is a float; keep the float form there
    if value.fract() == 0.0 && value.abs() < 9_007_199_254_740_992.0 {
        Value::from(value as i64)
    } else {
        float_value(value)
    }
}

/// A Smithy document as JSON, objects sorted by key (documents hold `HashMap`s).
fn document_value(document: &Document) -> Value {
    match document {
        Document::Object(entries) => {
            let mut entries: Vec<(&String, &Document)> = entries.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(key, value)| (key.clone(), document_value(value)))
                    .collect(),
            )
        }
        Document::Array(items) => Value::Array(items.iter().map(document_value).collect()),
        Document::Number(Number::PosInt(n)) => Value::from(*n),
        Document::Number(Number::NegInt(n)) => Value::from(*n),
        Document::Number(Number::Float(f)) => float_value(*f),
        Document::String(text) => Value::from(text.as_str()),
        Document::Bool(flag) => Value::Bool(*flag),
        Document::Null => Value::Null,
    }
}

/// An arbitrary-precision number as a JSON number (the CRD type is a number);
/// text that JSON cannot hold as a number stays a string.
fn big_number_value(text: &str) -> Value {
    match serde_json::from_str::<Value>(text) {
        Ok(number @ Value::Number(_)) => number,
        _ => Value::from(text),
    }
}

impl ShapeSerializer for ValueSerializer<'_> {
    fn write_struct(
        &mut self,
        schema: &Schema<'_>,
        value: &dyn SerializableStruct,
    ) -> Result<(), SerdeError> {
        self.nested(schema, Frame::Object(Map::new()), |ser| {
            value.serialize_members(ser)
        })
    }

    fn write_list(
        &mut self,
        schema: &Schema<'_>,
        write_elements: &dyn Fn(&mut dyn ShapeSerializer) -> Result<(), SerdeError>,
    ) -> Result<(), SerdeError> {
        self.nested(schema, Frame::List(Vec::new()), |ser| write_elements(ser))
    }

    fn write_map(
        &mut self,
        schema: &Schema<'_>,
        write_entries: &dyn Fn(&mut dyn ShapeSerializer) -> Result<(), SerdeError>,
    ) -> Result<(), SerdeError> {
        let frame = Frame::Map {
            entries: Vec::new(),
            pending_key: None,
        };
        self.nested(schema, frame, |ser| write_entries(ser))
    }

    fn write_boolean(&mut self, schema: &Schema<'_>, value: bool) -> Result<(), SerdeError> {
        self.emit(schema, Value::Bool(value))
    }

    fn write_byte(&mut self, schema: &Schema<'_>, value: i8) -> Result<(), SerdeError> {
        self.emit(schema, Value::from(value))
    }

    fn write_short(&mut self, schema: &Schema<'_>, value: i16) -> Result<(), SerdeError> {
        self.emit(schema, Value::from(value))
    }

    fn write_integer(&mut self, schema: &Schema<'_>, value: i32) -> Result<(), SerdeError> {
        self.emit(schema, Value::from(value))
    }

    fn write_long(&mut self, schema: &Schema<'_>, value: i64) -> Result<(), SerdeError> {
        self.emit(schema, Value::from(value))
    }

    fn write_float(&mut self, schema: &Schema<'_>, value: f32) -> Result<(), SerdeError> {
        // Go through the shortest decimal text of the f32 so that 0.1f32 is
        // written as 0.1, not 0.10000000149011612.
        let widened = value.to_string().parse::<f64>().unwrap_or(f64::from(value));
        self.emit(schema, number_value(widened))
    }

    fn write_double(&mut self, schema: &Schema<'_>, value: f64) -> Result<(), SerdeError> {
        self.emit(schema, number_value(value))
    }

    fn write_big_integer(&mut self, schema: &Schema<'_>, value: &BigInteger) -> Result<(), SerdeError> {
        self.emit(schema, big_number_value(value.as_ref()))
    }

    fn write_big_decimal(&mut self, schema: &Schema<'_>, value: &BigDecimal) -> Result<(), SerdeError> {
        self.emit(schema, big_number_value(value.as_ref()))
    }

    fn write_string(&mut self, schema: &Schema<'_>, value: &str) -> Result<(), SerdeError> {
        self.emit(schema, Value::from(value))
    }

    fn write_blob(&mut self, schema: &Schema<'_>, value: Blob) -> Result<(), SerdeError> {
        self.emit(schema, Value::from(aws_smithy_types::base64::encode(value)))
    }

    fn write_timestamp(&mut self, schema: &Schema<'_>, value: &DateTime) -> Result<(), SerdeError> {
        let format = timestamp_format(self.cx.naming, schema);
        let text = value
            .fmt(format)
            .map_err(|e| self.fail(self.child_path(schema), format!("cannot format timestamp: {e}")))?;
        let json = match format {
            // Epoch seconds are a number on the wire (`1576540098.52`).
            Format::EpochSeconds => text.parse::<f64>().map(float_value).unwrap_or(Value::from(text)),
            _ => Value::from(text),
        };
        self.emit(schema, json)
    }

    fn write_document(&mut self, schema: &Schema<'_>, value: &Document) -> Result<(), SerdeError> {
        self.emit(schema, document_value(value))
    }

    fn write_null(&mut self, schema: &Schema<'_>) -> Result<(), SerdeError> {
        self.emit(schema, Value::Null)
    }
}
