//! What a resource printed: every CloudWatch log stream of it, merged in
//! time order, read with the agent's own credentials in the resource's
//! account and region (users need no AWS credentials), and followed without
//! duplicates or gaps across polls.
//!
//! Which group and streams belong to a resource is its kind's declaration
//! ([`crate::kinds::Logs`]); nothing here knows a kind.

use std::{
    collections::HashMap,
    sync::Arc,
    time::Duration,
};

use futures::future::BoxFuture;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::aws::{
    Aws, AwsError, Target,
    logs::{LogEvent, LogsPage, LogsRequest, is_missing},
};

/// CloudWatch Logs takes events stamped up to this long before the newest
/// one seen after it (instances flush on their own schedule), so each poll
/// reads back this far and drops what it already passed on.
pub const LATE: Duration = Duration::from_secs(10);

/// Polling while lines keep coming, and at most when they do not.
const POLL_MIN: Duration = Duration::from_secs(1);
const POLL_MAX: Duration = Duration::from_secs(5);

/// Pages read per poll at most: beyond it, the rest comes with the next poll
/// (a burst never turns into a storm of calls).
const MAX_PAGES: usize = 50;

/// Where a resource's lines are.
#[derive(Debug, Clone)]
pub struct Source {
    pub target: Target,
    pub group: String,
    /// The resource's streams (the kind's prefix), shown without it.
    pub streams: String,
    /// Nothing older than this is the resource's (milliseconds since the
    /// epoch: when it was created, less a margin); reading starts here
    /// rather than at the beginning of a group other jobs share.
    pub from_ms: i64,
}

/// What the user asked for.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Only lines stamped at or after this (milliseconds since the epoch).
    pub since_ms: Option<i64>,
    /// Only the last this many lines (then, following, the new ones).
    pub tail: Option<usize>,
    /// Only streams starting with this (after the resource's prefix).
    pub stream: String,
    pub follow: bool,
    /// How long to keep reading after the resource has ended: its last
    /// lines land in CloudWatch after its status says so.
    pub settle: Duration,
}

/// One line, with its stream as the user sees it (`algo-1-1700000000`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub stream: String,
    pub timestamp: i64,
    pub message: String,
}

/// Whether the resource can still write (a job that ended cannot; a
/// deleted resource cannot): following stops once it cannot.
pub type Ended = Arc<dyn Fn() -> BoxFuture<'static, bool> + Send + Sync>;

/// The lines, as a stream that ends when they do (or, following, when the
/// resource has ended and settled); an error ends it too. Dropping the
/// stream stops the reading. Nothing is read until `owned` says the
/// resource has made (or adopted) its AWS resource: a name in a spec alone
/// must not open another team's logs.
pub fn read(aws: Arc<Aws>, source: Source, query: Query, ended: Ended, owned: Ended) -> ReceiverStream<Result<Line, AwsError>> {
    let (tx, rx) = mpsc::channel(256);
    tokio::spawn(async move {
        let floor = source.from_ms;
        let mut reader = Reader { aws, source, query, seen: HashMap::new(), newest: None, floor, resume: None, tail_floor: None };
        while !owned().await {
            if !reader.query.follow || tx.is_closed() || ended().await {
                return;
            }
            tokio::time::sleep(POLL_MIN).await;
        }
        if let Err(e) = reader.run(&tx, ended).await {
            let _ = tx.send(Err(e)).await;
        }
    });
    ReceiverStream::new(rx)
}

/// A line as CloudWatch may hand it over more than once.
type Key = (String, i64, String);

struct Reader {
    aws: Arc<Aws>,
    source: Source,
    query: Query,
    /// How many of each line were passed on, for lines stamped within
    /// [`LATE`] of the newest (the same line twice in one millisecond is
    /// two lines).
    seen: HashMap<Key, usize>,
    newest: Option<i64>,
    /// Lines stamped before this are not wanted (`--since`, or what
    /// `--tail` cut off).
    floor: i64,
    /// A scan cut short at [`MAX_PAGES`]: its start and the token to go on
    /// from (CloudWatch may answer pages with no events and a token).
    resume: Option<(i64, String)>,
    /// The millisecond a tail started at: its lines were printed by the tail.
    tail_floor: Option<i64>,
}

/// Sends lines; `false` once nobody listens.
async fn send(tx: &mpsc::Sender<Result<Line, AwsError>>, lines: Vec<Line>) -> bool {
    for line in lines {
        if tx.send(Ok(line)).await.is_err() {
            return false;
        }
    }
    true
}

impl Reader {
    async fn run(&mut self, tx: &mpsc::Sender<Result<Line, AwsError>>, ended: Ended) -> Result<(), AwsError> {
        if let Some(since) = self.query.since_ms {
            self.floor = self.floor.max(since);
        }
        let first = match self.query.tail {
            Some(n) => self.tail(n).await?,
            None => self.poll().await?,
        };
        if !send(tx, first).await {
            return Ok(());
        }
        if !self.query.follow {
            // everything there is, however many pages it takes
            while self.resume.is_some() {
                if !send(tx, self.poll().await?).await {
                    return Ok(());
                }
            }
            return Ok(());
        }
        let mut interval = POLL_MIN;
        let mut ended_at: Option<tokio::time::Instant> = None;
        let mut failures = 0u32;
        loop {
            if ended_at.is_none() && ended().await {
                ended_at = Some(tokio::time::Instant::now());
            }
            let last = ended_at.is_some_and(|t| t.elapsed() >= self.query.settle);
            if !last {
                tokio::time::sleep(interval).await;
            }
            if tx.is_closed() {
                return Ok(());
            }
            match self.poll().await {
                Ok(lines) => {
                    failures = 0;
                    interval = if lines.is_empty() { (interval * 2).min(POLL_MAX) } else { POLL_MIN };
                    if !send(tx, lines).await {
                        return Ok(());
                    }
                }
                // throttled or unreachable: follow on, more slowly
                Err(e) if e.transient && failures < 10 => {
                    failures += 1;
                    tracing::debug!(code = %e.code, "reading logs failed; retrying");
                    interval = POLL_MAX;
                }
                Err(e) => return Err(e),
            }
            if last {
                return Ok(());
            }
        }
    }

    fn prefix(&self) -> String {
        format!("{}{}", self.source.streams, self.query.stream)
    }

    /// New lines since the last poll (all lines, the first time), oldest first.
    async fn poll(&mut self) -> Result<Vec<Line>, AwsError> {
        let (start, token) = match self.resume.take() {
            Some((start, token)) => (start, Some(token)),
            None => match self.newest {
                Some(newest) => ((newest - LATE.as_millis() as i64).max(self.floor), None),
                None => (self.floor.max(0), None),
            },
        };
        let (group, stream_prefix) = (self.source.group.clone(), self.prefix());
        let (pages, rest) = self
            .pages(token, |next_token| LogsRequest::Filter { group: group.clone(), stream_prefix: stream_prefix.clone(), start_ms: start, next_token })
            .await?;
        self.resume = rest.map(|token| (start, token));
        Ok(self.fresh(pages.into_iter().flat_map(|p| p.events).collect()))
    }

    /// The pages of an answer from `token` on (up to [`MAX_PAGES`]), and the
    /// token to go on from if there are more; none when the group does not
    /// exist yet (SageMaker makes it with the first line).
    async fn pages(&self, token: Option<String>, request: impl Fn(Option<String>) -> LogsRequest) -> Result<(Vec<LogsPage>, Option<String>), AwsError> {
        let mut pages = Vec::new();
        let mut next_token = token;
        for _ in 0..MAX_PAGES {
            match self.aws.logs(&self.source.target, &request(next_token.take())).await {
                Ok(page) => {
                    next_token = page.next_token.clone();
                    pages.push(page);
                }
                Err(e) if is_missing(&e) => break,
                Err(e) => return Err(e),
            }
            if next_token.is_none() {
                break;
            }
        }
        Ok((pages, next_token))
    }

    /// The last `n` lines: the last `n` of each stream, merged, the last
    /// `n` of those.
    async fn tail(&mut self, n: usize) -> Result<Vec<Line>, AwsError> {
        let (group, prefix) = (self.source.group.clone(), self.prefix());
        let (pages, _) = self.pages(None, |next_token| LogsRequest::Streams { group: group.clone(), prefix: prefix.clone(), next_token }).await?;
        let streams: Vec<String> = pages.into_iter().flat_map(|p| p.streams).collect();
        let limit = i32::try_from(n).unwrap_or(i32::MAX).clamp(1, 10_000);
        let mut events = Vec::new();
        for stream in streams {
            let request = LogsRequest::Last { group: self.source.group.clone(), stream, limit };
            match self.aws.logs(&self.source.target, &request).await {
                Ok(page) => events.extend(page.events),
                Err(e) if is_missing(&e) => {}
                Err(e) => return Err(e),
            }
        }
        events.retain(|e| e.timestamp >= self.floor);
        events.sort_by_key(|e| e.timestamp);
        let cut = events.len().saturating_sub(n);
        let kept = events.split_off(cut);
        // what the tail cut off must not come back with the next poll
        let floor = kept.first().map(|first| first.timestamp);
        match floor {
            Some(floor) => self.floor = self.floor.max(floor),
            None => self.floor = self.floor.max(events.last().map_or(i64::MIN, |last| last.timestamp + 1)),
        }
        let lines = self.fresh(kept);
        // lines of the floor's own millisecond that the tail did not keep
        // (each stream gave only its last n) never follow it
        self.tail_floor = floor;
        Ok(lines)
    }

    /// The events not passed on yet, oldest first, as lines; remembers them.
    fn fresh(&mut self, mut events: Vec<LogEvent>) -> Vec<Line> {
        events.retain(|e| e.timestamp >= self.floor && Some(e.timestamp) != self.tail_floor);
        events.sort_by_key(|e| e.timestamp);
        let mut counted: HashMap<Key, usize> = HashMap::new();
        let mut lines = Vec::new();
        for e in events {
            let key = (e.stream, e.timestamp, e.message);
            let n = counted.entry(key.clone()).or_default();
            *n += 1;
            let passed = self.seen.entry(key.clone()).or_default();
            if *n > *passed {
                *passed = *n;
                let (stream, timestamp, message) = key;
                self.newest = Some(self.newest.map_or(timestamp, |t| t.max(timestamp)));
                let stream = stream.strip_prefix(self.source.streams.as_str()).map(str::to_string).unwrap_or(stream);
                lines.push(Line { stream, timestamp, message });
            }
        }
        // what the next poll cannot return again need not be remembered
        if let Some(newest) = self.newest {
            let horizon = newest - LATE.as_millis() as i64;
            self.seen.retain(|(_, ts, _), _| *ts >= horizon);
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;
    use futures::StreamExt;
    use serde_json::Value;

    use super::*;
    use crate::aws::{Backend, Call};

    /// CloudWatch Logs as a list of events that tests add to, answering
    /// FilterLogEvents in pages of two so paging matters.
    #[derive(Default)]
    struct Cloudwatch {
        events: Mutex<Vec<LogEvent>>,
        calls: Mutex<Vec<LogsRequest>>,
        /// No log group yet: every read answers ResourceNotFoundException.
        missing: bool,
    }

    impl Cloudwatch {
        fn write(&self, stream: &str, timestamp: i64, message: &str) {
            let e = LogEvent { stream: stream.into(), timestamp, message: message.into() };
            self.events.lock().unwrap().push(e);
        }
    }

    #[async_trait]
    impl Backend for Cloudwatch {
        async fn call(&self, _: &Target, call: Call, _: Value) -> Result<Value, AwsError> {
            Err(AwsError::new(call.op.name, "Unsupported", "logs only"))
        }
        async fn caller_account(&self) -> Result<String, AwsError> {
            Ok("123456789012".into())
        }
        async fn logs(&self, _: &Target, request: &LogsRequest) -> Result<LogsPage, AwsError> {
            self.calls.lock().unwrap().push(request.clone());
            if self.missing {
                return Err(AwsError::new(request.operation(), "ResourceNotFoundException", "The specified log group does not exist."));
            }
            let mut events = self.events.lock().unwrap().clone();
            events.sort_by_key(|e| e.timestamp);
            match request {
                LogsRequest::Filter { stream_prefix, start_ms, next_token, .. } => {
                    let matching: Vec<_> =
                        events.into_iter().filter(|e| e.stream.starts_with(stream_prefix.as_str()) && e.timestamp >= *start_ms).collect();
                    let skip: usize = next_token.as_deref().map_or(0, |t| t.parse().unwrap());
                    let next = (matching.len() > skip + 2).then(|| (skip + 2).to_string());
                    Ok(LogsPage { events: matching.into_iter().skip(skip).take(2).collect(), streams: vec![], next_token: next })
                }
                LogsRequest::Streams { prefix, .. } => {
                    let mut streams: Vec<String> = events.into_iter().map(|e| e.stream).filter(|s| s.starts_with(prefix.as_str())).collect();
                    streams.sort();
                    streams.dedup();
                    Ok(LogsPage { streams, ..Default::default() })
                }
                LogsRequest::Last { stream, limit, .. } => {
                    let of: Vec<_> = events.into_iter().filter(|e| &e.stream == stream).collect();
                    let skip = of.len().saturating_sub(*limit as usize);
                    Ok(LogsPage { events: of.into_iter().skip(skip).collect(), ..Default::default() })
                }
            }
        }
        fn name(&self) -> &'static str {
            "cloudwatch"
        }
    }

    fn source() -> Source {
        Source { target: Target::default(), group: "/aws/sagemaker/TrainingJobs".into(), streams: "job/".into(), from_ms: 0 }
    }

    fn never() -> Ended {
        Arc::new(|| Box::pin(async { false }))
    }

    fn always() -> Ended {
        Arc::new(|| Box::pin(async { true }))
    }

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| format!("{} {} {}", l.timestamp, l.stream, l.message)).collect()
    }

    fn setup() -> (Arc<Cloudwatch>, Arc<Aws>) {
        let cw = Arc::new(Cloudwatch::default());
        (cw.clone(), Arc::new(Aws::new(cw, 1000.0).with_logs_rate(1000.0)))
    }

    #[tokio::test(start_paused = true)]
    async fn every_stream_of_the_resource_is_merged_in_time_order_across_pages_and_no_other_resources_lines() {
        let (cw, aws) = setup();
        cw.write("job/algo-2-1", 20, "two");
        cw.write("job/algo-1-1", 10, "one");
        cw.write("job/algo-1-1", 30, "three");
        cw.write("job-other/algo-1-1", 15, "not ours");
        cw.write("job/algo-2-1", 40, "four");
        let lines: Vec<_> = read(aws, source(), Query::default(), never(), always()).map(|l| l.expect("line")).collect().await;
        assert_eq!(text(&lines), ["10 algo-1-1 one", "20 algo-2-1 two", "30 algo-1-1 three", "40 algo-2-1 four"]);
        let filters = cw.calls.lock().unwrap().iter().filter(|c| c.operation() == "FilterLogEvents").count();
        assert_eq!(filters, 2, "two pages of two");
    }

    #[tokio::test(start_paused = true)]
    async fn a_resource_that_wrote_nothing_yet_has_no_lines_rather_than_an_error() {
        let missing = Cloudwatch { missing: true, ..Default::default() };
        let aws = Arc::new(Aws::new(Arc::new(missing), 10.0));
        for query in [Query::default(), Query { tail: Some(5), ..Default::default() }] {
            let lines: Vec<_> = read(aws.clone(), source(), query, never(), always()).collect().await;
            assert!(lines.is_empty(), "{lines:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn tail_keeps_the_last_lines_of_all_streams_together_and_since_drops_older_ones() {
        let (cw, aws) = setup();
        for (i, stream) in ["job/algo-1-1", "job/algo-2-1"].iter().enumerate() {
            for t in 0..5 {
                cw.write(stream, t * 10 + i as i64, &format!("{stream} {t}"));
            }
        }
        let q = Query { tail: Some(3), ..Default::default() };
        let lines: Vec<_> = read(aws.clone(), source(), q, never(), always()).map(|l| l.expect("line")).collect().await;
        assert_eq!(text(&lines), ["31 algo-2-1 job/algo-2-1 3", "40 algo-1-1 job/algo-1-1 4", "41 algo-2-1 job/algo-2-1 4"]);
        let q = Query { since_ms: Some(35), stream: "algo-1".into(), ..Default::default() };
        let lines: Vec<_> = read(aws, source(), q, never(), always()).map(|l| l.expect("line")).collect().await;
        assert_eq!(text(&lines), ["40 algo-1-1 job/algo-1-1 4"]);
    }

    #[tokio::test(start_paused = true)]
    async fn following_passes_each_line_on_once_including_lines_that_land_late_and_repeated_lines() {
        let (cw, aws) = setup();
        let now = 1_000_000;
        cw.write("job/algo-1-1", now, "start");
        cw.write("job/algo-1-1", now, "same");
        cw.write("job/algo-1-1", now, "same");
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let ended: Ended = {
            let done = done.clone();
            Arc::new(move || {
                let done = done.load(std::sync::atomic::Ordering::SeqCst);
                Box::pin(async move { done })
            })
        };
        let q = Query { follow: true, settle: Duration::from_secs(3), ..Default::default() };
        let mut lines = read(aws, source(), q, ended, always());
        let mut got = Vec::new();
        for _ in 0..3 {
            got.push(lines.next().await.expect("line").expect("ok"));
        }
        // a second instance's line stamped before the newest seen, landing later,
        // then a gap of a minute with nothing, then more
        cw.write("job/algo-2-1", now - 2_000, "late from algo-2");
        got.push(lines.next().await.expect("late line").expect("ok"));
        tokio::time::sleep(Duration::from_secs(60)).await;
        cw.write("job/algo-1-1", now + 60_000, "after the gap");
        got.push(lines.next().await.expect("line after the gap").expect("ok"));
        // the job ends; lines written while it settles still come, then the stream ends
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        cw.write("job/algo-1-1", now + 61_000, "last words");
        while let Some(l) = lines.next().await {
            got.push(l.expect("ok"));
        }
        assert_eq!(
            text(&got),
            [
                "1000000 algo-1-1 start",
                "1000000 algo-1-1 same",
                "1000000 algo-1-1 same",
                "998000 algo-2-1 late from algo-2",
                "1060000 algo-1-1 after the gap",
                "1061000 algo-1-1 last words",
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn following_after_a_tail_repeats_no_line_the_tail_cut_off_in_the_same_millisecond() {
        let (cw, aws) = setup();
        cw.write("job/algo-1-1", 5, "cut off");
        cw.write("job/algo-1-1", 5, "kept");
        let mut lines = read(aws, source(), Query { tail: Some(1), follow: true, ..Default::default() }, never(), always());
        assert_eq!(lines.next().await.expect("line").expect("ok").message, "kept");
        cw.write("job/algo-1-1", 6, "new");
        assert_eq!(lines.next().await.expect("line").expect("ok").message, "new");
    }

    #[tokio::test(start_paused = true)]
    async fn a_scan_cut_short_goes_on_where_it_stopped_and_without_follow_reads_to_the_end() {
        let (cw, aws) = setup();
        // 150 pages of two lines: three times the pages one poll may read
        for t in 0..300 {
            cw.write("job/algo-1-1", t, &format!("line {t}"));
        }
        let lines: Vec<_> = read(aws, source(), Query::default(), never(), always()).map(|l| l.expect("line")).collect().await;
        assert_eq!(lines.len(), 300);
        assert_eq!(lines.last().map(|l| l.message.as_str()), Some("line 299"));
        let filters = cw.calls.lock().unwrap().iter().filter(|c| c.operation() == "FilterLogEvents").count();
        assert_eq!(filters, 150, "each page read once");
    }

    #[tokio::test(start_paused = true)]
    async fn nothing_is_read_until_the_resource_owns_its_aws_resource_and_following_waits_for_that() {
        let (cw, aws) = setup();
        cw.write("job/algo-1-1", 1, "someone else's job, named in a spec");
        let lines: Vec<_> = read(aws.clone(), source(), Query::default(), never(), never()).collect().await;
        assert!(lines.is_empty(), "{lines:?}");
        assert!(cw.calls.lock().unwrap().is_empty(), "not even asked");
        let owned = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let is_owned: Ended = {
            let owned = owned.clone();
            Arc::new(move || {
                let now = owned.load(std::sync::atomic::Ordering::SeqCst);
                Box::pin(async move { now })
            })
        };
        let mut lines = read(aws, source(), Query { follow: true, ..Default::default() }, never(), is_owned);
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert!(cw.calls.lock().unwrap().is_empty(), "waits without reading");
        owned.store(true, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(lines.next().await.expect("line").expect("ok").message, "someone else's job, named in a spec");
    }

    #[tokio::test(start_paused = true)]
    async fn following_backs_off_while_nothing_is_written_and_stops_when_the_reader_goes_away() {
        let (cw, aws) = setup();
        cw.write("job/algo-1-1", 1, "one");
        let mut lines = read(aws.clone(), source(), Query { follow: true, ..Default::default() }, never(), always());
        lines.next().await.expect("line").expect("ok");
        tokio::time::sleep(Duration::from_secs(60)).await;
        let polls = cw.calls.lock().unwrap().len();
        // idle: one poll per POLL_MAX, not per POLL_MIN
        assert!(polls <= 3 + 60 / POLL_MAX.as_secs() as usize, "{polls} polls in a minute");
        drop(lines);
        tokio::time::sleep(Duration::from_secs(1)).await;
        let after = cw.calls.lock().unwrap().len();
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(cw.calls.lock().unwrap().len(), after, "no polling for a reader that left");
    }
}
