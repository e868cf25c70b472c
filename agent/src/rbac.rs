//! Who calls, and what they may do, in Kubernetes mode: every gRPC call's
//! bearer token (the caller's own Kubernetes credential, as the plugin reads
//! it from the kubeconfig) is authenticated with a TokenReview, and each
//! thing the call touches is authorized with a SubjectAccessReview as that
//! caller, for the verb, kind and namespace, exactly as the API server would
//! decide a `kubectl` request.
//!
//! SubjectAccessReview rather than impersonation: the agent serves reads
//! (get, list, watch) from its reflector cache, which impersonated API
//! calls would bypass, so that a thousand watching plugins would again cost
//! a thousand API-server watches. Writes still go to the API server as the
//! agent, so its audit log names the agent; the agent logs the caller of
//! every write. Answers are cached briefly (a token's identity for a
//! minute, a decision for ten seconds), so a revoked permission takes effect
//! within seconds and a busy plugin costs the API server little.
//!
//! Tokens never leave this module: not in logs, errors or metrics.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use k8s_openapi::api::{
    authentication::v1::{TokenReview, TokenReviewSpec},
    authorization::v1::{ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec},
};
use kube::{Api, Client, api::PostParams};
use sagemaker_core::KindInfo;
use tonic::Status;

/// How long a token's identity is trusted before it is reviewed again.
const IDENTITY_TTL: Duration = Duration::from_secs(60);
/// How long an authorization decision is reused.
const DECISION_TTL: Duration = Duration::from_secs(10);
/// Entries kept per cache before all are dropped (a bound, not a policy).
const MAX_ENTRIES: usize = 10_000;

/// An authenticated caller, as the API server knows them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Caller {
    pub user: String,
    pub uid: Option<String>,
    pub groups: Vec<String>,
    pub extra: std::collections::BTreeMap<String, Vec<String>>,
    /// Who acts as this user (`kubectl --as`), for the log of what they changed.
    pub impersonated_by: Option<String>,
}

/// What the call does: `create trainingjobs` in a namespace (`None`: all),
/// or `impersonate` one user or group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Access {
    pub verb: &'static str,
    pub group: &'static str,
    pub resource: &'static str,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

impl Access {
    pub fn to(verb: &'static str, kind: &KindInfo, namespace: Option<&str>) -> Access {
        Access { verb, group: kind.group, resource: kind.plural, namespace: namespace.map(str::to_string), name: None }
    }

    /// Acting as `name`, a user or a group (`resource`), as `kubectl --as` does.
    fn impersonate(resource: &'static str, name: &str) -> Access {
        Access { verb: "impersonate", group: "", resource, namespace: None, name: Some(name.to_string()) }
    }

    /// Acting as a user: a service account's name (`system:serviceaccount:NS:NAME`)
    /// is authorized as the API server authorizes it, on `serviceaccounts` in NS.
    fn impersonate_user(user: &str) -> Access {
        match user.strip_prefix("system:serviceaccount:").and_then(|rest| rest.split_once(':')) {
            Some((namespace, name)) => Access {
                verb: "impersonate",
                group: "",
                resource: "serviceaccounts",
                namespace: Some(namespace.to_string()),
                name: Some(name.to_string()),
            },
            None => Access::impersonate("users", user),
        }
    }

    /// As kubectl words a refusal: `User "alice" cannot create resource
    /// "trainingjobs" in API group "sagemaker.services.k8s.aws" in the
    /// namespace "prod"`.
    fn refusal(&self, caller: &Caller) -> String {
        let scope = match &self.namespace {
            Some(ns) => format!("in the namespace \"{ns}\""),
            None => "at the cluster scope".to_string(),
        };
        let what = match (self.group, &self.name) {
            ("", None) => self.resource.to_string(),
            ("", Some(name)) => format!("{} \"{name}\"", self.resource),
            (group, None) => format!("{}.{group}", self.resource),
            (group, Some(name)) => format!("{}.{group} \"{name}\"", self.resource),
        };
        format!(
            "{what} is forbidden: User \"{}\" cannot {} resource \"{}\" in API group \"{}\" {scope}",
            caller.user, self.verb, self.resource, self.group
        )
    }
}

/// An authorization decision, kept with when it was made: allowed, or the
/// refusal as the caller reads it.
type Decision = (Instant, Result<(), String>);

/// TokenReview and SubjectAccessReview against the agent's API server.
pub struct KubeAuth {
    client: Client,
    identities: Mutex<HashMap<String, (Instant, Caller)>>,
    decisions: Mutex<HashMap<(Caller, Access), Decision>>,
}

fn bounded<K, V>(map: &mut HashMap<K, V>) {
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
}

impl KubeAuth {
    pub fn new(client: Client) -> KubeAuth {
        KubeAuth { client, identities: Mutex::default(), decisions: Mutex::default() }
    }

    /// The caller a request's `authorization: Bearer` token belongs to, or
    /// the user it impersonates (`kubectl --as`) if it may.
    pub async fn authenticate<T>(&self, request: &tonic::Request<T>) -> Result<Caller, Status> {
        let caller = self.identify(request).await?;
        self.acting_as(caller, request.metadata()).await
    }

    async fn identify<T>(&self, request: &tonic::Request<T>) -> Result<Caller, Status> {
        let token = request
            .metadata()
            .get(sagemaker_core::wire::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                Status::unauthenticated(
                    "no credentials: the agent acts for Kubernetes users only; use a kubeconfig user with a token",
                )
            })?;
        if let Some((at, caller)) = self.identities.lock().unwrap_or_else(|p| p.into_inner()).get(token)
            && at.elapsed() < IDENTITY_TTL
        {
            return Ok(caller.clone());
        }
        let review = TokenReview {
            spec: TokenReviewSpec { token: token.to_string(), audiences: None },
            ..Default::default()
        };
        let answer = Api::<TokenReview>::all(self.client.clone())
            .create(&PostParams::default(), &review)
            .await
            .map_err(|e| Status::unavailable(format!("cannot review the caller's token with the API server: {e}")))?;
        let status = answer.status.unwrap_or_default();
        let user = status.user.filter(|_| status.authenticated == Some(true)).ok_or_else(|| {
            Status::unauthenticated("the API server does not accept these credentials (expired or unknown token)")
        })?;
        let caller = Caller {
            user: user.username.unwrap_or_default(),
            uid: user.uid,
            groups: user.groups.unwrap_or_default(),
            extra: user.extra.unwrap_or_default().into_iter().collect(),
            impersonated_by: None,
        };
        let mut identities = self.identities.lock().unwrap_or_else(|p| p.into_inner());
        bounded(&mut identities);
        identities.insert(token.to_string(), (Instant::now(), caller.clone()));
        Ok(caller)
    }

    /// `impersonate-user` and `impersonate-group`, decided as the API server
    /// decides its `Impersonate-*` headers: the caller needs `impersonate` on
    /// the user and on each group, and the impersonated user is then the
    /// caller for everything the call does, with the groups the API server
    /// would give it.
    async fn acting_as(&self, caller: Caller, metadata: &tonic::metadata::MetadataMap) -> Result<Caller, Status> {
        let text = |v: &tonic::metadata::MetadataValue<tonic::metadata::Ascii>| v.to_str().ok().map(str::to_string);
        let user = metadata.get(sagemaker_core::wire::IMPERSONATE_USER).and_then(text).filter(|u| !u.is_empty());
        let mut groups: Vec<String> =
            metadata.get_all(sagemaker_core::wire::IMPERSONATE_GROUP).iter().filter_map(text).collect();
        let Some(user) = user else {
            if groups.is_empty() {
                return Ok(caller);
            }
            return Err(Status::invalid_argument("impersonating groups needs a user to impersonate as well (--as)"));
        };
        self.authorize(&caller, Access::impersonate_user(&user)).await?;
        for group in &groups {
            self.authorize(&caller, Access::impersonate("groups", group)).await?;
        }
        let mut implied = vec!["system:authenticated".to_string()];
        // a service account's own groups, unless the caller named the groups
        if groups.is_empty()
            && let Some(namespace) = user.strip_prefix("system:serviceaccount:").and_then(|rest| rest.split(':').next())
        {
            implied.extend(["system:serviceaccounts".to_string(), format!("system:serviceaccounts:{namespace}")]);
        }
        for group in implied {
            if !groups.contains(&group) {
                groups.push(group);
            }
        }
        tracing::debug!(caller = %caller.user, impersonates = %user, "impersonation allowed");
        Ok(Caller { user, uid: None, groups, extra: Default::default(), impersonated_by: Some(caller.user) })
    }

    /// Whether `caller` may do `access`; PERMISSION_DENIED worded as kubectl
    /// words it otherwise.
    pub async fn authorize(&self, caller: &Caller, access: Access) -> Result<(), Status> {
        let key = (caller.clone(), access.clone());
        if let Some((at, decision)) = self.decisions.lock().unwrap_or_else(|p| p.into_inner()).get(&key)
            && at.elapsed() < DECISION_TTL
        {
            return decision.clone().map_err(Status::permission_denied);
        }
        let review = SubjectAccessReview {
            spec: SubjectAccessReviewSpec {
                user: Some(caller.user.clone()),
                uid: caller.uid.clone(),
                groups: Some(caller.groups.clone()),
                extra: Some(caller.extra.clone().into_iter().collect()),
                resource_attributes: Some(ResourceAttributes {
                    verb: Some(access.verb.to_string()),
                    group: Some(access.group.to_string()),
                    resource: Some(access.resource.to_string()),
                    namespace: access.namespace.clone(),
                    name: access.name.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        };
        let answer = Api::<SubjectAccessReview>::all(self.client.clone())
            .create(&PostParams::default(), &review)
            .await
            .map_err(|e| Status::unavailable(format!("cannot ask the API server what the caller may do: {e}")))?;
        let allowed = answer.status.is_some_and(|s| s.allowed);
        let decision = if allowed { Ok(()) } else { Err(access.refusal(caller)) };
        let mut decisions = self.decisions.lock().unwrap_or_else(|p| p.into_inner());
        bounded(&mut decisions);
        decisions.insert(key, (Instant::now(), decision.clone()));
        decision.map_err(Status::permission_denied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_reads_as_kubectls() {
        let alice = Caller { user: "alice".into(), uid: None, groups: vec![], extra: Default::default(), impersonated_by: None };
        let access = Access::to("create", &sagemaker_core::kinds::TRAINING_JOB, Some("prod"));
        assert_eq!(
            access.refusal(&alice),
            "trainingjobs.sagemaker.services.k8s.aws is forbidden: User \"alice\" cannot create resource \"trainingjobs\" \
             in API group \"sagemaker.services.k8s.aws\" in the namespace \"prod\""
        );
        let everywhere = Access::to("list", &sagemaker_core::kinds::MODEL, None);
        assert!(everywhere.refusal(&alice).ends_with("at the cluster scope"));
        assert_eq!(
            Access::impersonate_user("system:serviceaccount:ml:runner").refusal(&alice),
            "serviceaccounts \"runner\" is forbidden: User \"alice\" cannot impersonate resource \"serviceaccounts\" in API group \"\" in the namespace \"ml\""
        );
        assert_eq!(
            Access::impersonate_user("bob").refusal(&alice),
            "users \"bob\" is forbidden: User \"alice\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"
        );
    }
}
