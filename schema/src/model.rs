//! Shapes from a botocore service model, for a service whose Rust SDK has no
//! runtime schemas.
//!
//! aws-sdk-applicationautoscaling 1.127 (the newest at the time of writing)
//! is generated without `SCHEMA`, `deserialize` or `SerializableStruct`, so
//! its shapes cannot go through [`crate::from_json`]. botocore's JSON service
//! model describes the same shapes with the same member names:
//! `scripts/gen-constraints.py --model application-autoscaling` writes the
//! part this project calls to `data/applicationautoscaling.json` (committed,
//! drift-checked by `tests/constraints_table.rs`).
//!
//! Here that model becomes runtime [`Schema`]s, the values the SDK's
//! generated code keeps in statics (same shape ids, so [`crate::constraints`]
//! applies), and a small interpreter takes the generated code's part: it
//! drives the crate's own deserializer, serializer and schema walk as a
//! generated `deserialize` or `serialize_members` would. Naming, errors and
//! hints, integer ranges, timestamps, constraints, OpenAPI and member paths
//! are therefore the SDK path's code, not a copy of it. The model adds one
//! thing the SDK's schemas lack: `@required` on members, enforced when
//! validating and listed in a validated OpenAPI schema.
//!
//! The schemas are built once per model and live for the rest of the program
//! (they are leaked, as the SDK's are statics).

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use aws_smithy_schema::serde::{SerdeError, SerializableStruct, ShapeDeserializer, ShapeSerializer};
use aws_smithy_schema::traits::TimestampFormat;
use aws_smithy_schema::{Schema, ShapeId, ShapeType, prelude};
use aws_smithy_types::{Blob, DateTime};
use serde_json::Value;

use crate::constraints::{REQUIRED_TRAITS, leak};
use crate::{MappingError, MappingErrorKind, Naming, de, walk};

/// A service model: the shapes of some of a service's operations, read from
/// a botocore JSON model as `scripts/gen-constraints.py --model` writes it.
///
/// Shapes are named as in the model: operation inputs and outputs are
/// `<Operation>Request` and `<Operation>Response`
/// (`RegisterScalableTargetRequest`, `DescribeScalingPoliciesResponse`), and
/// nested shapes keep their own names (`ScalingPolicy`, `StepAdjustment`).
/// Shape names rather than operation names are what the methods take, because
/// a Kubernetes status is often one nested shape of an output (a
/// ScalingPolicy's status is one `ScalingPolicy` of
/// DescribeScalingPolicies' answer); [`ServiceModel::operation`] gives an
/// operation's input and output shape names.
#[derive(Debug)]
pub struct ServiceModel {
    /// The botocore release the model was generated from.
    source: String,
    /// botocore's service name (`application-autoscaling`).
    service: String,
    operations: BTreeMap<String, Operation>,
    shapes: HashMap<String, Shape>,
}

/// The input and output shape names of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// `RegisterScalableTargetRequest`; `None` for an operation without input.
    pub input: Option<String>,
    /// `RegisterScalableTargetResponse`; `None` for an operation without output.
    pub output: Option<String>,
}

/// What the interpreter needs of a shape; member schemas carry the rest.
#[derive(Debug)]
enum Shape {
    Structure(Structure),
    List {
        member: String,
    },
    /// Keys are strings (data, never renamed); values are `value`.
    Map {
        value: String,
    },
    Scalar(ShapeType),
}

#[derive(Debug)]
struct Structure {
    schema: &'static Schema<'static>,
    /// The target shape of each member, by member index.
    targets: Vec<String>,
}

/// The Application Auto Scaling model (ScalableTarget and ScalingPolicy
/// operations, and tagging), parsed on first use from
/// `data/applicationautoscaling.json`.
pub fn application_autoscaling() -> &'static ServiceModel {
    static MODEL: LazyLock<ServiceModel> = LazyLock::new(|| {
        ServiceModel::parse(include_str!("../data/applicationautoscaling.json"))
            .unwrap_or_else(|e| panic!("data/applicationautoscaling.json: {e}"))
    });
    &MODEL
}

impl ServiceModel {
    /// The botocore release the model was generated from (`botocore 1.44.5`).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// An operation's input and output shape names
    /// (`operation("PutScalingPolicy")`), or `None` for an operation the
    /// model does not hold.
    pub fn operation(&self, name: &str) -> Option<&Operation> {
        self.operations.get(name)
    }

    /// The operations the model holds, by name, with their shape names.
    pub fn operations(&self) -> impl Iterator<Item = (&str, &Operation)> {
        self.operations
            .iter()
            .map(|(name, operation)| (name.as_str(), operation))
    }

    /// A Kubernetes structural OpenAPI v3 schema (ACK names) for a structure,
    /// exactly as [`crate::openapi_schema`] makes one for an SDK shape; with
    /// `validated`, also the model's constraints and each object's
    /// `required` members, as [`crate::openapi_schema_validated`] (for input
    /// shapes: a CRD's spec).
    ///
    /// # Panics
    ///
    /// If the model has no structure named `shape` (a name is a constant in
    /// the caller; see [`ServiceModel`] for how shapes are named).
    pub fn openapi_schema(&self, shape: &str, validated: bool) -> Value {
        walk::openapi(&self.walk(shape), validated)
    }

    /// Every member path of a structure in ACK names, in model order, as
    /// [`crate::member_paths`] gives for an SDK shape:
    /// `targetTrackingScalingPolicyConfiguration.targetValue`, list items as
    /// `stepAdjustments[]`, map values as `tags{}`.
    ///
    /// # Panics
    ///
    /// If the model has no structure named `shape`.
    pub fn member_paths(&self, shape: &str) -> Vec<String> {
        let mut out = Vec::new();
        walk::paths(&self.walk(shape), "", &mut out);
        out
    }

    /// Converts a JSON document of the structure `shape` from one naming to
    /// another (ACK spec to AWS request, AWS response to ACK status), or
    /// checks it when `from == to`.
    ///
    /// The rules are [`crate::from_json`]'s followed by [`crate::to_json`]'s:
    /// an unknown field is an error naming its path and structure (with a
    /// "did you mean"), JSON null means absent, map keys are data, integers
    /// are range-checked by width (AWS integers are int32), floating members
    /// take any number, timestamps are RFC 3339 strings in ACK naming and
    /// epoch seconds in AWS naming, members come out in model order and map
    /// entries sorted by key. With `validate` (inputs only: AWS's answers may
    /// carry values newer than the model), also what the model states, as
    /// [`crate::from_json_validated`]: enums, ranges, lengths, item counts and
    /// patterns ([`MappingErrorKind::Constraint`]), and required members
    /// ([`crate::constraints::Violation::Missing`] at the missing member's path).
    ///
    /// A `shape` the model has no structure for is an error at the top level.
    pub fn to_json(
        &self,
        shape: &str,
        value: &Value,
        from: Naming,
        to: Naming,
        validate: bool,
    ) -> Result<Value, MappingError> {
        let Some(structure) = self.structure(shape) else {
            let message = format!("the {} model has no structure {shape:?}", self.service);
            return Err(MappingError::new("", MappingErrorKind::Other(message)));
        };
        let mut cx = de::Context::new(from);
        cx.validate = validate;
        let fields = crate::read_json(value, cx, |d| self.read_members(structure, d))?;
        crate::to_json(
            &Members {
                structure,
                fields: &fields,
            },
            to,
        )
    }

    /// The AWS member names of a structure, in model order (empty for a
    /// name the model has no structure for).
    pub fn member_names(&self, shape: &str) -> Vec<&'static str> {
        self.structure(shape)
            .map(|s| s.schema.members().iter().filter_map(|m| m.member_name()).collect())
            .unwrap_or_default()
    }

    fn structure(&self, shape: &str) -> Option<&Structure> {
        match self.shapes.get(shape) {
            Some(Shape::Structure(structure)) => Some(structure),
            _ => None,
        }
    }

    fn walk(&self, shape: &str) -> walk::Node {
        let structure = self
            .structure(shape)
            .unwrap_or_else(|| panic!("the {} model has no structure {shape:?}", self.service));
        walk::walk(|d| self.read_members(structure, d).map(drop))
    }

    /// Reads a structure as its generated `deserialize` would: `read_struct`
    /// with its schema, each member read as its target's type. Members come
    /// back in model order, as generated `serialize_members` writes them.
    fn read_members<'m>(
        &'m self,
        structure: &'m Structure,
        d: &mut dyn ShapeDeserializer,
    ) -> Result<Vec<(usize, Data<'m>)>, SerdeError> {
        let mut fields = Vec::new();
        d.read_struct(structure.schema, &mut |member, d| {
            let index = member.member_index().unwrap_or_default();
            fields.push((index, self.read(&structure.targets[index], member, d)?));
            Ok(())
        })?;
        fields.sort_by_key(|(index, _)| *index);
        Ok(fields)
    }

    /// Reads a value of shape `target` at a position whose schema is `schema`
    /// (a member, or a list's or map's member).
    fn read<'m>(
        &'m self,
        target: &str,
        schema: &Schema<'_>,
        d: &mut dyn ShapeDeserializer,
    ) -> Result<Data<'m>, SerdeError> {
        // every target exists: `parse` checks
        Ok(match &self.shapes[target] {
            Shape::Structure(structure) => Data::Struct(structure, self.read_members(structure, d)?),
            Shape::List { member } => {
                let item = inner(schema)?;
                let mut items = Vec::new();
                d.read_list(schema, &mut |d| {
                    items.push(self.read(member, item, d)?);
                    Ok(())
                })?;
                Data::List(items)
            }
            Shape::Map { value } => {
                let value_schema = inner(schema)?;
                let mut entries = Vec::new();
                d.read_map(schema, &mut |key, d| {
                    entries.push((key, self.read(value, value_schema, d)?));
                    Ok(())
                })?;
                Data::Map(entries)
            }
            Shape::Scalar(shape_type) => match shape_type {
                ShapeType::Boolean => Data::Boolean(d.read_boolean(schema)?),
                ShapeType::Integer => Data::Integer(d.read_integer(schema)?),
                ShapeType::Long => Data::Long(d.read_long(schema)?),
                ShapeType::Float => Data::Float(d.read_float(schema)?),
                ShapeType::Double => Data::Double(d.read_double(schema)?),
                ShapeType::Blob => Data::Blob(d.read_blob(schema)?),
                ShapeType::Timestamp => Data::Timestamp(d.read_timestamp(schema)?),
                _ => Data::String(d.read_string(schema)?),
            },
        })
    }

    /// Parses a model as `scripts/gen-constraints.py --model` writes it and
    /// builds its schemas.
    fn parse(text: &str) -> Result<Self, String> {
        let json: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let text_of = |key: &str| {
            json[key]
                .as_str()
                .map(str::to_string)
                .ok_or(format!("no {key:?}"))
        };
        let raw = json["shapes"].as_object().ok_or("no \"shapes\"")?;
        let mut builder = Builder {
            raw,
            namespace: leak(text_of("namespace")?),
            names: HashMap::new(),
        };
        let mut shapes = HashMap::new();
        for (name, shape) in raw {
            shapes.insert(name.clone(), builder.shape(name, shape)?);
        }
        let mut operations = BTreeMap::new();
        for (name, operation) in json["operations"].as_object().ok_or("no \"operations\"")? {
            let io = |key: &str| operation[key].as_str().map(str::to_string);
            let operation = Operation {
                input: io("input"),
                output: io("output"),
            };
            if let Some(missing) = [&operation.input, &operation.output]
                .into_iter()
                .flatten()
                .find(|s| !raw.contains_key(*s))
            {
                return Err(format!("{name}: no shape {missing:?}"));
            }
            operations.insert(name.clone(), operation);
        }
        Ok(Self {
            source: text_of("source")?,
            service: text_of("service")?,
            operations,
            shapes,
        })
    }
}

/// A list's member schema or a map's value schema.
fn inner<'s>(schema: &'s Schema<'_>) -> Result<&'s Schema<'s>, SerdeError> {
    schema
        .member()
        .ok_or_else(|| SerdeError::custom(format!("{} has no member schema", schema.shape_id().as_str())))
}

/// Builds the schemas of a model's shapes.
struct Builder<'j> {
    raw: &'j serde_json::Map<String, Value>,
    namespace: &'static str,
    /// Interned shape names, so each is leaked once.
    names: HashMap<String, &'static str>,
}

impl<'j> Builder<'j> {
    fn name(&mut self, name: &str) -> &'static str {
        self.names
            .entry(name.to_string())
            .or_insert_with(|| leak(name.to_string()))
    }

    fn raw(&self, name: &str) -> Result<&'j Value, String> {
        self.raw.get(name).ok_or_else(|| format!("no shape {name:?}"))
    }

    fn target<'v>(&self, of: &str, shape: &'v Value, key: &str) -> Result<&'v str, String> {
        let target = shape[key].as_str().ok_or_else(|| format!("{of}: no {key:?}"))?;
        self.raw(target).map(|_| target).map_err(|e| format!("{of}: {e}"))
    }

    fn shape(&mut self, name: &str, shape: &Value) -> Result<Shape, String> {
        Ok(match shape_type(name, shape)? {
            shape_type @ (ShapeType::Structure | ShapeType::Union) => {
                let mut members = Vec::new();
                let mut targets = Vec::new();
                for (index, member) in shape["members"].as_array().into_iter().flatten().enumerate() {
                    let member_name = member["name"]
                        .as_str()
                        .ok_or_else(|| format!("{name}: a member without a name"))?;
                    let target = self.target(name, member, "shape")?;
                    let required = member["required"] == true;
                    members.push(self.member(name, member_name, index, target, required)?);
                    targets.push(target.to_string());
                }
                let id = self.id(name, None);
                let schema = Schema::new_struct(id, shape_type, Box::leak(members.into_boxed_slice()));
                Shape::Structure(Structure {
                    schema: Box::leak(Box::new(schema)),
                    targets,
                })
            }
            ShapeType::List => Shape::List {
                member: self.target(name, shape, "member")?.to_string(),
            },
            ShapeType::Map => {
                self.target(name, shape, "key")?;
                Shape::Map {
                    value: self.target(name, shape, "value")?.to_string(),
                }
            }
            scalar => Shape::Scalar(scalar),
        })
    }

    /// `ns#Container` or `ns#Container$member`, as the SDK's shape ids.
    fn id(&mut self, container: &str, member: Option<&str>) -> ShapeId<'static> {
        let namespace = self.namespace;
        let container = self.name(container);
        let fqn = match member {
            Some(member) => leak(format!("{namespace}#{container}${member}")),
            None => leak(format!("{namespace}#{container}")),
        };
        ShapeId::from_parts(fqn, namespace, container)
    }

    /// The schema of member `name` (index `index`) of `container`, targeting
    /// `target`: a list's or map's member schemas hang under it, as the
    /// SDK's do (`ns#List$member`, `ns#Map$key`, `ns#Map$value`).
    fn member(
        &mut self,
        container: &str,
        name: &str,
        index: usize,
        target: &str,
        required: bool,
    ) -> Result<&'static Schema<'static>, String> {
        let shape = self.raw(target)?;
        let shape_type = shape_type(target, shape)?;
        let id = self.id(container, Some(name));
        let mut schema = Schema::new_member(id, shape_type, self.name(name), index);
        match shape_type {
            ShapeType::List => {
                let item = self.target(target, shape, "member")?;
                schema = schema.with_list_member(self.member(target, "member", 0, item, false)?);
            }
            ShapeType::Map => {
                let key = self.target(target, shape, "key")?;
                let value = self.target(target, shape, "value")?;
                schema = schema.with_map_members(
                    self.member(target, "key", 0, key, false)?,
                    self.member(target, "value", 1, value, false)?,
                );
            }
            _ => {}
        }
        if let Some(format) = shape["timestampFormat"].as_str() {
            schema = schema.with_timestamp_format(match format {
                "iso8601" => TimestampFormat::DateTime,
                "rfc822" => TimestampFormat::HttpDate,
                "unixTimestamp" => TimestampFormat::EpochSeconds,
                other => return Err(format!("{target}: timestamp format {other:?}")),
            });
        }
        if required {
            schema = schema.with_traits(&REQUIRED_TRAITS);
        }
        Ok(Box::leak(Box::new(schema)))
    }
}

/// botocore's shape type as Smithy's.
fn shape_type(name: &str, shape: &Value) -> Result<ShapeType, String> {
    Ok(match shape["type"].as_str().unwrap_or_default() {
        "structure" if shape["union"] == true => ShapeType::Union,
        "structure" => ShapeType::Structure,
        "list" => ShapeType::List,
        "map" => ShapeType::Map,
        "string" => ShapeType::String,
        "boolean" => ShapeType::Boolean,
        "integer" => ShapeType::Integer,
        "long" => ShapeType::Long,
        "float" => ShapeType::Float,
        "double" => ShapeType::Double,
        "blob" => ShapeType::Blob,
        "timestamp" => ShapeType::Timestamp,
        other => return Err(format!("{name}: unsupported shape type {other:?}")),
    })
}

/// A value read by [`ServiceModel::read`], typed as the model says, to be
/// written in another naming.
enum Data<'m> {
    Struct(&'m Structure, Vec<(usize, Data<'m>)>),
    List(Vec<Data<'m>>),
    Map(Vec<(String, Data<'m>)>),
    Boolean(bool),
    Integer(i32),
    Long(i64),
    Float(f32),
    Double(f64),
    String(String),
    Blob(Blob),
    Timestamp(DateTime),
}

/// A structure's members, written as generated `serialize_members` writes.
struct Members<'a, 'm> {
    structure: &'m Structure,
    fields: &'a [(usize, Data<'m>)],
}

impl SerializableStruct for Members<'_, '_> {
    fn schema(&self) -> &Schema<'_> {
        self.structure.schema
    }

    fn serialize_members(&self, ser: &mut dyn ShapeSerializer) -> Result<(), SerdeError> {
        for (index, value) in self.fields {
            write(ser, self.structure.schema.members()[*index], value)?;
        }
        Ok(())
    }
}

/// Writes a value at a position whose schema is `schema`.
fn write(ser: &mut dyn ShapeSerializer, schema: &Schema<'_>, value: &Data<'_>) -> Result<(), SerdeError> {
    match value {
        Data::Struct(structure, fields) => ser.write_struct(schema, &Members { structure, fields }),
        Data::List(items) => {
            let item = inner(schema)?;
            ser.write_list(schema, &|ser| {
                items.iter().try_for_each(|value| write(ser, item, value))
            })
        }
        Data::Map(entries) => {
            let value_schema = inner(schema)?;
            ser.write_map(schema, &|ser| {
                entries.iter().try_for_each(|(key, value)| {
                    ser.write_string(&prelude::STRING, key)?;
                    write(ser, value_schema, value)
                })
            })
        }
        Data::Boolean(value) => ser.write_boolean(schema, *value),
        Data::Integer(value) => ser.write_integer(schema, *value),
        Data::Long(value) => ser.write_long(schema, *value),
        Data::Float(value) => ser.write_float(schema, *value),
        Data::Double(value) => ser.write_double(schema, *value),
        Data::String(value) => ser.write_string(schema, value),
        Data::Blob(value) => ser.write_blob(schema, value.clone()),
        Data::Timestamp(value) => ser.write_timestamp(schema, value),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Shape features Application Auto Scaling does not use: a union, a
    /// recursive structure, longs, floats, blobs and an ISO 8601 timestamp.
    const MODEL: &str = r##"{"source":"test","service":"test","namespace":"test",
"operations":{"Op":{"input":"Widget"}},
"shapes":{
"Widget":{"type":"structure","members":[{"name":"Choice","shape":"Choice"},{"name":"Part","shape":"Part"},{"name":"Size","shape":"Size"},{"name":"Ratio","shape":"Ratio"},{"name":"Payload","shape":"Payload"},{"name":"At","shape":"At"}]},
"Choice":{"type":"structure","union":true,"members":[{"name":"A","shape":"Text"},{"name":"B","shape":"Size"}]},
"Part":{"type":"structure","members":[{"name":"Id","shape":"Text","required":true},{"name":"Children","shape":"Parts"}]},
"Parts":{"type":"list","member":"Part"},
"Text":{"type":"string"},"Size":{"type":"long"},"Ratio":{"type":"float"},"Payload":{"type":"blob"},
"At":{"type":"timestamp","timestampFormat":"iso8601"}}}"##;

    fn model() -> ServiceModel {
        ServiceModel::parse(MODEL).expect("test model parses")
    }

    #[test]
    fn other_shape_types_map_as_the_sdk_path_maps_them() {
        let ack = json!({
            "choice": {"b": 3},
            "part": {"id": "1", "children": [{"id": "1.1", "children": [{"id": "1.1.1"}]}]},
            "size": 3_000_000_000_i64,
            "ratio": 0.1,
            "payload": "aGVsbG8=",
            "at": "2019-12-17T01:48:18+02:00"
        });
        let aws = model()
            .to_json("Widget", &ack, Naming::Ack, Naming::Aws, true)
            .expect("maps");
        // @timestampFormat holds in AWS naming; output is UTC
        assert_eq!(aws["At"], "2019-12-16T23:48:18Z");
        assert_eq!(aws["Part"]["Children"][0]["Children"][0]["Id"], "1.1.1");
        assert_eq!(aws["Size"], 3_000_000_000_i64);
        let back = model()
            .to_json("Widget", &aws, Naming::Aws, Naming::Ack, true)
            .expect("maps back");
        assert_eq!(back["at"], "2019-12-16T23:48:18Z");
        assert_eq!(back["ratio"], 0.1);
        assert_eq!(back["payload"], "aGVsbG8=");
    }

    #[test]
    fn a_union_takes_one_member_and_a_recursive_shape_is_open_where_it_recurs() {
        let two = json!({"choice": {"a": "x", "b": 1}});
        let error = model()
            .to_json("Widget", &two, Naming::Ack, Naming::Aws, false)
            .expect_err("two");
        assert_eq!(
            error.to_string(),
            "field \"choice\": Choice takes exactly one member, found 2: a, b; set one of: a, b"
        );
        let nested = json!({"part": {"children": [{"id": "1.1"}]}});
        let error = model()
            .to_json("Widget", &nested, Naming::Ack, Naming::Aws, true)
            .expect_err("id");
        assert_eq!(error.path, "part.id");

        let schema = model().openapi_schema("Widget", true);
        let part = &schema["properties"]["part"];
        assert_eq!(part["required"], json!(["id"]));
        assert_eq!(
            part["properties"]["children"]["items"],
            json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
        );
        assert_eq!(
            model().operation("Op").and_then(|o| o.input.as_deref()),
            Some("Widget")
        );
    }

    #[test]
    fn a_model_naming_a_shape_it_lacks_is_refused() {
        let broken = MODEL.replace(
            r#""Parts":{"type":"list","member":"Part"}"#,
            r#""Parts":{"type":"list","member":"Gone"}"#,
        );
        assert_eq!(
            ServiceModel::parse(&broken).expect_err("dangling").as_str(),
            "Parts: no shape \"Gone\""
        );
    }
}
