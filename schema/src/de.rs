//! A `ShapeDeserializer` over a `serde_json::Value`.
//!
//! Generated SDK code drives it: each type's `deserialize` calls `read_struct`
//! with its own schema and reads every member the consumer is handed. The
//! deserializer only has to find the member schema for each JSON key (by ACK
//! or AWS name), check JSON types, and say where things went wrong.

use std::cell::RefCell;

use aws_smithy_schema::serde::{SerdeError, ShapeDeserializer};
use aws_smithy_schema::traits::TimestampFormat;
use aws_smithy_schema::{Schema, ShapeType};
use aws_smithy_types::date_time::Format;
use aws_smithy_types::{BigDecimal, BigInteger, Blob, DateTime, Document, Number};
use serde_json::Value;

use crate::error::{MappingError, MappingErrorKind, json_type, short_shape_name, suggest};
use crate::{Naming, constraints, path};

/// State shared by every deserializer of one `from_json` call.
///
/// Generated code turns every failure into a `SerdeError` and propagates it
/// with `?`, which would lose the JSON path. So the first failure is kept
/// here as a located [`MappingError`], and the `SerdeError` only carries its
/// message up to [`crate::from_json`], which returns the kept error.
pub(crate) struct Context {
    pub(crate) naming: Naming,
    /// Enforce the service model's constraints (inputs only).
    pub(crate) validate: bool,
    error: RefCell<Option<MappingError>>,
}

impl Context {
    pub(crate) fn new(naming: Naming) -> Self {
        Self {
            naming,
            validate: false,
            error: RefCell::new(None),
        }
    }

    /// Records `error` (unless an earlier one is already recorded) and returns
    /// the `SerdeError` to propagate through generated code.
    pub(crate) fn fail(&self, error: MappingError) -> SerdeError {
        let message = error.to_string();
        let mut slot = self.error.borrow_mut();
        if slot.is_none() {
            *slot = Some(error);
        }
        SerdeError::custom(message)
    }

    /// An error raised by the SDK's generated code (not by this crate) while it
    /// read the value at `path`: give it that location.
    pub(crate) fn locate(&self, path: &str, error: SerdeError) -> SerdeError {
        if self.error.borrow().is_some() {
            return error;
        }
        self.fail(MappingError::new(
            path,
            MappingErrorKind::Other(error.to_string()),
        ))
    }

    pub(crate) fn take_error(&self) -> Option<MappingError> {
        self.error.borrow_mut().take()
    }

    /// The JSON key of a structure member under this naming.
    pub(crate) fn member_key<'s>(&self, member: &'s Schema<'_>) -> &'s str {
        match self.naming {
            Naming::Ack => crate::names::ack_member_name(member),
            Naming::Aws => member.member_name().unwrap_or_default(),
        }
    }
}

/// Deserializes the JSON `value` found at `path`.
pub(crate) struct ValueDeserializer<'a> {
    pub(crate) value: &'a Value,
    pub(crate) path: String,
    pub(crate) cx: &'a Context,
}

impl<'a> ValueDeserializer<'a> {
    fn child(&self, value: &'a Value, path: String) -> Self {
        Self {
            value,
            path,
            cx: self.cx,
        }
    }

    fn fail(&self, kind: MappingErrorKind) -> SerdeError {
        self.cx.fail(MappingError::new(self.path.clone(), kind))
    }

    /// Fails when the value breaks what the service model states about the
    /// member `schema` (when validating).
    fn constrain(&self, schema: &Schema<'_>) -> Result<(), SerdeError> {
        if !self.cx.validate {
            return Ok(());
        }
        let Some(violation) = constraints::of(schema.shape_id().as_str()).and_then(|c| c.check(self.value))
        else {
            return Ok(());
        };
        let hint = match (&violation, self.value) {
            (constraints::Violation::NotInEnum(values), Value::String(found)) => {
                crate::error::closest(found, values.iter().map(String::as_str)).map(|v| format!("did you mean {v:?}?"))
            }
            _ => None,
        };
        let error =
            MappingError::constraint(self.path.clone(), self.value.clone(), violation).with_hint(hint);
        Err(self.cx.fail(error))
    }

    /// Fails when a member marked `@required` is not `present` (when
    /// validating; only schemas built from a service model mark members).
    fn require(
        &self,
        schema: &Schema<'_>,
        present: &[(&String, &Value, &Schema<'_>)],
    ) -> Result<(), SerdeError> {
        let required: Vec<&Schema<'_>> = schema
            .members()
            .iter()
            .copied()
            .filter(|member| constraints::is_required(member))
            .collect();
        let is_present = |member: &Schema<'_>| {
            present
                .iter()
                .any(|(_, _, p)| p.member_name() == member.member_name())
        };
        let Some(missing) = required.iter().find(|member| !is_present(member)) else {
            return Ok(());
        };
        let names: Vec<&str> = required.iter().map(|member| self.cx.member_key(member)).collect();
        let shape = short_shape_name(schema.shape_id().as_str());
        let hint = format!("{shape} requires {}", names.join(", "));
        let path = path::member(&self.path, self.cx.member_key(missing));
        let error = MappingError::constraint(path, Value::Null, constraints::Violation::Missing);
        Err(self.cx.fail(error.with_hint(Some(hint))))
    }

    fn wrong_type(&self, expected: &'static str) -> SerdeError {
        self.fail(MappingErrorKind::WrongType {
            expected,
            found: json_type(self.value),
        })
    }

    /// An integer in `[min, max]`. Integral floats (`5.0`, as some YAML and
    /// JSON tools write them) are accepted; fractions and strings are not.
    fn integer(&self, expected: &'static str, min: i64, max: i64) -> Result<i64, SerdeError> {
        let Value::Number(number) = self.value else {
            return Err(self.wrong_type(expected));
        };
        let out_of_range = || {
            self.fail(MappingErrorKind::OutOfRange {
                value: number.to_string(),
                expected,
            })
        };
        if let Some(value) = number.as_i64() {
            return if (min..=max).contains(&value) {
                Ok(value)
            } else {
                Err(out_of_range())
            };
        }
        if number.is_u64() {
            return Err(out_of_range());
        }
        match number.as_f64() {
            Some(value) if value.fract() == 0.0 => {
                if value >= min as f64 && value <= max as f64 {
                    Ok(value as i64)
                } else {
                    Err(out_of_range())
                }
            }
            _ => Err(self.wrong_type(expected)),
        }
    }

    /// A float: a JSON number, or the strings AWS JSON uses for non-finite
    /// values (`"NaN"`, `"Infinity"`, `"-Infinity"`).
    fn float(&self, expected: &'static str) -> Result<f64, SerdeError> {
        match self.value {
            Value::Number(number) => number.as_f64().ok_or_else(|| self.wrong_type(expected)),
            Value::String(text) => match text.as_str() {
                "NaN" => Ok(f64::NAN),
                "Infinity" => Ok(f64::INFINITY),
                "-Infinity" => Ok(f64::NEG_INFINITY),
                _ => Err(self.wrong_type(expected)),
            },
            _ => Err(self.wrong_type(expected)),
        }
    }

    /// The text of an arbitrary-precision number, written as a JSON number or
    /// a string.
    fn big_number_text(&self, expected: &'static str) -> Result<String, SerdeError> {
        match self.value {
            Value::Number(number) => Ok(number.to_string()),
            Value::String(text) => Ok(text.clone()),
            _ => Err(self.wrong_type(expected)),
        }
    }

    fn invalid(&self, message: String) -> SerdeError {
        self.fail(MappingErrorKind::Other(message))
    }
}

/// The label used in "expected ..." for a map, by the type of its values.
fn map_label(schema: &Schema<'_>) -> &'static str {
    match schema.member().map(Schema::shape_type) {
        Some(ShapeType::String) => "map of string",
        Some(ShapeType::Structure | ShapeType::Union) => "map of object",
        Some(ShapeType::List) => "map of list",
        _ => "map",
    }
}

impl ShapeDeserializer for ValueDeserializer<'_> {
    fn read_struct(
        &mut self,
        schema: &Schema<'_>,
        state: &mut dyn FnMut(&Schema<'_>, &mut dyn ShapeDeserializer) -> Result<(), SerdeError>,
    ) -> Result<(), SerdeError> {
        let Value::Object(object) = self.value else {
            return Err(self.wrong_type("object"));
        };
        let members = schema.members();
        let member_keys = || members.iter().map(|member| self.cx.member_key(member));
        // Resolve every key first, so an unknown field is reported as such
        // even inside a union. JSON null means "absent", as in Kubernetes.
        let mut present = Vec::with_capacity(object.len());
        for (key, value) in object.iter().filter(|(_, value)| !value.is_null()) {
            let Some(member) = members.iter().find(|m| self.cx.member_key(m) == key) else {
                let error = MappingError::new(
                    path::member(&self.path, key),
                    MappingErrorKind::UnknownField {
                        field: key.clone(),
                        shape: schema.shape_id().as_str().to_string(),
                    },
                )
                .with_hint(suggest(key, member_keys()));
                return Err(self.cx.fail(error));
            };
            present.push((key, value, *member));
        }
        if self.cx.validate {
            self.require(schema, &present)?;
        }
        if schema.is_union() && present.len() != 1 {
            // The generated code would only say "mixed variants"; name the
            // union and its members instead.
            let name = short_shape_name(schema.shape_id().as_str());
            let keys: Vec<&str> = present.iter().map(|(key, _, _)| key.as_str()).collect();
            let message = if keys.is_empty() {
                format!("{name} needs exactly one member, found none")
            } else {
                format!(
                    "{name} takes exactly one member, found {}: {}",
                    keys.len(),
                    keys.join(", ")
                )
            };
            let choices: Vec<&str> = member_keys().collect();
            let error = MappingError::new(self.path.clone(), MappingErrorKind::Other(message))
                .with_hint(Some(format!("set one of: {}", choices.join(", "))));
            return Err(self.cx.fail(error));
        }
        for (key, value, member) in present {
            let mut child = self.child(value, path::member(&self.path, key));
            if let Err(error) = state(member, &mut child) {
                return Err(self.cx.locate(&child.path, error));
            }
        }
        Ok(())
    }

    fn read_list(
        &mut self,
        schema: &Schema<'_>,
        state: &mut dyn FnMut(&mut dyn ShapeDeserializer) -> Result<(), SerdeError>,
    ) -> Result<(), SerdeError> {
        let Value::Array(items) = self.value else {
            return Err(self.wrong_type("list"));
        };
        self.constrain(schema)?;
        for (index, item) in items.iter().enumerate() {
            let mut child = self.child(item, path::index(&self.path, index));
            if let Err(error) = state(&mut child) {
                return Err(self.cx.locate(&child.path, error));
            }
        }
        Ok(())
    }

    fn read_map(
        &mut self,
        schema: &Schema<'_>,
        state: &mut dyn FnMut(String, &mut dyn ShapeDeserializer) -> Result<(), SerdeError>,
    ) -> Result<(), SerdeError> {
        let Value::Object(entries) = self.value else {
            return Err(self.wrong_type(map_label(schema)));
        };
        self.constrain(schema)?;
        // Keys are data (hyperparameter names, environment variables): they
        // are passed through untouched, never renamed.
        for (key, value) in entries {
            let mut child = self.child(value, path::key(&self.path, key));
            if let Err(error) = state(key.clone(), &mut child) {
                return Err(self.cx.locate(&child.path, error));
            }
        }
        Ok(())
    }

    fn read_boolean(&mut self, _schema: &Schema<'_>) -> Result<bool, SerdeError> {
        self.value.as_bool().ok_or_else(|| self.wrong_type("boolean"))
    }

    fn read_byte(&mut self, _schema: &Schema<'_>) -> Result<i8, SerdeError> {
        let value = self.integer("byte (int8)", i8::MIN.into(), i8::MAX.into())?;
        i8::try_from(value).map_err(|e| self.invalid(e.to_string()))
    }

    fn read_short(&mut self, _schema: &Schema<'_>) -> Result<i16, SerdeError> {
        let value = self.integer("short (int16)", i16::MIN.into(), i16::MAX.into())?;
        i16::try_from(value).map_err(|e| self.invalid(e.to_string()))
    }

    fn read_integer(&mut self, schema: &Schema<'_>) -> Result<i32, SerdeError> {
        let value = self.integer("integer (int32)", i32::MIN.into(), i32::MAX.into())?;
        self.constrain(schema)?;
        i32::try_from(value).map_err(|e| self.invalid(e.to_string()))
    }

    fn read_long(&mut self, schema: &Schema<'_>) -> Result<i64, SerdeError> {
        let value = self.integer("long (int64)", i64::MIN, i64::MAX)?;
        self.constrain(schema)?;
        Ok(value)
    }

    fn read_float(&mut self, _schema: &Schema<'_>) -> Result<f32, SerdeError> {
        let value = self.float("number (float)")?;
        if value.is_finite() && value.abs() > f64::from(f32::MAX) {
            return Err(self.fail(MappingErrorKind::OutOfRange {
                value: value.to_string(),
                expected: "number (float)",
            }));
        }
        Ok(value as f32)
    }

    fn read_double(&mut self, schema: &Schema<'_>) -> Result<f64, SerdeError> {
        let value = self.float("number (double)")?;
        self.constrain(schema)?;
        Ok(value)
    }

    fn read_big_integer(&mut self, _schema: &Schema<'_>) -> Result<BigInteger, SerdeError> {
        let text = self.big_number_text("integer")?;
        text.parse()
            .map_err(|_| self.invalid(format!("{text:?} is not an integer")))
    }

    fn read_big_decimal(&mut self, _schema: &Schema<'_>) -> Result<BigDecimal, SerdeError> {
        let text = self.big_number_text("number")?;
        text.parse()
            .map_err(|_| self.invalid(format!("{text:?} is not a decimal number")))
    }

    fn read_string(&mut self, schema: &Schema<'_>) -> Result<String, SerdeError> {
        match self.value {
            Value::String(text) => {
                self.constrain(schema)?;
                Ok(text.clone())
            }
            _ => Err(self.wrong_type("string")),
        }
    }

    fn read_blob(&mut self, _schema: &Schema<'_>) -> Result<Blob, SerdeError> {
        let Value::String(text) = self.value else {
            return Err(self.wrong_type("base64 string"));
        };
        aws_smithy_types::base64::decode(text)
            .map(Blob::new)
            .map_err(|e| self.invalid(format!("invalid base64: {e}")))
    }

    fn read_timestamp(&mut self, schema: &Schema<'_>) -> Result<DateTime, SerdeError> {
        match timestamp_format(self.cx.naming, schema) {
            Format::EpochSeconds => {
                let Value::Number(number) = self.value else {
                    return Err(self.wrong_type("epoch seconds timestamp"));
                };
                // Parse the decimal text, not the f64, so that milliseconds
                // survive exactly (1576540098.52 is not a binary fraction).
                DateTime::from_str(&number.to_string(), Format::EpochSeconds).or_else(|_| {
                    number
                        .as_f64()
                        .filter(|seconds| seconds.is_finite())
                        .map(DateTime::from_secs_f64)
                        .ok_or_else(|| self.wrong_type("epoch seconds timestamp"))
                })
            }
            format => {
                let Value::String(text) = self.value else {
                    return Err(self.wrong_type(match format {
                        Format::HttpDate => "HTTP date timestamp",
                        _ => "RFC 3339 timestamp",
                    }));
                };
                let parse_format = match format {
                    // Accept any RFC 3339 offset on input; output is always UTC.
                    Format::DateTime => Format::DateTimeWithOffset,
                    other => other,
                };
                DateTime::from_str(text, parse_format)
                    .map_err(|e| self.invalid(format!("invalid timestamp {text:?}: {e}")))
            }
        }
    }

    fn read_document(&mut self, _schema: &Schema<'_>) -> Result<Document, SerdeError> {
        Ok(to_document(self.value))
    }

    fn is_null(&self) -> bool {
        self.value.is_null()
    }

    fn skip_value(&mut self) -> Result<(), SerdeError> {
        // Each value is already isolated by its parent; nothing to advance.
        Ok(())
    }

    fn container_size(&self) -> Option<usize> {
        match self.value {
            Value::Array(items) => Some(items.len()),
            Value::Object(entries) => Some(entries.len()),
            _ => None,
        }
    }
}

/// The timestamp format of a member under a naming: Kubernetes (ACK) always
/// uses RFC 3339; the AWS JSON protocols use epoch seconds unless the member
/// says otherwise with `@timestampFormat`.
pub(crate) fn timestamp_format(naming: Naming, schema: &Schema<'_>) -> Format {
    match naming {
        Naming::Ack => Format::DateTime,
        Naming::Aws => match schema.timestamp_format().map(|t| t.format()) {
            Some(TimestampFormat::DateTime) => Format::DateTime,
            Some(TimestampFormat::HttpDate) => Format::HttpDate,
            _ => Format::EpochSeconds,
        },
    }
}

/// JSON to a Smithy document, for document-typed members (passed through).
fn to_document(value: &Value) -> Document {
    match value {
        Value::Null => Document::Null,
        Value::Bool(flag) => Document::Bool(*flag),
        Value::Number(number) => Document::Number(if let Some(u) = number.as_u64() {
            Number::PosInt(u)
        } else if let Some(i) = number.as_i64() {
            Number::NegInt(i)
        } else {
            Number::Float(number.as_f64().unwrap_or(f64::NAN))
        }),
        Value::String(text) => Document::String(text.clone()),
        Value::Array(items) => Document::Array(items.iter().map(to_document).collect()),
        Value::Object(entries) => Document::Object(
            entries
                .iter()
                .map(|(key, value)| (key.clone(), to_document(value)))
                .collect(),
        ),
    }
}
