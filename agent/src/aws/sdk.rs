//! The real AWS backend: the AWS Rust SDK with its credential chain (IRSA,
//! env, profile), signing, retries and typed errors.
//!
//! Inputs arrive as AWS-JSON and become the SDK's typed input through the
//! SDK's own schema; the typed value is put into the operation with an
//! interceptor, because fluent builders only offer per-field setters and a
//! per-field mapping is exactly what we must not hand-write.

use std::{
    collections::HashMap,
    fmt,
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use aws_config::{BehaviorVersion, Region, SdkConfig, retry::RetryConfig, sts::AssumeRoleProvider};
use aws_smithy_runtime_api::{
    box_error::BoxError,
    client::{
        interceptors::{
            Intercept,
            context::{
                AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextMut,
                BeforeTransmitInterceptorContextMut,
            },
        },
        result::SdkError,
        runtime_components::RuntimeComponents,
    },
};
use aws_smithy_schema::serde::SerializableStruct;
use aws_smithy_types::{
    body::SdkBody,
    config_bag::ConfigBag,
    error::metadata::ProvideErrorMetadata,
};
use sagemaker_schema::Naming;
use serde_json::Value;

use super::{
    AwsError, Backend, Call, Target,
    logs::{LogEvent, LogsPage, LogsRequest},
};
use crate::kinds::Read;

/// Replaces the operation's (empty) input with a fully built one.
pub struct ReplaceInput<T>(T);

impl<T> fmt::Debug for ReplaceInput<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReplaceInput")
    }
}

impl<T: Clone + Send + Sync + fmt::Debug + 'static> Intercept for ReplaceInput<T> {
    fn name(&self) -> &'static str {
        "ReplaceInput"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context
            .input_mut()
            .downcast_mut::<T>()
            .ok_or("operation input is not of the expected type")?;
        *input = self.0.clone();
        Ok(())
    }
}

fn sdk_error<E>(operation: &str, err: SdkError<E, aws_smithy_runtime_api::http::Response>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match &err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let code = e.code().unwrap_or("Unknown");
            let status = service.raw().status().as_u16();
            let mut error = AwsError::new(operation, code, e.message().unwrap_or_default()).with_http_status(status);
            // an unmodelled 5xx (e.g. an emulator's HTML error page) is still transient
            if code == "Unknown" {
                error.transient = true;
            }
            error
        }
        SdkError::TimeoutError(_) => AwsError::new(operation, "Timeout", "the request timed out"),
        SdkError::DispatchFailure(d) => {
            AwsError::new(operation, "DispatchFailure", format!("could not reach AWS: {d:?}"))
        }
        SdkError::ResponseError(_) => {
            let mut e = AwsError::new(operation, "ResponseError", "AWS sent a response that could not be read");
            e.transient = true;
            e
        }
        _ => AwsError::new(operation, "ConstructionFailure", format!("{}", aws_smithy_types::error::display::DisplayErrorContext(&err))),
    }
}

fn mapping_error(operation: &str, e: sagemaker_schema::MappingError) -> AwsError {
    AwsError::new(operation, "InvalidInput", e.to_string())
}

/// Sends one operation: the AWS-JSON input becomes the SDK's typed input `I`
/// through its schema, `call` sends it (with [`ReplaceInput`] as an
/// interceptor on the operation's fluent builder), and the typed output `O`
/// comes back as AWS-JSON. Kinds' operations call this from their
/// declaration, so the backend never matches on an operation name.
pub async fn send<I, O, E, F, Fut>(op: &'static str, input: Value, read: Read<I>, call: F) -> Result<Value, AwsError>
where
    I: Clone + Send + Sync + fmt::Debug + 'static,
    O: SerializableStruct,
    E: ProvideErrorMetadata + std::error::Error + 'static,
    F: FnOnce(ReplaceInput<I>) -> Fut,
    Fut: Future<Output = Result<O, SdkError<E, aws_smithy_runtime_api::http::Response>>>,
{
    let input = sagemaker_schema::from_json(&input, Naming::Aws, read).map_err(|e| mapping_error(op, e))?;
    let output = call(ReplaceInput(input)).await.map_err(|e| sdk_error(op, e))?;
    sagemaker_schema::to_json(&output, Naming::Aws).map_err(|e| mapping_error(op, e))
}

/// Sends an AWS-JSON body as it is and keeps the raw answer: for services
/// whose SDK has no runtime schemas (Application Auto Scaling), where the
/// body comes from the service model instead. The SDK still does
/// credentials, signing (after the body is in place), retries, endpoints and
/// error parsing; its typed input stays empty and its typed output unused.
pub struct RawBody {
    body: Vec<u8>,
    answer: Arc<Mutex<Option<Vec<u8>>>>,
}

impl fmt::Debug for RawBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RawBody")
    }
}

impl Intercept for RawBody {
    fn name(&self) -> &'static str {
        "RawBody"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        *request.body_mut() = SdkBody::from(self.body.clone());
        request.headers_mut().insert("content-length", self.body.len().to_string());
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let bytes = context.response().body().bytes().map(<[u8]>::to_vec);
        *self.answer.lock().unwrap_or_else(|p| p.into_inner()) = bytes;
        Ok(())
    }
}

/// Sends one operation of a service without runtime schemas: `input` is
/// already AWS-JSON (from the service model), and so is the answer.
pub async fn send_raw<O, E, F, Fut>(op: &'static str, input: Value, call: F) -> Result<Value, AwsError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    F: FnOnce(RawBody) -> Fut,
    Fut: Future<Output = Result<O, SdkError<E, aws_smithy_runtime_api::http::Response>>>,
{
    let body = serde_json::to_vec(&input).map_err(|e| AwsError::new(op, "InvalidInput", e.to_string()))?;
    let answer = Arc::new(Mutex::new(None));
    call(RawBody { body, answer: answer.clone() }).await.map_err(|e| sdk_error(op, e))?;
    let bytes = answer.lock().unwrap_or_else(|p| p.into_inner()).take().unwrap_or_default();
    if bytes.is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        let mut error = AwsError::new(op, "ResponseError", format!("AWS sent an answer that is not JSON: {e}"));
        error.transient = true;
        error
    })
}

/// The SDK clients of one (region, role).
#[derive(Clone)]
pub struct Clients {
    pub sagemaker: aws_sdk_sagemaker::Client,
    pub autoscaling: aws_sdk_applicationautoscaling::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub sts: aws_sdk_sts::Client,
}

/// What one set of clients serves: (region, role, ExternalId, endpoint,
/// session).
type ClientKey = (String, Option<String>, Option<String>, Option<String>, Option<super::Session>);

/// Client sets kept before all are dropped (sessions per resource would
/// otherwise grow without bound); a dropped set is rebuilt on its next use.
const MAX_CLIENTS: usize = 4096;

/// The SDK backend. Clients are built once per (region, role) and reused, so
/// credentials (and later assumed roles) are cached by the SDK.
pub struct SdkBackend {
    base: SdkConfig,
    clients: Mutex<HashMap<ClientKey, Clients>>,
}

impl SdkBackend {
    /// Loads the default credential chain. `endpoint_url` points every service
    /// at an emulator; `max_attempts` bounds the SDK's own retries.
    pub async fn new(region: &str, endpoint_url: Option<&str>, max_attempts: u32) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .retry_config(RetryConfig::standard().with_max_attempts(max_attempts.max(1)));
        if let Some(url) = endpoint_url {
            loader = loader.endpoint_url(url);
        }
        SdkBackend { base: loader.load().await, clients: Mutex::default() }
    }

    async fn clients(&self, target: &Target) -> Clients {
        // without a role there is no session to tell apart
        let session = target.role_arn.as_ref().and(target.session.clone());
        let key = (target.region.clone(), target.role_arn.clone(), target.external_id.clone(), target.endpoint_url.clone(), session.clone());
        if let Some(c) = self.clients.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
            return c.clone();
        }
        let mut config = self.base.to_builder().region(Region::new(target.region.clone()));
        if let Some(url) = &target.endpoint_url {
            tracing::info!(endpoint = %url, "a namespace's endpoint-url");
            config = config.endpoint_url(url.clone());
        }
        if let Some(role) = &target.role_arn {
            let mut builder = AssumeRoleProvider::builder(role.clone())
                .session_name(session.as_ref().map_or("sagemaker-agent", |s| s.name.as_str()))
                .region(Region::new(target.region.clone()))
                .configure(&self.base);
            if let Some(id) = &target.external_id {
                builder = builder.external_id(id.clone());
            }
            if let Some(s) = &session {
                builder = builder.tags(s.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            }
            // the provider caches the role's credentials and refreshes them
            // before they expire; the clients (and so it) are reused per key
            let provider = builder.build().await;
            config = config.credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(provider));
        }
        let config = config.build();
        let clients = Clients {
            sagemaker: aws_sdk_sagemaker::Client::new(&config),
            autoscaling: aws_sdk_applicationautoscaling::Client::new(&config),
            logs: aws_sdk_cloudwatchlogs::Client::new(&config),
            sts: aws_sdk_sts::Client::new(&config),
        };
        let mut all = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if all.len() >= MAX_CLIENTS {
            all.clear();
        }
        all.insert(key, clients.clone());
        clients
    }
}

#[async_trait]
impl Backend for SdkBackend {
    async fn call(&self, target: &Target, call: Call, input: Value) -> Result<Value, AwsError> {
        let clients = self.clients(target).await;
        (call.op.send)(&clients, input).await
    }

    async fn logs(&self, target: &Target, request: &LogsRequest) -> Result<LogsPage, AwsError> {
        let client = self.clients(target).await.logs;
        let op = request.operation();
        let event = |stream: &str, timestamp: Option<i64>, message: Option<&str>| LogEvent {
            stream: stream.to_string(),
            timestamp: timestamp.unwrap_or_default(),
            message: message.unwrap_or_default().to_string(),
        };
        match request {
            LogsRequest::Filter { group, stream_prefix, start_ms, next_token } => {
                let out = client
                    .filter_log_events()
                    .log_group_name(group)
                    .set_log_stream_name_prefix((!stream_prefix.is_empty()).then(|| stream_prefix.clone()))
                    .start_time(*start_ms)
                    .set_next_token(next_token.clone())
                    .send()
                    .await
                    .map_err(|e| sdk_error(op, e))?;
                let events =
                    out.events().iter().map(|e| event(e.log_stream_name().unwrap_or_default(), e.timestamp(), e.message())).collect();
                Ok(LogsPage { events, streams: Vec::new(), next_token: out.next_token().map(str::to_string) })
            }
            LogsRequest::Streams { group, prefix, next_token } => {
                let out = client
                    .describe_log_streams()
                    .log_group_name(group)
                    .set_log_stream_name_prefix((!prefix.is_empty()).then(|| prefix.clone()))
                    .set_next_token(next_token.clone())
                    .send()
                    .await
                    .map_err(|e| sdk_error(op, e))?;
                let streams = out.log_streams().iter().filter_map(|s| s.log_stream_name().map(str::to_string)).collect();
                Ok(LogsPage { events: Vec::new(), streams, next_token: out.next_token().map(str::to_string) })
            }
            LogsRequest::Last { group, stream, limit } => {
                let out = client
                    .get_log_events()
                    .log_group_name(group)
                    .log_stream_name(stream)
                    .start_from_head(false)
                    .limit(*limit)
                    .send()
                    .await
                    .map_err(|e| sdk_error(op, e))?;
                let events = out.events().iter().map(|e| event(stream, e.timestamp(), e.message())).collect();
                Ok(LogsPage { events, streams: Vec::new(), next_token: None })
            }
        }
    }

    async fn identity(&self, target: &Target) -> Result<String, AwsError> {
        let sts = self.clients(target).await.sts;
        let out = sts.get_caller_identity().send().await.map_err(|e| sdk_error("GetCallerIdentity", e))?;
        out.arn.ok_or_else(|| AwsError::new("GetCallerIdentity", "Unknown", "no ARN in the answer"))
    }

    async fn caller_account(&self) -> Result<String, AwsError> {
        let sts = aws_sdk_sts::Client::new(&self.base);
        let out = sts.get_caller_identity().send().await.map_err(|e| sdk_error("GetCallerIdentity", e))?;
        out.account.ok_or_else(|| AwsError::new("GetCallerIdentity", "Unknown", "no account in the answer"))
    }

    fn name(&self) -> &'static str {
        "aws"
    }
}
