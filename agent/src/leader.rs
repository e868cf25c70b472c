//! Leader election on a coordination.k8s.io Lease, so that of several
//! replicas exactly one reconciles (two would both call AWS for the same
//! resources); the others serve the plugin (reads come from their own
//! caches, writes go to the API server) and take over when the leader stops.
//!
//! client-go's rules: the holder renews the lease every `renew`; another
//! replica takes it once it has seen the same renewal for longer than the
//! lease's duration. Expiry is judged by when this replica *observed* a
//! renewal, never by the timestamps in the lease, so clock skew between
//! nodes cannot make two leaders.

use std::time::Duration;

use k8s_openapi::{
    api::coordination::v1::{Lease, LeaseSpec},
    apimachinery::pkg::apis::meta::v1::MicroTime,
};
use kube::{
    Api, Client,
    api::{ObjectMeta, PostParams},
};
use tokio::{sync::watch, time::Instant};

/// How long a lease lasts without renewal, and how often it is renewed
/// (and, by followers, looked at).
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub lease: Duration,
    pub renew: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        // client-go's defaults are 15 s and 2 s (retry), 10 s (renew deadline)
        Timing { lease: Duration::from_secs(15), renew: Duration::from_secs(5) }
    }
}

impl Timing {
    /// How long a leader goes on without a successful renewal before it
    /// stops: well inside the lease, so that it has stopped before any
    /// follower can see the lease expire (client-go's renew deadline).
    fn deadline(&self) -> Duration {
        self.lease * 2 / 3
    }
}

/// This replica's view of the election.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Follower,
    Leader,
    /// It led and could not renew in time: another replica may lead now,
    /// so this one must stop reconciling at once.
    Lost,
}

/// Campaigns for the lease `name` in `namespace` as `identity` until the
/// process ends; the receiver says what this replica is.
pub fn campaign(client: Client, namespace: &str, name: &str, identity: String, timing: Timing) -> watch::Receiver<Role> {
    let (tx, rx) = watch::channel(Role::Follower);
    let api: Api<Lease> = Api::namespaced(client, namespace);
    let name = name.to_string();
    tokio::spawn(async move {
        let mut elector = Elector { api, name, identity, timing, observed: None, renewed: None };
        loop {
            // a call that hangs (a half-open connection) must not keep a
            // leader leading: each round is bounded, and a leader that has
            // not renewed by its deadline has lost
            let role = match tokio::time::timeout(timing.renew.min(timing.deadline()), elector.round()).await {
                Ok(role) => role,
                Err(_) => {
                    tracing::warn!(lease = %elector.name, "leader election: the API server did not answer in time");
                    elector.unsure()
                }
            };
            let role = elector.settle(role);
            if *tx.borrow() != role {
                match role {
                    Role::Leader => tracing::info!(lease = %elector.name, identity = %elector.identity, "became the leader: reconciling"),
                    Role::Follower => tracing::info!(lease = %elector.name, "following: another replica reconciles"),
                    Role::Lost => tracing::error!(lease = %elector.name, "lost the lease"),
                }
                let _ = tx.send(role);
            }
            if role == Role::Lost {
                return;
            }
            tokio::time::sleep(timing.renew).await;
        }
    });
    rx
}

/// Gives the lease up (on shutdown), so another replica takes over at once
/// rather than after the lease runs out.
pub async fn release(client: Client, namespace: &str, name: &str, identity: &str) {
    let api: Api<Lease> = Api::namespaced(client, namespace);
    let Ok(mut lease) = api.get(name).await else { return };
    let spec = lease.spec.get_or_insert_with(Default::default);
    if spec.holder_identity.as_deref() != Some(identity) {
        return;
    }
    spec.holder_identity = None;
    spec.lease_duration_seconds = Some(1);
    if api.replace(name, &PostParams::default(), &lease).await.is_ok() {
        tracing::info!(lease = %name, "released the lease");
    }
}

/// A lease's holder and renew time, as seen.
type Renewal = (Option<String>, Option<String>);

struct Elector {
    api: Api<Lease>,
    name: String,
    identity: String,
    timing: Timing,
    /// The other holder's lease as last seen, and when it was first seen so.
    observed: Option<(Renewal, Instant)>,
    /// When this replica last renewed successfully, while it leads.
    renewed: Option<Instant>,
}

fn now() -> MicroTime {
    MicroTime(k8s_openapi::jiff::Timestamp::now())
}

impl Elector {
    async fn round(&mut self) -> Role {
        match self.try_round().await {
            Ok(role) => role,
            Err(e) => {
                tracing::warn!(error = %e, lease = %self.name, "leader election: cannot read or write the lease");
                self.unsure()
            }
        }
    }

    /// What this replica is when the API server cannot be asked: a leader
    /// stays one until its renew deadline.
    fn unsure(&mut self) -> Role {
        match self.renewed {
            Some(at) if at.elapsed() < self.timing.deadline() => Role::Leader,
            Some(_) => Role::Lost,
            None => Role::Follower,
        }
    }

    /// Once it has led, anything but leading is losing: a leader never
    /// quietly turns follower while its engine runs.
    fn settle(&self, role: Role) -> Role {
        match (self.renewed, role) {
            (Some(_), Role::Follower) => Role::Lost,
            (Some(at), Role::Leader) if at.elapsed() >= self.timing.deadline() => Role::Lost,
            (_, role) => role,
        }
    }

    async fn try_round(&mut self) -> Result<Role, kube::Error> {
        let duration = i32::try_from(self.timing.lease.as_secs()).unwrap_or(15).max(1);
        let lease = match self.api.get_opt(&self.name).await? {
            Some(lease) => lease,
            None => {
                let lease = Lease {
                    metadata: ObjectMeta { name: Some(self.name.clone()), ..Default::default() },
                    spec: Some(LeaseSpec {
                        holder_identity: Some(self.identity.clone()),
                        lease_duration_seconds: Some(duration),
                        acquire_time: Some(now()),
                        renew_time: Some(now()),
                        lease_transitions: Some(0),
                        ..Default::default()
                    }),
                };
                return Ok(match self.api.create(&PostParams::default(), &lease).await {
                    Ok(_) => self.led(),
                    // another replica created it first
                    Err(kube::Error::Api(r)) if r.code == 409 => self.unsure_follower(),
                    Err(e) => return Err(e),
                });
            }
        };
        let spec = lease.spec.clone().unwrap_or_default();
        let holder = spec.holder_identity.clone().filter(|h| !h.is_empty());
        let ours = holder.as_deref() == Some(self.identity.as_str());
        if !ours {
            if self.renewed.is_some() {
                // taken while we thought we led
                return Ok(Role::Lost);
            }
            let seen = (holder.clone(), spec.renew_time.as_ref().map(|t| t.0.to_string()));
            let since = match &self.observed {
                Some((last, at)) if *last == seen => *at,
                _ => {
                    self.observed = Some((seen, Instant::now()));
                    Instant::now()
                }
            };
            let held_for = Duration::from_secs(spec.lease_duration_seconds.unwrap_or(duration).max(1) as u64);
            if holder.is_some() && since.elapsed() < held_for {
                return Ok(Role::Follower);
            }
        }
        // renew ours, or take an expired or released one (guarded by the
        // resource version: of two replicas taking it, one wins)
        let mut next = lease.clone();
        let spec = next.spec.get_or_insert_with(Default::default);
        if !ours {
            spec.acquire_time = Some(now());
            spec.lease_transitions = Some(spec.lease_transitions.unwrap_or(0) + 1);
        }
        spec.holder_identity = Some(self.identity.clone());
        spec.lease_duration_seconds = Some(duration);
        spec.renew_time = Some(now());
        match self.api.replace(&self.name, &PostParams::default(), &next).await {
            Ok(_) => Ok(self.led()),
            Err(kube::Error::Api(r)) if r.code == 409 => Ok(if ours { self.unsure() } else { Role::Follower }),
            Err(e) => Err(e),
        }
    }

    fn led(&mut self) -> Role {
        self.renewed = Some(Instant::now());
        self.observed = None;
        Role::Leader
    }

    fn unsure_follower(&mut self) -> Role {
        Role::Follower
    }
}

/// This replica's name in the lease: the pod's name where there is one,
/// with a random suffix (a restarted pod is a new candidate).
pub fn identity() -> String {
    let base = std::env::var("POD_NAME").or_else(|_| std::env::var("HOSTNAME")).unwrap_or_else(|_| "sagemaker-agent".into());
    format!("{base}_{:08x}", rand::random::<u32>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elector(renewed_ago: Option<Duration>) -> Elector {
        let client = Client::try_from(kube::Config::new("http://127.0.0.1:1".parse().expect("url"))).expect("client");
        let timing = Timing { lease: Duration::from_secs(15), renew: Duration::from_secs(5) };
        let renewed = renewed_ago.map(|ago| Instant::now() - ago);
        Elector { api: Api::namespaced(client, "ns"), name: "lease".into(), identity: "me".into(), timing, observed: None, renewed }
    }

    #[tokio::test]
    async fn a_leader_that_cannot_renew_stops_before_a_follower_could_see_the_lease_expire() {
        // renewed 9 s ago: the deadline (10 s) is still ahead, so it leads on
        assert_eq!(elector(Some(Duration::from_secs(9))).unsure(), Role::Leader);
        // 10 s: it must stop now, 5 s before the lease (15 s) runs out for others
        assert_eq!(elector(Some(Duration::from_secs(10))).unsure(), Role::Lost);
        assert_eq!(elector(None).unsure(), Role::Follower);
    }

    #[tokio::test]
    async fn a_leader_never_quietly_becomes_a_follower() {
        // another replica created or took the lease meanwhile
        assert_eq!(elector(Some(Duration::from_secs(1))).settle(Role::Follower), Role::Lost);
        assert_eq!(elector(None).settle(Role::Follower), Role::Follower);
        assert_eq!(elector(Some(Duration::from_secs(1))).settle(Role::Leader), Role::Leader);
    }
}
