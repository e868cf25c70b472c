//! Shape features the SageMaker inputs do not exercise (documents, blobs,
//! unions, recursion, bytes, longs, floats, sparse lists, maps of
//! structures), on a small hand-written shape that mirrors what the SDK's
//! code generator emits: static schemas, a `deserialize` that drives
//! `read_struct`, and an `impl SerializableStruct`.

use std::collections::HashMap;

use aws_smithy_schema::serde::{SerdeError, SerializableStruct, ShapeDeserializer, ShapeSerializer};
use aws_smithy_schema::{Schema, ShapeId, ShapeType, prelude};
use aws_smithy_types::{Blob, Document};
use sagemaker_schema::{MappingErrorKind, Naming, from_json, member_paths, openapi_schema, to_json};
use serde_json::{Value, json};

const fn member(
    id: &'static str,
    shape_type: ShapeType,
    name: &'static str,
    index: usize,
) -> Schema<'static> {
    Schema::new_member(ShapeId::from_parts(id, "test", "Widget"), shape_type, name, index)
}

static WIDGET_NAME: Schema<'static> = member("test#Widget$Name", ShapeType::String, "Name", 0);
static WIDGET_PAYLOAD: Schema<'static> = member("test#Widget$Payload", ShapeType::Blob, "Payload", 1);
static WIDGET_SETTINGS: Schema<'static> = member("test#Widget$Settings", ShapeType::Document, "Settings", 2);
static WIDGET_SIZE: Schema<'static> = member("test#Widget$Size", ShapeType::Long, "Size", 3);
static WIDGET_RATIO: Schema<'static> = member("test#Widget$Ratio", ShapeType::Float, "Ratio", 4);
static WIDGET_LEVEL: Schema<'static> = member("test#Widget$Level", ShapeType::Byte, "Level", 5);
static WIDGET_CHOICE: Schema<'static> = member("test#Widget$Choice", ShapeType::Union, "Choice", 6);
static PARTS_MEMBER: Schema<'static> = member("test#Parts$member", ShapeType::Structure, "member", 0);
static WIDGET_PARTS: Schema<'static> =
    member("test#Widget$Parts", ShapeType::List, "Parts", 7).with_list_member(&PARTS_MEMBER);
static WIDGET_TYPE: Schema<'static> = member("test#Widget$Type", ShapeType::String, "Type", 8);
static LABELS_KEY: Schema<'static> = member("test#Labels$key", ShapeType::String, "key", 0);
static LABELS_VALUE: Schema<'static> = member("test#Labels$value", ShapeType::Structure, "value", 1);
static WIDGET_LABELS: Schema<'static> =
    member("test#Widget$Labels", ShapeType::Map, "Labels", 9).with_map_members(&LABELS_KEY, &LABELS_VALUE);
static SPARSE_MEMBER: Schema<'static> = member("test#Sparse$member", ShapeType::String, "member", 0);
static WIDGET_SPARSE: Schema<'static> =
    member("test#Widget$Sparse", ShapeType::List, "Sparse", 10).with_list_member(&SPARSE_MEMBER);
static WIDGET: Schema<'static> = Schema::new_struct(
    ShapeId::from_parts("test#Widget", "test", "Widget"),
    ShapeType::Structure,
    &[
        &WIDGET_NAME,
        &WIDGET_PAYLOAD,
        &WIDGET_SETTINGS,
        &WIDGET_SIZE,
        &WIDGET_RATIO,
        &WIDGET_LEVEL,
        &WIDGET_CHOICE,
        &WIDGET_PARTS,
        &WIDGET_TYPE,
        &WIDGET_LABELS,
        &WIDGET_SPARSE,
    ],
);

static PART_ID: Schema<'static> = member("test#Part$Id", ShapeType::String, "Id", 0);
static PART_CHILDREN: Schema<'static> =
    member("test#Part$Children", ShapeType::List, "Children", 1).with_list_member(&PARTS_MEMBER);
static PART: Schema<'static> = Schema::new_struct(
    ShapeId::from_parts("test#Part", "test", "Part"),
    ShapeType::Structure,
    &[&PART_ID, &PART_CHILDREN],
);

static CHOICE_A: Schema<'static> = member("test#Choice$A", ShapeType::String, "A", 0);
static CHOICE_B: Schema<'static> = member("test#Choice$B", ShapeType::Integer, "B", 1);
static CHOICE: Schema<'static> = Schema::new_struct(
    ShapeId::from_parts("test#Choice", "test", "Choice"),
    ShapeType::Union,
    &[&CHOICE_A, &CHOICE_B],
);

#[derive(Debug, Default, Clone, PartialEq)]
struct Widget {
    name: Option<String>,
    payload: Option<Blob>,
    settings: Option<Document>,
    size: Option<i64>,
    ratio: Option<f32>,
    level: Option<i8>,
    choice: Option<Choice>,
    parts: Option<Vec<Part>>,
    type_: Option<String>,
    labels: Option<HashMap<String, Part>>,
    sparse: Option<Vec<Option<String>>>,
}

#[derive(Debug, Default, Clone, PartialEq)]
struct Part {
    id: Option<String>,
    children: Option<Vec<Part>>,
}

#[derive(Debug, Clone, PartialEq)]
enum Choice {
    A(String),
    B(i32),
}

impl Widget {
    fn deserialize(deserializer: &mut dyn ShapeDeserializer) -> Result<Self, SerdeError> {
        let mut out = Widget::default();
        deserializer.read_struct(&WIDGET, &mut |member, deser| {
            match member.member_index() {
                Some(0) => out.name = Some(deser.read_string(member)?),
                Some(1) => out.payload = Some(deser.read_blob(member)?),
                Some(2) => out.settings = Some(deser.read_document(member)?),
                Some(3) => out.size = Some(deser.read_long(member)?),
                Some(4) => out.ratio = Some(deser.read_float(member)?),
                Some(5) => out.level = Some(deser.read_byte(member)?),
                Some(6) => out.choice = Some(Choice::deserialize(deser)?),
                Some(7) => {
                    let mut parts = Vec::new();
                    deser.read_list(member, &mut |d| {
                        parts.push(Part::deserialize(d)?);
                        Ok(())
                    })?;
                    out.parts = Some(parts);
                }
                Some(8) => out.type_ = Some(deser.read_string(member)?),
                Some(9) => {
                    let mut labels = HashMap::new();
                    deser.read_map(member, &mut |key, d| {
                        labels.insert(key, Part::deserialize(d)?);
                        Ok(())
                    })?;
                    out.labels = Some(labels);
                }
                Some(10) => {
                    let mut items = Vec::new();
                    deser.read_list(member, &mut |d| {
                        if d.is_null() {
                            d.read_null()?;
                            items.push(None);
                        } else {
                            items.push(Some(d.read_string(&SPARSE_MEMBER)?));
                        }
                        Ok(())
                    })?;
                    out.sparse = Some(items);
                }
                _ => {}
            }
            Ok(())
        })?;
        Ok(out)
    }
}

impl SerializableStruct for Widget {
    fn schema(&self) -> &Schema<'_> {
        &WIDGET
    }

    fn serialize_members(&self, ser: &mut dyn ShapeSerializer) -> Result<(), SerdeError> {
        if let Some(value) = &self.name {
            ser.write_string(&WIDGET_NAME, value)?;
        }
        if let Some(value) = &self.payload {
            ser.write_blob(&WIDGET_PAYLOAD, value.clone())?;
        }
        if let Some(value) = &self.settings {
            ser.write_document(&WIDGET_SETTINGS, value)?;
        }
        if let Some(value) = self.size {
            ser.write_long(&WIDGET_SIZE, value)?;
        }
        if let Some(value) = self.ratio {
            ser.write_float(&WIDGET_RATIO, value)?;
        }
        if let Some(value) = self.level {
            ser.write_byte(&WIDGET_LEVEL, value)?;
        }
        if let Some(value) = &self.choice {
            ser.write_struct(&WIDGET_CHOICE, value)?;
        }
        if let Some(parts) = &self.parts {
            ser.write_list(&WIDGET_PARTS, &|ser| {
                for part in parts {
                    ser.write_struct(&PART, part)?;
                }
                Ok(())
            })?;
        }
        if let Some(value) = &self.type_ {
            ser.write_string(&WIDGET_TYPE, value)?;
        }
        if let Some(labels) = &self.labels {
            ser.write_map(&WIDGET_LABELS, &|ser| {
                for (key, part) in labels {
                    ser.write_string(&prelude::STRING, key)?;
                    ser.write_struct(&PART, part)?;
                }
                Ok(())
            })?;
        }
        if let Some(items) = &self.sparse {
            ser.write_list_with_length(&WIDGET_SPARSE, items.len(), &|ser| {
                for item in items {
                    match item {
                        Some(value) => ser.write_string(&prelude::STRING, value)?,
                        None => ser.write_null(&prelude::STRING)?,
                    }
                }
                Ok(())
            })?;
        }
        Ok(())
    }
}

impl Part {
    fn deserialize(deserializer: &mut dyn ShapeDeserializer) -> Result<Self, SerdeError> {
        let mut out = Part::default();
        deserializer.read_struct(&PART, &mut |member, deser| {
            match member.member_index() {
                Some(0) => out.id = Some(deser.read_string(member)?),
                Some(1) => {
                    let mut children = Vec::new();
                    deser.read_list(member, &mut |d| {
                        children.push(Part::deserialize(d)?);
                        Ok(())
                    })?;
                    out.children = Some(children);
                }
                _ => {}
            }
            Ok(())
        })?;
        if out.id.as_deref() == Some("") {
            return Err(SerdeError::custom("Id must not be empty"));
        }
        Ok(out)
    }
}

impl SerializableStruct for Part {
    fn schema(&self) -> &Schema<'_> {
        &PART
    }

    fn serialize_members(&self, ser: &mut dyn ShapeSerializer) -> Result<(), SerdeError> {
        if let Some(value) = &self.id {
            ser.write_string(&PART_ID, value)?;
        }
        if let Some(children) = &self.children {
            ser.write_list(&PART_CHILDREN, &|ser| {
                for child in children {
                    ser.write_struct(&PART, child)?;
                }
                Ok(())
            })?;
        }
        Ok(())
    }
}

impl Choice {
    fn deserialize(deserializer: &mut dyn ShapeDeserializer) -> Result<Self, SerdeError> {
        let mut result = None;
        deserializer.read_struct(&CHOICE, &mut |member, deser| {
            if result.is_some() {
                return Err(SerdeError::invalid_input("encountered mixed variants in union"));
            }
            result = Some(match member.member_index() {
                Some(0) => Choice::A(deser.read_string(member)?),
                Some(1) => Choice::B(deser.read_integer(member)?),
                _ => return Err(SerdeError::custom("unknown variant")),
            });
            Ok(())
        })?;
        result.ok_or_else(|| SerdeError::custom("expected a union variant"))
    }
}

impl SerializableStruct for Choice {
    fn schema(&self) -> &Schema<'_> {
        &CHOICE
    }

    fn serialize_members(&self, ser: &mut dyn ShapeSerializer) -> Result<(), SerdeError> {
        match self {
            Choice::A(value) => ser.write_string(&CHOICE_A, value),
            Choice::B(value) => ser.write_integer(&CHOICE_B, *value),
        }
    }
}

fn widget(value: &Value) -> Result<Widget, sagemaker_schema::MappingError> {
    from_json(value, Naming::Ack, Widget::deserialize)
}

fn round_trips(ack: Value) -> Widget {
    let typed = widget(&ack).expect("maps");
    assert_eq!(to_json(&typed, Naming::Ack).expect("serializes"), ack);
    let aws = to_json(&typed, Naming::Aws).expect("serializes to AWS naming");
    let again = from_json(&aws, Naming::Aws, Widget::deserialize).expect("AWS JSON maps back");
    assert_eq!(again, typed);
    typed
}

#[test]
fn documents_pass_through_unchanged() {
    let settings = json!({
        "nested": {"list": [1, -2, 2.5, "three", false, null, {"deep": {}}]},
        "big": 18446744073709551615_u64,
        "empty": []
    });
    let typed = round_trips(json!({"settings": settings.clone()}));
    assert!(matches!(typed.settings, Some(Document::Object(_))));
}

#[test]
fn blobs_are_base64_strings_in_both_namings() {
    let typed = round_trips(json!({"payload": "aGVsbG8gd29ybGQ="}));
    assert_eq!(typed.payload, Some(Blob::new(b"hello world".to_vec())));
    let error = widget(&json!({"payload": "not base64!"})).expect_err("bad base64");
    assert_eq!(error.path, "payload");
    assert!(error.to_string().contains("invalid base64"), "{error}");
}

#[test]
fn a_union_takes_exactly_one_member() {
    assert_eq!(
        round_trips(json!({"choice": {"b": 3}})).choice,
        Some(Choice::B(3))
    );
    assert_eq!(
        round_trips(json!({"choice": {"a": "x"}})).choice,
        Some(Choice::A("x".into()))
    );
    // A null member is absent, so this is still one member.
    assert_eq!(
        widget(&json!({"choice": {"a": "x", "b": null}}))
            .expect("maps")
            .choice,
        Some(Choice::A("x".into()))
    );

    let error = widget(&json!({"choice": {"a": "x", "b": 1}})).expect_err("two members");
    assert_eq!(error.path, "choice");
    assert_eq!(
        error.kind,
        MappingErrorKind::Other("Choice takes exactly one member, found 2: a, b".into())
    );
    assert_eq!(error.hint.as_deref(), Some("set one of: a, b"));

    let error = widget(&json!({"choice": {"a": "x", "c": 1}})).expect_err("unknown member");
    assert_eq!(error.path, "choice.c");
    assert_eq!(
        error.kind,
        MappingErrorKind::UnknownField {
            field: "c".into(),
            shape: "test#Choice".into()
        }
    );

    let error = widget(&json!({"choice": {}})).expect_err("no member");
    assert_eq!(
        error.to_string(),
        "field \"choice\": Choice needs exactly one member, found none; set one of: a, b"
    );
}

#[test]
fn a_recursive_shape_is_walked_once_and_then_left_open_in_the_openapi_schema() {
    let schema = openapi_schema(|d| Widget::deserialize(d).map(drop));
    let part = &schema["properties"]["parts"]["items"];
    assert_eq!(part["properties"]["id"], json!({"type": "string"}));
    assert_eq!(
        part["properties"]["children"]["items"],
        json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
    );
    // Data nests as deep as it likes.
    let deep = json!({"parts": [{"id": "1", "children": [{"id": "1.1", "children": [{"id": "1.1.1"}]}]}]});
    let typed = round_trips(deep);
    let parts = typed.parts.expect("parts");
    assert_eq!(
        parts[0].children.as_ref().expect("children")[0]
            .children
            .as_ref()
            .expect("grandchildren")[0]
            .id
            .as_deref(),
        Some("1.1.1")
    );
}

#[test]
fn the_openapi_schema_maps_every_shape_type() {
    let schema = openapi_schema(|d| Widget::deserialize(d).map(drop));
    let expected = json!({
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "payload": {"type": "string"},
            "settings": {"x-kubernetes-preserve-unknown-fields": true},
            "size": {"type": "integer"},
            "ratio": {"type": "number"},
            "level": {"type": "integer"},
            "choice": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}},
            "parts": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "string"},
                "children": {"type": "array", "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}
            }}},
            "type_": {"type": "string"},
            "labels": {"type": "object", "additionalProperties": {"type": "object", "properties": {
                "id": {"type": "string"},
                "children": {"type": "array", "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}
            }}},
            "sparse": {"type": "array", "items": {"type": "string"}}
        }
    });
    assert_eq!(schema, expected);
    assert_eq!(
        serde_json::to_string(&schema).expect("serializes"),
        serde_json::to_string(&expected).expect("serializes"),
        "members in schema order"
    );
    let paths = member_paths(|d| Widget::deserialize(d).map(drop));
    assert!(paths.contains(&"labels{}.children".to_string()), "{paths:?}");
    assert!(paths.contains(&"parts[].id".to_string()), "{paths:?}");
}

#[test]
fn a_member_named_type_is_type_underscore_in_ack_naming_only() {
    let typed = round_trips(json!({"type_": "Linear"}));
    assert_eq!(typed.type_.as_deref(), Some("Linear"));
    assert_eq!(
        to_json(&typed, Naming::Aws).expect("serializes"),
        json!({"Type": "Linear"})
    );
    let error = widget(&json!({"type": "Linear"})).expect_err("Go keyword without underscore");
    assert_eq!(error.hint.as_deref(), Some("did you mean \"type_\"?"));
}

#[test]
fn integer_members_are_range_checked_by_their_own_width() {
    let error = widget(&json!({"level": 200})).expect_err("byte overflow");
    assert_eq!(
        error.kind,
        MappingErrorKind::OutOfRange {
            value: "200".into(),
            expected: "byte (int8)"
        }
    );
    assert_eq!(
        round_trips(json!({"size": 3_000_000_000_i64})).size,
        Some(3_000_000_000)
    );
    assert_eq!(round_trips(json!({"size": i64::MIN})).size, Some(i64::MIN));
    let error = widget(&json!({"size": u64::MAX})).expect_err("long overflow");
    assert_eq!(
        error.kind,
        MappingErrorKind::OutOfRange {
            value: u64::MAX.to_string(),
            expected: "long (int64)"
        }
    );
}

#[test]
fn floats_keep_their_short_decimal_form_and_non_finite_values_are_strings() {
    let typed = round_trips(json!({"ratio": 0.1}));
    assert_eq!(typed.ratio, Some(0.1));
    // NaN is not equal to itself, so compare the JSON only.
    let nan = widget(&json!({"ratio": "NaN"})).expect("NaN maps");
    assert!(nan.ratio.is_some_and(f32::is_nan));
    assert_eq!(
        to_json(&nan, Naming::Ack).expect("serializes"),
        json!({"ratio": "NaN"})
    );
    assert_eq!(
        to_json(&nan, Naming::Aws).expect("serializes"),
        json!({"Ratio": "NaN"})
    );
    round_trips(json!({"ratio": "-Infinity"}));
    let error = widget(&json!({"ratio": 1e300})).expect_err("beyond f32");
    assert!(matches!(
        error.kind,
        MappingErrorKind::OutOfRange {
            expected: "number (float)",
            ..
        }
    ));
}

#[test]
fn nulls_in_a_sparse_list_are_kept() {
    let typed = round_trips(json!({"sparse": ["a", null, "b"]}));
    assert_eq!(typed.sparse, Some(vec![Some("a".into()), None, Some("b".into())]));
}

#[test]
fn errors_inside_maps_of_structures_name_the_key_and_member() {
    let round = round_trips(json!({"labels": {"first.key": {"id": "1"}, "second": {"children": []}}}));
    assert_eq!(round.labels.map(|l| l.len()), Some(2));
    let error = widget(&json!({"labels": {"first.key": {"ID": "1"}}})).expect_err("unknown member");
    assert_eq!(error.path, "labels[\"first.key\"].ID");
    assert_eq!(error.hint.as_deref(), Some("did you mean \"id\"?"));
    assert_eq!(
        error.kind,
        MappingErrorKind::UnknownField {
            field: "ID".into(),
            shape: "test#Part".into()
        }
    );
}

#[test]
fn errors_raised_by_generated_code_are_located_at_the_value_it_was_reading() {
    // Part::deserialize rejects an empty id after reading, as a generated
    // builder rejects a missing required member.
    let error =
        widget(&json!({"parts": [{"id": "ok"}, {"children": [{"id": ""}]}]})).expect_err("builder error");
    assert_eq!(error.path, "parts[1].children[0]");
    assert_eq!(error.kind, MappingErrorKind::Other("Id must not be empty".into()));
    assert_eq!(
        error.to_string(),
        "field \"parts[1].children[0]\": Id must not be empty"
    );
}

#[test]
fn wrong_types_deep_in_nested_lists_name_the_full_path() {
    let error = widget(&json!({"parts": [{"id": "ok"}, {"children": [{"id": 7}]}]})).expect_err("wrong type");
    assert_eq!(error.path, "parts[1].children[0].id");
    assert_eq!(
        error.kind,
        MappingErrorKind::WrongType {
            expected: "string",
            found: "number"
        }
    );
}
