//! Walking a shape's schema tree through its generated `deserialize`.
//!
//! A structure's member schemas say "this member is a structure" but do not
//! link to the target's members. The target's own `deserialize` does: it calls
//! `read_struct` with the target schema. So a recording deserializer that
//! offers every member once, and answers every read with a placeholder,
//! visits the whole tree and notes what type each position was read as.

use std::cell::RefCell;

use aws_smithy_schema::serde::{SerdeError, ShapeDeserializer};
use aws_smithy_schema::{Schema, ShapeType};
use aws_smithy_types::{BigDecimal, BigInteger, Blob, DateTime, Document};
use serde_json::{Map, Value, json};

use crate::names::ack_member_name;

/// What one position of the tree was read as.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Scalar(ShapeType),
    Struct(Vec<Member>),
    /// Items, and the id of the list's member schema (`InstanceGroups$member`).
    List(Box<Node>, String),
    /// Values, and the id of the map's value schema (`HyperParameters$value`).
    Map(Box<Node>, String),
    /// A structure that contains itself, or an aggregate that was never read.
    Opaque,
}

#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub(crate) ack_name: String,
    /// The member's shape id (`com.amazonaws.sagemaker#ResourceConfig$InstanceCount`).
    pub(crate) id: String,
    /// Marked `@required` (only service-model schemas mark it).
    pub(crate) required: bool,
    pub(crate) node: Node,
}

/// Records one position. `abort_after_read` is set for union members: a
/// generated union `deserialize` accepts one member and rejects a second one
/// as "mixed variants", but a member whose read *fails* leaves it free to
/// accept the next. So each union member read is recorded and then failed.
struct Recorder<'a> {
    node: Option<Node>,
    /// Shape ids of the structures being walked, to stop at recursion.
    ancestors: &'a RefCell<Vec<String>>,
    abort_after_read: bool,
}

impl<'a> Recorder<'a> {
    fn new(ancestors: &'a RefCell<Vec<String>>, abort_after_read: bool) -> Self {
        Self {
            node: None,
            ancestors,
            abort_after_read,
        }
    }

    fn finish(&self) -> Result<(), SerdeError> {
        if self.abort_after_read {
            Err(SerdeError::custom("schema walk: union member recorded"))
        } else {
            Ok(())
        }
    }

    fn scalar<T>(&mut self, shape_type: ShapeType, placeholder: T) -> Result<T, SerdeError> {
        self.node = Some(Node::Scalar(shape_type));
        self.finish().map(|()| placeholder)
    }

    fn into_node(self, fallback: Option<ShapeType>) -> Node {
        self.node.unwrap_or(match fallback {
            Some(
                shape_type @ (ShapeType::Boolean
                | ShapeType::Byte
                | ShapeType::Short
                | ShapeType::Integer
                | ShapeType::Long
                | ShapeType::Float
                | ShapeType::Double
                | ShapeType::BigInteger
                | ShapeType::BigDecimal
                | ShapeType::String
                | ShapeType::Blob
                | ShapeType::Timestamp
                | ShapeType::Document),
            ) => Node::Scalar(shape_type),
            _ => Node::Opaque,
        })
    }
}

impl ShapeDeserializer for Recorder<'_> {
    fn read_struct(
        &mut self,
        schema: &Schema<'_>,
        state: &mut dyn FnMut(&Schema<'_>, &mut dyn ShapeDeserializer) -> Result<(), SerdeError>,
    ) -> Result<(), SerdeError> {
        let id = schema.shape_id().as_str().to_string();
        if self.ancestors.borrow().contains(&id) {
            self.node = Some(Node::Opaque);
            return self.finish();
        }
        self.ancestors.borrow_mut().push(id);
        let mut members = Vec::new();
        for member in schema.members() {
            let mut child = Recorder::new(self.ancestors, schema.is_union());
            // Errors are expected here (union members, builders that reject
            // placeholder values); the recording is what matters.
            let _ = state(member, &mut child);
            members.push(Member {
                ack_name: ack_member_name(member).to_string(),
                id: member.shape_id().as_str().to_string(),
                required: crate::constraints::is_required(member),
                node: child.into_node(Some(member.shape_type())),
            });
        }
        self.ancestors.borrow_mut().pop();
        self.node = Some(Node::Struct(members));
        self.finish()
    }

    fn read_list(
        &mut self,
        schema: &Schema<'_>,
        state: &mut dyn FnMut(&mut dyn ShapeDeserializer) -> Result<(), SerdeError>,
    ) -> Result<(), SerdeError> {
        let mut child = Recorder::new(self.ancestors, false);
        let _ = state(&mut child);
        let item = child.into_node(schema.member().map(Schema::shape_type));
        let id = schema.member().map(|m| m.shape_id().as_str().to_string()).unwrap_or_default();
        self.node = Some(Node::List(Box::new(item), id));
        self.finish()
    }

    fn read_map(
        &mut self,
        schema: &Schema<'_>,
        state: &mut dyn FnMut(String, &mut dyn ShapeDeserializer) -> Result<(), SerdeError>,
    ) -> Result<(), SerdeError> {
        let mut child = Recorder::new(self.ancestors, false);
        let _ = state(String::from("key"), &mut child);
        let value = child.into_node(schema.member().map(Schema::shape_type));
        let id = schema.member().map(|m| m.shape_id().as_str().to_string()).unwrap_or_default();
        self.node = Some(Node::Map(Box::new(value), id));
        self.finish()
    }

    fn read_boolean(&mut self, _: &Schema<'_>) -> Result<bool, SerdeError> {
        self.scalar(ShapeType::Boolean, false)
    }

    fn read_byte(&mut self, _: &Schema<'_>) -> Result<i8, SerdeError> {
        self.scalar(ShapeType::Byte, 0)
    }

    fn read_short(&mut self, _: &Schema<'_>) -> Result<i16, SerdeError> {
        self.scalar(ShapeType::Short, 0)
    }

    fn read_integer(&mut self, _: &Schema<'_>) -> Result<i32, SerdeError> {
        self.scalar(ShapeType::Integer, 0)
    }

    fn read_long(&mut self, _: &Schema<'_>) -> Result<i64, SerdeError> {
        self.scalar(ShapeType::Long, 0)
    }

    fn read_float(&mut self, _: &Schema<'_>) -> Result<f32, SerdeError> {
        self.scalar(ShapeType::Float, 0.0)
    }

    fn read_double(&mut self, _: &Schema<'_>) -> Result<f64, SerdeError> {
        self.scalar(ShapeType::Double, 0.0)
    }

    fn read_big_integer(&mut self, _: &Schema<'_>) -> Result<BigInteger, SerdeError> {
        self.scalar(ShapeType::BigInteger, BigInteger::default())
    }

    fn read_big_decimal(&mut self, _: &Schema<'_>) -> Result<BigDecimal, SerdeError> {
        self.scalar(ShapeType::BigDecimal, BigDecimal::default())
    }

    fn read_string(&mut self, _: &Schema<'_>) -> Result<String, SerdeError> {
        self.scalar(ShapeType::String, String::new())
    }

    fn read_blob(&mut self, _: &Schema<'_>) -> Result<Blob, SerdeError> {
        self.scalar(ShapeType::Blob, Blob::new(Vec::new()))
    }

    fn read_timestamp(&mut self, _: &Schema<'_>) -> Result<DateTime, SerdeError> {
        self.scalar(ShapeType::Timestamp, DateTime::from_secs(0))
    }

    fn read_document(&mut self, _: &Schema<'_>) -> Result<Document, SerdeError> {
        self.scalar(ShapeType::Document, Document::Null)
    }

    fn is_null(&self) -> bool {
        false
    }

    fn skip_value(&mut self) -> Result<(), SerdeError> {
        Ok(())
    }

    fn container_size(&self) -> Option<usize> {
        Some(1)
    }
}

/// Walks a shape through `read` (its generated `deserialize`).
pub(crate) fn walk(read: impl FnOnce(&mut dyn ShapeDeserializer) -> Result<(), SerdeError>) -> Node {
    let ancestors = RefCell::new(Vec::new());
    let mut root = Recorder::new(&ancestors, false);
    // A builder may reject the placeholder values; the recording is complete
    // by then.
    let _ = read(&mut root);
    root.into_node(None)
}

/// The Kubernetes structural OpenAPI v3 schema of a node; with
/// `constrained`, each member also carries the service model's constraints
/// and each object its `@required` members (for inputs only: the API server
/// must accept whatever AWS answers in status).
pub(crate) fn openapi(node: &Node, constrained: bool) -> Value {
    let with = |mut schema: Value, id: &str| {
        if constrained && let Some(c) = crate::constraints::of(id) {
            constrain(&mut schema, c);
        }
        schema
    };
    match node {
        Node::Struct(members) => {
            let properties: Map<String, Value> = members
                .iter()
                .map(|member| (member.ack_name.clone(), with(openapi(&member.node, constrained), &member.id)))
                .collect();
            let required: Vec<&str> = members
                .iter()
                .filter(|m| constrained && m.required)
                .map(|m| m.ack_name.as_str())
                .collect();
            if required.is_empty() {
                json!({"type": "object", "properties": properties})
            } else {
                json!({"type": "object", "properties": properties, "required": required})
            }
        }
        Node::List(item, id) => json!({"type": "array", "items": with(openapi(item, constrained), id)}),
        Node::Map(value, id) => {
            json!({"type": "object", "additionalProperties": with(openapi(value, constrained), id)})
        }
        Node::Scalar(shape_type) => scalar_openapi(*shape_type),
        Node::Opaque => json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}),
    }
}

/// Adds a constraint to a schema in OpenAPI's words.
fn constrain(schema: &mut Value, c: &crate::constraints::Constraint) {
    let number = |n: f64| if n.fract() == 0.0 { json!(n as i64) } else { json!(n) };
    let Some(obj) = schema.as_object_mut() else { return };
    let kind = obj.get("type").and_then(Value::as_str).unwrap_or_default().to_string();
    match kind.as_str() {
        "string" => {
            if let Some(values) = c.enum_values {
                obj.insert("enum".into(), json!(values));
            }
            if let Some(n) = c.length.0.filter(|n| *n > 0) {
                obj.insert("minLength".into(), json!(n));
            }
            if let Some(n) = c.length.1 {
                obj.insert("maxLength".into(), json!(n));
            }
            // only patterns this crate can enforce too, anchored as SageMaker does
            if let Some(p) = c.pattern.filter(|_| c.enum_values.is_none()).and_then(crate::constraints::crd_pattern) {
                obj.insert("pattern".into(), json!(p));
            }
        }
        "integer" | "number" => {
            if let Some(n) = c.range.0 {
                obj.insert("minimum".into(), number(n));
            }
            if let Some(n) = c.range.1 {
                obj.insert("maximum".into(), number(n));
            }
        }
        "array" => {
            if let Some(n) = c.items.0.filter(|n| *n > 0) {
                obj.insert("minItems".into(), json!(n));
            }
            if let Some(n) = c.items.1 {
                obj.insert("maxItems".into(), json!(n));
            }
        }
        "object" if obj.contains_key("additionalProperties") => {
            if let Some(n) = c.items.0.filter(|n| *n > 0) {
                obj.insert("minProperties".into(), json!(n));
            }
            if let Some(n) = c.items.1 {
                obj.insert("maxProperties".into(), json!(n));
            }
        }
        _ => {}
    }
}

fn scalar_openapi(shape_type: ShapeType) -> Value {
    match shape_type {
        ShapeType::Boolean => json!({"type": "boolean"}),
        ShapeType::Byte | ShapeType::Short | ShapeType::Integer | ShapeType::Long | ShapeType::BigInteger => {
            json!({"type": "integer"})
        }
        ShapeType::Float | ShapeType::Double | ShapeType::BigDecimal => json!({"type": "number"}),
        ShapeType::Timestamp => json!({"type": "string", "format": "date-time"}),
        ShapeType::Document => json!({"x-kubernetes-preserve-unknown-fields": true}),
        // String, enum, blob (base64) and anything newer.
        _ => json!({"type": "string"}),
    }
}

/// Every member path under `node`: `a`, `a.b`, lists as `a[]`, maps as `a{}`.
pub(crate) fn paths(node: &Node, prefix: &str, out: &mut Vec<String>) {
    match node {
        Node::Struct(members) => {
            for member in members {
                let path = if prefix.is_empty() {
                    member.ack_name.clone()
                } else {
                    format!("{prefix}.{}", member.ack_name)
                };
                out.push(path.clone());
                paths(&member.node, &path, out);
            }
        }
        Node::List(item, _) => paths(item, &format!("{prefix}[]"), out),
        Node::Map(value, _) => paths(value, &format!("{prefix}{{}}"), out),
        Node::Scalar(_) | Node::Opaque => {}
    }
}
