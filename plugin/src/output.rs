//! Printers: kubectl-style tables, ages, YAML, JSON and names.

use std::io::Write;

use chrono::{DateTime, TimeDelta, Utc};
use sagemaker_core::{KindInfo, Resource, ack};
use serde_json::Value;

/// A table as kubectl prints one: left-aligned columns three spaces apart,
/// the last column unpadded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    pub(crate) fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Self {
        Table {
            rows: vec![header.into_iter().map(Into::into).collect()],
        }
    }

    pub(crate) fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    pub(crate) fn render(&self) -> String {
        self.render_with(true)
    }

    /// The table, with or without its header row (`--no-headers`).
    pub(crate) fn render_with(&self, headers: bool) -> String {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|s| s.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for row in self.rows.iter().skip(usize::from(!headers)) {
            let mut line = String::new();
            for (c, cell) in row.iter().enumerate() {
                if c + 1 < row.len() {
                    line.push_str(&format!("{cell:<width$}   ", width = widths[c]));
                } else {
                    line.push_str(cell);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// A duration the way kubectl shows ages (`HumanDuration` in apimachinery):
/// `45s`, `3m20s`, `12m`, `2h5m`, `10h`, `3d4h`, `40d`, `2y10d`.
pub(crate) fn human_duration(d: TimeDelta) -> String {
    let seconds = d.num_seconds();
    // up to two seconds of clock skew still counts as "now"
    if seconds < -1 {
        return "<invalid>".into();
    } else if seconds < 0 {
        return "0s".into();
    } else if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = d.num_minutes();
    if minutes < 10 {
        return match seconds % 60 {
            0 => format!("{minutes}m"),
            s => format!("{minutes}m{s}s"),
        };
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = d.num_hours();
    if hours < 8 {
        match minutes % 60 {
            0 => format!("{hours}h"),
            m => format!("{hours}h{m}m"),
        }
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        match hours % 24 {
            0 => format!("{}d", hours / 24),
            h => format!("{}d{h}h", hours / 24),
        }
    } else if hours < 24 * 365 * 2 {
        format!("{}d", hours / 24)
    } else if hours < 24 * 365 * 8 {
        match (hours / 24) % 365 {
            0 => format!("{}y", hours / 24 / 365),
            d => format!("{}y{d}d", hours / 24 / 365),
        }
    } else {
        format!("{}y", hours / 24 / 365)
    }
}

/// The age of an RFC 3339 timestamp at `now`, or `<unknown>`.
pub(crate) fn age(timestamp: Option<&str>, now: DateTime<Utc>) -> String {
    timestamp
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| human_duration(now.signed_duration_since(t)))
        .unwrap_or_else(|| "<unknown>".into())
}

/// A value as a table cell: strings as they are, absent as empty.
pub(crate) fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// `trainingjob.sagemaker.services.k8s.aws/NAME`, as `-o name` and apply print it.
pub(crate) fn qualified_name(kind: &KindInfo, name: &str) -> String {
    format!("{}/{name}", kind.qualified())
}

/// What the `get` table shows besides the kind's columns.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TableOptions {
    /// `-o wide`: the wide printer columns, REGION and ACCOUNT.
    pub wide: bool,
    /// `-A`: a NAMESPACE column first.
    pub all_namespaces: bool,
    /// `--show-labels`: a LABELS column last.
    pub show_labels: bool,
    /// `get all`: names as `kind.group/name`, since tables of several kinds follow each other.
    pub qualified: bool,
}

/// The `get` table: [NAMESPACE] NAME, the kind's printer columns (wide ones,
/// REGION and ACCOUNT only when wide), SYNCED, AGE, [LABELS]: the columns
/// the CRDs give `kubectl get`, so both show the same.
/// With several clusters, `clusters` gives each resource's (a CLUSTER column
/// first); else it is empty.
pub(crate) fn resource_table(
    kind: &KindInfo,
    resources: &[Resource],
    clusters: &[String],
    options: TableOptions,
    now: DateTime<Utc>,
) -> Table {
    let TableOptions { wide, all_namespaces, show_labels, qualified } = options;
    let columns: Vec<_> = kind.printer_columns.iter().filter(|c| wide || !c.wide).collect();
    let mut header = Vec::new();
    if !clusters.is_empty() {
        header.push("CLUSTER");
    }
    if all_namespaces {
        header.push("NAMESPACE");
    }
    header.push("NAME");
    header.extend(columns.iter().map(|c| c.name));
    if wide {
        header.extend(["REGION", "ACCOUNT"]);
    }
    header.extend(["SYNCED", "AGE"]);
    if show_labels {
        header.push("LABELS");
    }
    let mut table = Table::new(header);
    for (i, r) in resources.iter().enumerate() {
        let mut row = Vec::new();
        if let Some(cluster) = clusters.get(i) {
            row.push(cluster.clone());
        }
        if all_namespaces {
            row.push(r.metadata.namespace.clone());
        }
        row.push(if qualified { qualified_name(kind, &r.metadata.name) } else { r.metadata.name.clone() });
        row.extend(columns.iter().map(|c| cell(r.value_at(c.path))));
        if wide {
            row.push(cell(r.value_at("status.ackResourceMetadata.region")));
            row.push(cell(r.value_at("status.ackResourceMetadata.ownerAccountID")));
        }
        row.push(cell(r.condition(ack::CONDITION_SYNCED).and_then(|c| c.get("status"))));
        row.push(age(r.metadata.creation_timestamp.as_deref(), now));
        if show_labels {
            let labels: Vec<String> = r.metadata.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            row.push(if labels.is_empty() { "<none>".into() } else { labels.join(",") });
        }
        table.push(row);
    }
    table
}

/// A kubectl `List` of objects, as `get -o json|yaml` prints several.
pub(crate) fn list_object(items: Vec<Value>) -> Value {
    serde_json::json!({
        "apiVersion": "v1",
        "items": items,
        "kind": "List",
        "metadata": { "resourceVersion": "" },
    })
}

/// YAML for a value; JSON (which is YAML too) should YAML ever refuse it.
pub(crate) fn to_yaml(value: &Value) -> String {
    serde_yaml::to_string(value).unwrap_or_else(|_| to_json(value))
}

/// Pretty JSON with a final newline.
pub(crate) fn to_json(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

tokio::task_local! {
    /// What each line a command prints starts with while it runs for one of
    /// several clusters (`[context] `), so that their output can interleave.
    static PREFIX: String;
}

/// Runs `work` with every line it prints, to stdout or stderr, prefixed.
pub(crate) async fn prefixed<T>(prefix: String, work: impl Future<Output = T>) -> T {
    PREFIX.scope(prefix, work).await
}

/// `text` with the prefix of the cluster being worked for on each line.
fn with_prefix(text: &str) -> std::borrow::Cow<'_, str> {
    match PREFIX.try_with(|p| p.clone()) {
        Ok(prefix) if !prefix.is_empty() => text.split_inclusive('\n').map(|line| format!("{prefix}{line}")).collect::<String>().into(),
        _ => text.into(),
    }
}

/// Writes to stdout, reporting a closed pipe instead of panicking like `print!`.
pub(crate) fn out(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(with_prefix(text).as_bytes())?;
    stdout.flush()
}

/// Writes one line to stdout.
pub(crate) fn outln(line: impl std::fmt::Display) -> std::io::Result<()> {
    out(&format!("{line}\n"))
}

/// Writes to stderr, prefixed like `out`; a closed stderr is ignored.
pub(crate) fn err(text: &str) {
    let _ = std::io::stderr().lock().write_all(with_prefix(text).as_bytes());
}

/// Writes one line to stderr.
pub(crate) fn errln(line: impl std::fmt::Display) {
    err(&format!("{line}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sagemaker_core::kinds::TRAINING_JOB;
    use serde_json::json;

    fn at(s: i64) -> TimeDelta {
        TimeDelta::seconds(s)
    }

    #[test]
    fn ages_are_formatted_like_kubectl() {
        let cases = [
            (-5, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (5, "5s"),
            (119, "119s"),
            (180, "3m"),
            (200, "3m20s"),
            (59 * 60, "59m"),
            (3 * 3600 + 5 * 60, "3h5m"),
            (2 * 3600, "120m"),
            (5 * 3600, "5h"),
            (30 * 3600, "30h"),
            (4 * 86_400, "4d"),
            (4 * 86_400 + 3 * 3600, "4d3h"),
            (40 * 86_400, "40d"),
            (3 * 365 * 86_400 + 10 * 86_400, "3y10d"),
            (10 * 365 * 86_400, "10y"),
        ];
        for (seconds, expected) in cases {
            assert_eq!(human_duration(at(seconds)), expected, "{seconds}s");
        }
    }

    #[test]
    fn a_missing_or_broken_timestamp_has_an_unknown_age() {
        let now = Utc::now();
        assert_eq!(age(None, now), "<unknown>");
        assert_eq!(age(Some("yesterday"), now), "<unknown>");
        let then = (now - TimeDelta::minutes(3)).to_rfc3339();
        assert_eq!(age(Some(&then), now), "3m");
    }

    #[test]
    fn tables_pad_every_column_but_the_last() {
        let mut table = Table::new(["NAME", "STATUS", "AGE"]);
        table.push(vec!["a-long-name".into(), "".into(), "5s".into()]);
        table.push(vec!["b".into(), "InProgress".into(), "12m".into()]);
        assert_eq!(
            table.render(),
            "NAME          STATUS       AGE\n\
             a-long-name                5s\n\
             b             InProgress   12m\n"
        );
    }

    fn job(name: &str, namespace: &str) -> Resource {
        serde_json::from_value(json!({
            "apiVersion": "sagemaker.services.k8s.aws/v1alpha1",
            "kind": "TrainingJob",
            "metadata": {"name": name, "namespace": namespace, "creationTimestamp": "2020-01-01T00:00:00Z"},
            "spec": {"trainingJobName": name},
            "status": {
                "trainingJobStatus": "Failed",
                "secondaryStatus": "Failed",
                "failureReason": "AlgorithmError: boom",
                "ackResourceMetadata": {"region": "us-west-2", "ownerAccountID": "111111111111"},
                "conditions": [{"type": "ACK.ResourceSynced", "status": "True"}]
            }
        }))
        .expect("resource")
    }

    #[test]
    fn the_get_table_shows_printer_columns_and_age() {
        let now = DateTime::parse_from_rfc3339("2020-01-01T00:02:00Z")
            .expect("time")
            .to_utc();
        let table = resource_table(&TRAINING_JOB, &[job("a", "ml")], &[], TableOptions::default(), now);
        assert_eq!(
            table.render(),
            "NAME   STATUS   SECONDARY-STATUS   SYNCED   AGE\n\
             a      Failed   Failed             True     2m\n"
        );
        assert_eq!(table.render_with(false), "a      Failed   Failed             True     2m\n");
        let labelled = resource_table(&TRAINING_JOB, &[job("a", "ml")], &[], TableOptions { show_labels: true, ..Default::default() }, now);
        assert!(labelled.render().ends_with("   2m    <none>\n"), "{}", labelled.render());
    }

    #[test]
    fn the_wide_table_adds_failure_reason_region_account_and_synced() {
        let now = DateTime::parse_from_rfc3339("2020-01-05T00:00:00Z")
            .expect("time")
            .to_utc();
        let options = TableOptions { wide: true, all_namespaces: true, ..Default::default() };
        let table = resource_table(&TRAINING_JOB, &[job("a", "ml")], &[], options, now);
        let text = table.render();
        let mut lines = text.lines();
        let header: Vec<_> = lines.next().expect("header").split_whitespace().collect();
        assert_eq!(
            header,
            [
                "NAMESPACE",
                "NAME",
                "STATUS",
                "SECONDARY-STATUS",
                "FAILURE-REASON",
                "REGION",
                "ACCOUNT",
                "SYNCED",
                "AGE"
            ]
        );
        let row = lines.next().expect("row");
        assert!(row.starts_with("ml          a      Failed"), "{row}");
        assert!(
            row.contains("AlgorithmError: boom   us-west-2   111111111111   True     4d"),
            "{row}"
        );
    }

    #[test]
    fn several_objects_print_as_a_kubectl_list() {
        let list = list_object(vec![json!({"a": 1})]);
        assert_eq!(
            to_yaml(&list),
            "apiVersion: v1\nitems:\n- a: 1\nkind: List\nmetadata:\n  resourceVersion: ''\n"
        );
    }
}
