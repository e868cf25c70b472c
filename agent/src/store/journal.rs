//! Kubernetes Events about resources (events.k8s.io): what the engine
//! records at each lifecycle transition and AWS error, and what `describe`
//! shows. Repeats aggregate by reason (one event with a count and the
//! latest message), so a retry loop never floods etcd.

use std::collections::HashMap;

use sagemaker_core::Resource;

/// What to record about a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventNote {
    pub warning: bool,
    /// PascalCase: the AWS status reached (`InService`), the AWS error code
    /// (`ResourceLimitExceeded`), or what the agent did (`Created`).
    pub reason: String,
    /// What the agent was doing: `Create`, `Update`, `Stop`, `Delete`, `Reconcile`.
    pub action: String,
    pub message: String,
}

impl EventNote {
    pub fn normal(action: &str, reason: &str, message: impl Into<String>) -> Self {
        EventNote { warning: false, reason: reason.into(), action: action.into(), message: message.into() }
    }

    pub fn warning(action: &str, reason: &str, message: impl Into<String>) -> Self {
        EventNote { warning: true, ..Self::normal(action, reason, message) }
    }
}

/// An event as stored: the latest note of its series, how many times, and
/// when first and last (RFC 3339).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedEvent {
    pub note: EventNote,
    pub count: u32,
    pub first: String,
    pub last: String,
    pub reporter: String,
}

/// Events kept per resource (the oldest series go first), and resources
/// with events (those whose latest event is oldest go first: deleted ones
/// stop getting any).
const PER_RESOURCE: usize = 32;
const RESOURCES: usize = 4096;

/// Events in memory, for the embedded store (standalone has no API server
/// to keep them; like Kubernetes' own, they are not kept across restarts).
#[derive(Default)]
pub struct Journal {
    by_resource: HashMap<String, Vec<RecordedEvent>>,
}

/// Which resource an event is about: kind and uid (a resource recreated
/// under the same name starts a fresh history).
pub fn subject(kind: &str, res: &Resource) -> String {
    format!("{kind}/{}/{}/{}", res.metadata.namespace, res.metadata.name, res.metadata.uid.as_deref().unwrap_or_default())
}

impl Journal {
    pub fn record(&mut self, subject: String, note: &EventNote, now: &str) {
        if self.by_resource.len() >= RESOURCES && !self.by_resource.contains_key(&subject) {
            let last = |events: &Vec<RecordedEvent>| events.iter().map(|e| e.last.clone()).max().unwrap_or_default();
            if let Some(oldest) = self.by_resource.iter().min_by_key(|(_, e)| last(e)).map(|(k, _)| k.clone()) {
                self.by_resource.remove(&oldest);
            }
        }
        let events = self.by_resource.entry(subject).or_default();
        let same = |e: &&mut RecordedEvent| e.note.warning == note.warning && e.note.reason == note.reason && e.note.action == note.action;
        match events.iter_mut().find(same) {
            Some(e) => {
                e.count += 1;
                e.last = now.to_string();
                e.note.message = note.message.clone();
            }
            None => events.push(RecordedEvent {
                note: note.clone(),
                count: 1,
                first: now.into(),
                last: now.into(),
                reporter: "sagemaker-agent".into(),
            }),
        }
        if events.len() > PER_RESOURCE {
            events.sort_by(|a, b| b.last.cmp(&a.last));
            events.truncate(PER_RESOURCE);
        }
    }

    /// Oldest first, by when each series last happened.
    pub fn events(&self, subject: &str) -> Vec<RecordedEvent> {
        let mut events = self.by_resource.get(subject).cloned().unwrap_or_default();
        events.sort_by(|a, b| a.last.cmp(&b.last));
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retry_loop_is_one_event_with_a_count_and_the_latest_message() {
        let mut j = Journal::default();
        for (i, t) in ["t1", "t2", "t3"].iter().enumerate() {
            j.record("tj/a".into(), &EventNote::warning("Reconcile", "ThrottlingException", format!("try {i}")), t);
        }
        j.record("tj/a".into(), &EventNote::normal("Reconcile", "Completed", "done"), "t4");
        let events = j.events("tj/a");
        assert_eq!(events.len(), 2);
        assert_eq!((events[0].count, events[0].first.as_str(), events[0].last.as_str()), (3, "t1", "t3"));
        assert_eq!(events[0].note.message, "try 2");
        assert_eq!(events[1].note.reason, "Completed");
        assert!(j.events("tj/b").is_empty());
    }
}
