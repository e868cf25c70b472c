//! Where a resource lives in AWS, decided in one place for apply-time checks
//! and the engine: once created, what its status recorded; before that, its
//! region annotation, else its namespace's default, else the agent's.
//! (CARM account mapping plugs in here.)

use std::collections::BTreeMap;

use sagemaker_core::{KindInfo, Resource, ack};

/// Annotations by namespace (the namespaces that have any).
pub type NamespaceAnnotations = BTreeMap<String, BTreeMap<String, String>>;

impl Role {
    /// The role and what chose it, as `describe` shows it.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.arn, self.chosen_by)
    }
}

/// The role the agent assumes in an account, and the ExternalId its trust
/// policy may ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub arn: String,
    pub external_id: Option<String>,
    /// Which entry chose it (`sagemaker.111111111111`), for `describe`.
    pub chosen_by: String,
}

/// What applies where a resource says nothing: its namespace's annotations,
/// then the agent's own settings; and the roles of other accounts.
#[derive(Debug, Clone, Default)]
pub struct Defaults {
    pub region: String,
    pub account: String,
    /// `delete` or `retain` (`--deletion-policy`).
    pub deletion_policy: String,
    pub namespaces: NamespaceAnnotations,
    /// ACK's `ack-role-account-map` (CARM): account id, or `<service>.<account id>`,
    /// to a role ARN, or to `{"roleARN": ..., "externalID": ...}`.
    pub role_account_map: BTreeMap<String, String>,
    /// ACK's `ack-role-team-map` (team-level CARM): team id to a role, as above.
    pub role_team_map: BTreeMap<String, String>,
}

/// Why a resource has no account or role to act with (yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoRole {
    /// Another account than the agent's, not mapped.
    Account(String),
    /// The namespace's team, not mapped.
    Team(String),
    /// The resource names an account its namespace does not allow.
    NotAllowed { account: String, namespace: String },
}

impl std::fmt::Display for NoRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoRole::Account(account) => write!(
                f,
                "IAM role is not available for account {account}: map it in the ConfigMap ack-role-account-map \
                 (\"{account}\": arn:aws:iam::{account}:role/NAME); the resource waits, and nothing goes to another account"
            ),
            NoRole::Team(team) => write!(
                f,
                "IAM role is not available for team {team}: map it in the ConfigMap ack-role-team-map \
                 (\"{team}\": arn:aws:iam::ACCOUNT:role/NAME); the resource waits"
            ),
            NoRole::NotAllowed { account, namespace } => write!(
                f,
                "namespace {namespace} does not allow its resources to name account {account}: list it in the namespace's \
                 {} annotation, or remove the resource's {} annotation",
                ack::ANNOTATION_ALLOWED_ACCOUNTS,
                ack::ANNOTATION_OWNER_ACCOUNT_ID
            ),
        }
    }
}

/// A map entry's role: a role ARN, or `{"roleARN": ..., "externalID": ...}`.
fn parse_role(value: &str, chosen_by: String) -> Option<Role> {
    let (arn, external_id) = match serde_json::from_str::<serde_json::Value>(value) {
        Ok(v) if v.is_object() => (v["roleARN"].as_str().unwrap_or_default().to_string(), v["externalID"].as_str().map(str::to_string)),
        _ => (value.trim().to_string(), None),
    };
    (!arn.is_empty()).then_some(Role { arn, external_id, chosen_by })
}

impl Defaults {
    /// The agent's settings with what the store holds now: namespace
    /// annotations and the CARM maps. One loader for the engine and the API.
    pub async fn load(
        store: &dyn crate::store::Store,
        region: &str,
        account: &str,
        deletion_policy: &str,
    ) -> Result<Defaults, crate::store::StoreError> {
        use crate::store::kube::{ROLE_ACCOUNT_MAP, ROLE_TEAM_MAP};
        Ok(Defaults {
            region: region.to_string(),
            account: account.to_string(),
            deletion_policy: deletion_policy.to_string(),
            namespaces: store.namespace_annotations().await?,
            role_account_map: store.config_map(ROLE_ACCOUNT_MAP).await?,
            role_team_map: store.config_map(ROLE_TEAM_MAP).await?,
        })
    }

    fn namespace(&self, ns: &str, key: &str) -> Option<&str> {
        self.namespaces.get(ns).and_then(|a| a.get(key)).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// The region for a resource of `ns` that names none:
    /// `services.k8s.aws/default-region` on its namespace, else the agent's.
    pub fn region(&self, ns: &str) -> &str {
        self.namespace(ns, ack::ANNOTATION_DEFAULT_REGION).unwrap_or(&self.region)
    }

    /// The AWS endpoint for the resources of `ns`, when its
    /// `services.k8s.aws/endpoint-url` names another than the agent's.
    pub fn endpoint_url(&self, ns: &str) -> Option<&str> {
        self.namespace(ns, ack::ANNOTATION_ENDPOINT_URL)
    }

    /// The account for a resource of `ns` that names none: its namespace's
    /// `services.k8s.aws/owner-account-id`, else the agent's own.
    pub fn account(&self, ns: &str) -> &str {
        self.namespace(ns, ack::ANNOTATION_OWNER_ACCOUNT_ID).unwrap_or(&self.account)
    }

    /// The role to assume in `account` for a kind of `group`: none in the
    /// agent's own account; else the service-level entry
    /// (`sagemaker.111111111111`), else the account's entry. Never the
    /// agent's own credentials for another account.
    pub fn role(&self, account: &str, group: &str) -> Result<Option<Role>, NoRole> {
        if account == self.account {
            return Ok(None);
        }
        let service = group.split('.').next().unwrap_or_default();
        let keys = [format!("{service}.{account}"), account.to_string()];
        keys.iter()
            .find_map(|k| self.role_account_map.get(k).and_then(|v| parse_role(v, format!("ack-role-account-map[{k}]"))))
            .map(Some)
            .ok_or_else(|| NoRole::Account(account.to_string()))
    }

    /// The account a resource lives (or will live) in: what its status
    /// recorded; else its own `owner-account-id`, where its namespace
    /// allows it; else its namespace's team's role's account; else its
    /// namespace's `owner-account-id`; else the agent's.
    pub fn account_of(&self, r: &Resource) -> Result<String, NoRole> {
        if let Some(recorded) = r.str_at("status.ackResourceMetadata.ownerAccountID") {
            return Ok(recorded.to_string());
        }
        let ns = &r.metadata.namespace;
        if let Some(own) = r.annotation(ack::ANNOTATION_OWNER_ACCOUNT_ID) {
            let allowed = self.namespace(ns, ack::ANNOTATION_ALLOWED_ACCOUNTS).unwrap_or_default();
            if !allowed.split(',').any(|a| a.trim() == own) {
                return Err(NoRole::NotAllowed { account: own.to_string(), namespace: ns.clone() });
            }
            return Ok(own.to_string());
        }
        if let Some(team) = self.namespace(ns, ack::ANNOTATION_TEAM_ID) {
            let role = self.team_role(team)?;
            // the account is the role's: arn:aws:iam::ACCOUNT:role/NAME
            return Ok(role.arn.split(':').nth(4).unwrap_or_default().to_string());
        }
        Ok(self.account(ns).to_string())
    }

    fn team_role(&self, team: &str) -> Result<Role, NoRole> {
        self.role_team_map
            .get(team)
            .and_then(|v| parse_role(v, format!("ack-role-team-map[{team}]")))
            .ok_or_else(|| NoRole::Team(team.to_string()))
    }

    /// The role to act for `r` in `account`: its namespace's team's, else
    /// the account's ([`Defaults::role`]).
    pub fn role_for(&self, r: &Resource, account: &str, group: &str) -> Result<Option<Role>, NoRole> {
        match self.namespace(&r.metadata.namespace, ack::ANNOTATION_TEAM_ID) {
            Some(team) if r.annotation(ack::ANNOTATION_OWNER_ACCOUNT_ID).is_none() => {
                let role = self.team_role(team)?;
                Ok((account != self.account).then_some(role))
            }
            _ => self.role(account, group),
        }
    }

    /// Whether deleting `r` leaves its AWS resource: its annotation, else
    /// its namespace's `<group>/deletion-policy`, else the agent's policy.
    pub fn retains(&self, r: &Resource, kind: &KindInfo) -> bool {
        let policy = r
            .annotation(ack::ANNOTATION_DELETION_POLICY)
            .or_else(|| self.namespace(&r.metadata.namespace, &ack::namespace_deletion_policy(kind.group)))
            .unwrap_or(&self.deletion_policy);
        policy == ack::DELETION_POLICY_RETAIN
    }
}

/// The ARN recorded when the resource was created (or adopted).
pub fn recorded_arn(r: &Resource) -> Option<&str> {
    r.str_at("status.ackResourceMetadata.arn")
}

/// `(recorded, wanted)` when `wanted`'s region annotation names another
/// region than the one `recorded` was created in. A missing annotation asks
/// for nothing: the resource stays where it is (so a changed agent default
/// never moves existing resources).
pub fn moved<'a>(recorded: &'a Resource, wanted: &'a Resource) -> Option<(&'a str, &'a str)> {
    let from = recorded.str_at("status.ackResourceMetadata.region")?;
    let to = wanted.annotation(ack::ANNOTATION_REGION)?;
    (from != to).then_some((from, to))
}

/// The region a resource lives (or will live) in.
pub fn region<'a>(r: &'a Resource, default: &'a str) -> &'a str {
    r.str_at("status.ackResourceMetadata.region").or(r.annotation(ack::ANNOTATION_REGION)).unwrap_or(default)
}

/// The account a resource lives (or will live) in.
pub fn account<'a>(r: &'a Resource, default: &'a str) -> &'a str {
    r.str_at("status.ackResourceMetadata.ownerAccountID").unwrap_or(default)
}

/// The AWS resource a resource manages: its identifier values.
pub fn aws_id(r: &Resource, kind: &KindInfo) -> String {
    kind.aws_id(&r.spec)
}

/// Which of two resources claiming one AWS name owns it: the one that
/// recorded its ARN, else the older (then the smaller uid), so every reader
/// of the store picks the same owner.
pub fn owns_before(a: &Resource, b: &Resource) -> bool {
    let arn = |r: &Resource| recorded_arn(r).is_some();
    match (arn(a), arn(b)) {
        (true, false) => true,
        (false, true) => false,
        _ => {
            let key = |r: &Resource| {
                (r.metadata.creation_timestamp.clone().unwrap_or_default(), r.metadata.uid.clone().unwrap_or_default())
            };
            key(a) < key(b)
        }
    }
}

/// The resource among `others` that owns the AWS resource `r` names in
/// the same account and region, if it is not `r` itself.
pub fn rival<'a>(
    r: &Resource,
    others: &'a [Resource],
    kind: &KindInfo,
    defaults: &Defaults,
) -> Option<&'a Resource> {
    let name = aws_id(r, kind);
    let at = |o: &Resource| {
        let ns = &o.metadata.namespace;
        (defaults.account_of(o).unwrap_or_default(), region(o, defaults.region(ns)).to_string())
    };
    let here = at(r);
    others
        .iter()
        .filter(|o| o.key() != r.key())
        .filter(|o| aws_id(o, kind) == name && at(o) == here)
        .filter(|o| r.metadata.uid.is_none() || owns_before(o, r))
        .min_by(|a, b| if owns_before(a, b) { std::cmp::Ordering::Less } else { std::cmp::Ordering::Greater })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults(map: &[(&str, &str)]) -> Defaults {
        Defaults {
            account: "123456789012".into(),
            role_account_map: map.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ..Default::default()
        }
    }

    fn resource(ns: &str, annotations: &[(&str, &str)]) -> Resource {
        let mut r = Resource::default();
        r.metadata.namespace = ns.into();
        r.metadata.annotations = annotations.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        r
    }

    #[test]
    fn a_team_picks_the_role_and_so_the_account_and_a_resource_may_name_an_account_only_where_its_namespace_allows() {
        let mut d = defaults(&[("222222222222", "arn:aws:iam::222222222222:role/r")]);
        d.role_team_map.insert("ml".into(), "arn:aws:iam::333333333333:role/ml-team".into());
        d.namespaces.insert("ml".into(), [(ack::ANNOTATION_TEAM_ID.to_string(), "ml".to_string())].into());
        d.namespaces.insert(
            "open".into(),
            [(ack::ANNOTATION_ALLOWED_ACCOUNTS.to_string(), "222222222222, 444444444444".to_string())].into(),
        );
        let team = resource("ml", &[]);
        assert_eq!(d.account_of(&team), Ok("333333333333".into()));
        let role = d.role_for(&team, "333333333333", "sagemaker.services.k8s.aws").expect("ok").expect("a role");
        assert_eq!(role.chosen_by, "ack-role-team-map[ml]");
        d.namespaces.insert("lost".into(), [(ack::ANNOTATION_TEAM_ID.to_string(), "nobody".to_string())].into());
        assert_eq!(d.account_of(&resource("lost", &[])), Err(NoRole::Team("nobody".into())));
        let own = resource("open", &[(ack::ANNOTATION_OWNER_ACCOUNT_ID, "222222222222")]);
        assert_eq!(d.account_of(&own), Ok("222222222222".into()));
        let closed = resource("default", &[(ack::ANNOTATION_OWNER_ACCOUNT_ID, "222222222222")]);
        assert!(matches!(d.account_of(&closed), Err(NoRole::NotAllowed { .. })));
    }

    #[test]
    fn a_role_comes_from_the_service_entry_then_the_account_entry_and_never_for_the_agents_own_account() {
        let d = defaults(&[
            ("111111111111", "arn:aws:iam::111111111111:role/any"),
            ("sagemaker.111111111111", "arn:aws:iam::111111111111:role/sm"),
        ]);
        let sm = d.role("111111111111", "sagemaker.services.k8s.aws").expect("mapped").expect("a role");
        assert_eq!((sm.arn.as_str(), sm.chosen_by.as_str()), ("arn:aws:iam::111111111111:role/sm", "ack-role-account-map[sagemaker.111111111111]"));
        let aas = d.role("111111111111", "applicationautoscaling.services.k8s.aws").expect("mapped").expect("a role");
        assert_eq!(aas.arn, "arn:aws:iam::111111111111:role/any");
        assert_eq!(d.role("123456789012", "sagemaker.services.k8s.aws"), Ok(None));
        let missing = d.role("999999999999", "sagemaker.services.k8s.aws").expect_err("unmapped");
        assert_eq!(missing, NoRole::Account("999999999999".into()));
        assert!(missing.to_string().starts_with("IAM role is not available for account 999999999999"));
        let with_id = defaults(&[("111111111111", r#"{"roleARN": "arn:aws:iam::111111111111:role/x", "externalID": "e"}"#)]);
        assert_eq!(with_id.role("111111111111", "sagemaker.services.k8s.aws").expect("ok").and_then(|r| r.external_id), Some("e".into()));
    }
}
