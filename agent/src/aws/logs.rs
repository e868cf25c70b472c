//! The CloudWatch Logs calls the agent makes to show what SageMaker's jobs
//! and endpoints print, as plain values both backends speak.

/// FilterLogEvents' default quota is 5 calls per second per account and
/// region; the agent stays at it however many users follow logs.
pub const LOGS_PER_SECOND: f64 = 5.0;

/// One read of CloudWatch Logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogsRequest {
    /// FilterLogEvents: the events of the group's streams whose names start
    /// with `stream_prefix`, from `start_ms` on, oldest first.
    Filter { group: String, stream_prefix: String, start_ms: i64, next_token: Option<String> },
    /// DescribeLogStreams: the names of the group's streams starting with
    /// `prefix`.
    Streams { group: String, prefix: String, next_token: Option<String> },
    /// GetLogEvents from the end: the last `limit` events of one stream.
    Last { group: String, stream: String, limit: i32 },
}

impl LogsRequest {
    /// The CloudWatch Logs operation, for counting.
    pub fn operation(&self) -> &'static str {
        match self {
            LogsRequest::Filter { .. } => "FilterLogEvents",
            LogsRequest::Streams { .. } => "DescribeLogStreams",
            LogsRequest::Last { .. } => "GetLogEvents",
        }
    }
}

/// One page of an answer: events (Filter, Last) or stream names (Streams).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogsPage {
    pub events: Vec<LogEvent>,
    pub streams: Vec<String>,
    pub next_token: Option<String>,
}

/// One line a job or endpoint wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    /// The full stream name (`my-job/algo-1-1700000000`).
    pub stream: String,
    /// Milliseconds since the epoch, as the writer stamped it.
    pub timestamp: i64,
    pub message: String,
}

/// Whether an error means the log group (or stream) does not exist yet:
/// SageMaker creates them when the first instance writes.
pub fn is_missing(e: &super::AwsError) -> bool {
    e.code == "ResourceNotFoundException"
}
