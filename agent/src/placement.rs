//! Where a resource lives in AWS, decided in one place for apply-time checks
//! and the engine: once created, what its status recorded; before that, its
//! region annotation, else its namespace's default, else the agent's. The
//! account and the role to act with come from ACK's CARM maps and
//! IAMRoleSelectors, read here too.

use std::collections::BTreeMap;

use sagemaker_core::{KindInfo, Resource, ack};
use serde_json::Value;

/// What the agent reads of a namespace: its annotations (the defaults of the
/// resources in it) and labels (which IAMRoleSelectors match it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamespaceMeta {
    pub annotations: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
}

/// Namespaces by name (those with any annotation or label).
pub type Namespaces = BTreeMap<String, NamespaceMeta>;

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
    /// When an IAMRoleSelector chose it: ACK's `ACK.IAMRoleSelected`
    /// message (`roleARN: …, selectorName: …, selectorResourceVersion: …`).
    pub selected: Option<String>,
}

/// What applies where a resource says nothing: its namespace's annotations,
/// then the agent's own settings; and the roles of other accounts.
#[derive(Debug, Clone, Default)]
pub struct Defaults {
    pub region: String,
    pub account: String,
    /// `delete` or `retain` (`--deletion-policy`).
    pub deletion_policy: String,
    pub namespaces: Namespaces,
    /// ACK's `ack-role-account-map` (CARM): account id, or `<service>.<account id>`,
    /// to a role ARN, or to `{"roleARN": ..., "externalID": ...}`.
    pub role_account_map: BTreeMap<String, String>,
    /// ACK's `ack-role-team-map` (team-level CARM): team id to a role, as above.
    pub role_team_map: BTreeMap<String, String>,
    /// ACK's IAMRoleSelectors: each gives its role to the resources it matches.
    pub role_selectors: Vec<Resource>,
    /// `--session-tags`: what assumed-role sessions are tagged with.
    pub session_tags: SessionTags,
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
    /// More than one IAMRoleSelector matches the resource.
    Conflict(Vec<String>),
    /// A selector's `arn` is not an IAM role's.
    Invalid { selector: String, arn: String },
    /// A selector's role is in another account than the resource lives in.
    Moved { selector: String, account: String, recorded: String },
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
            NoRole::Conflict(names) => write!(
                f,
                "multiple ({}) matching IAMRoleSelectors found: {}; narrow their selectors so that one matches",
                names.len(),
                names.join(", ")
            ),
            NoRole::Invalid { selector, arn } => write!(
                f,
                "IAMRoleSelector {selector} names {arn:?}, which is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)"
            ),
            NoRole::Moved { selector, account, recorded } => write!(
                f,
                "IAMRoleSelector {selector} selects a role in account {account}, but the resource lives in account \
                 {recorded}; a resource cannot move between accounts: change the selector, or delete the resource \
                 with --retain and adopt it in the other account"
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
    (!arn.is_empty()).then_some(Role { arn, external_id, chosen_by, selected: None })
}

/// The account of a role ARN: `arn:aws:iam::ACCOUNT:role/NAME`.
fn account_of_role(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or_default()
}

/// What assumed-role sessions are tagged with (`--session-tags`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum SessionTags {
    /// One session per role, untagged (ACK's behaviour).
    #[default]
    None,
    /// One session per namespace and role, tagged with the namespace.
    Namespace,
    /// One session per resource, tagged with its namespace, kind and name.
    Resource,
}

/// The longest role session name STS accepts.
const MAX_SESSION_NAME: usize = 64;

/// The session to assume a role in for `r`: named after what it acts for
/// (`sagemaker-agent.NAMESPACE[.NAME]`, cut to STS's 64 characters) and
/// tagged with it; none when sessions are not per namespace or resource.
pub fn session(scope: SessionTags, kind: &KindInfo, r: &Resource) -> Option<crate::aws::Session> {
    let ns = r.metadata.namespace.clone();
    let (mut name, tags) = match scope {
        SessionTags::None => return None,
        SessionTags::Namespace => (format!("sagemaker-agent.{ns}"), vec![("kubernetes-namespace".to_string(), ns)]),
        SessionTags::Resource => (
            format!("sagemaker-agent.{ns}.{}", r.metadata.name),
            vec![
                ("kubernetes-namespace".to_string(), ns),
                ("kubernetes-resource-kind".to_string(), kind.kind.to_string()),
                ("kubernetes-resource-name".to_string(), r.metadata.name.clone()),
            ],
        ),
    };
    name.truncate(MAX_SESSION_NAME);
    Some(crate::aws::Session { name, tags })
}

/// Whether `arn` is an IAM role's, in any partition.
pub fn is_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", p, "iam", "", account, resource]
        if p.starts_with("aws") && account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())
            && resource.strip_prefix("role/").is_some_and(|n| !n.is_empty()))
}

/// Whether every `matchLabels` entry of `selector` (a label selector, or
/// none) is among `labels`.
fn labels_match(selector: Option<&Value>, labels: &BTreeMap<String, String>) -> bool {
    let Some(wanted) = selector.and_then(|s| s.get("matchLabels")).and_then(Value::as_object) else { return true };
    wanted.iter().all(|(k, v)| v.as_str().is_some_and(|v| labels.get(k).map(String::as_str) == Some(v)))
}

/// Whether an IAMRoleSelector's spec matches a resource of `kind` in a
/// namespace with `ns` labels, as ACK's runtime reads it: namespace names
/// ORed and their label selector, resource types ORed (an empty member is a
/// wildcard), resource labels; all ANDed, an absent selector matching all.
pub fn selects(spec: &Value, r: &Resource, kind: &KindInfo, ns: &NamespaceMeta) -> bool {
    let namespace = spec.get("namespaceSelector");
    let names: Vec<&str> = namespace.and_then(|n| n.get("names")).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    if !names.is_empty() && !names.contains(&r.metadata.namespace.as_str()) {
        return false;
    }
    if !labels_match(namespace.and_then(|n| n.get("labelSelector")), &ns.labels) {
        return false;
    }
    let types = spec.get("resourceTypeSelector").and_then(Value::as_array).filter(|t| !t.is_empty());
    let field_ok = |t: &Value, field: &str, value: &str| t.get(field).and_then(Value::as_str).is_none_or(|v| v.is_empty() || v == value);
    if let Some(types) = types
        && !types.iter().any(|t| field_ok(t, "group", kind.group) && field_ok(t, "version", kind.version) && field_ok(t, "kind", kind.kind))
    {
        return false;
    }
    labels_match(spec.get("resourceLabelSelector"), &r.metadata.labels)
}

impl Defaults {
    /// Every AWS account other than the agent's that resources can land in:
    /// CARM's accounts, and the accounts of the team map's and the
    /// IAMRoleSelectors' roles; sorted, each once.
    pub fn mapped_accounts(&self) -> Vec<String> {
        let carm = self.role_account_map.keys().map(|k| k.rsplit('.').next().unwrap_or(k).to_string());
        let teams = self.role_team_map.values().filter_map(|v| parse_role(v, String::new())).map(|r| account_of_role(&r.arn).to_string());
        let selectors = self
            .role_selectors
            .iter()
            .filter_map(|s| s.spec.get("arn").and_then(Value::as_str))
            .map(|arn| account_of_role(arn).to_string());
        let mut accounts: Vec<String> =
            carm.chain(teams).chain(selectors).filter(|a| !a.is_empty() && *a != self.account).collect();
        accounts.sort();
        accounts.dedup();
        accounts
    }

    /// Every role the agent may act with (the CARM maps' and the
    /// IAMRoleSelectors'), each once, for `doctor`.
    pub fn roles(&self) -> Vec<Role> {
        let carm = self.role_account_map.iter().filter_map(|(k, v)| parse_role(v, format!("ack-role-account-map[{k}]")));
        let teams = self.role_team_map.iter().filter_map(|(k, v)| parse_role(v, format!("ack-role-team-map[{k}]")));
        let selectors = self.role_selectors.iter().filter_map(|s| {
            let arn = s.spec.get("arn").and_then(Value::as_str)?;
            parse_role(arn, format!("IAMRoleSelector {}", s.metadata.name))
        });
        let mut roles: Vec<Role> = Vec::new();
        for role in carm.chain(teams).chain(selectors) {
            if !roles.iter().any(|r| r.arn == role.arn && r.external_id == role.external_id) {
                roles.push(role);
            }
        }
        roles
    }

    /// The account a role belongs to.
    pub fn account_of_role(arn: &str) -> &str {
        account_of_role(arn)
    }

    /// The agent's settings with what the store holds now: namespace
    /// annotations and the CARM maps. One loader for the engine and the API.
    pub async fn load(
        store: &dyn crate::store::Store,
        region: &str,
        account: &str,
        deletion_policy: &str,
    ) -> Result<Defaults, crate::store::StoreError> {
        use crate::store::kube::{ROLE_ACCOUNT_MAP, ROLE_TEAM_MAP};
        let selectors = &sagemaker_core::kinds::IAM_ROLE_SELECTOR;
        Ok(Defaults {
            region: region.to_string(),
            account: account.to_string(),
            deletion_policy: deletion_policy.to_string(),
            namespaces: store.namespaces().await?,
            role_account_map: store.config_map(ROLE_ACCOUNT_MAP).await?,
            role_team_map: store.config_map(ROLE_TEAM_MAP).await?,
            role_selectors: store.list(selectors, None).await?,
            session_tags: SessionTags::None,
        })
    }

    fn namespace(&self, ns: &str, key: &str) -> Option<&str> {
        self.namespaces.get(ns).and_then(|a| a.annotations.get(key)).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// The IAMRoleSelectors matching a resource of `kind`, by name.
    pub fn selectors_for<'a>(&'a self, r: &Resource, kind: &KindInfo) -> Vec<&'a Resource> {
        let empty = NamespaceMeta::default();
        let ns = self.namespaces.get(&r.metadata.namespace).unwrap_or(&empty);
        self.role_selectors.iter().filter(|s| !s.is_deleting() && selects(&s.spec, r, kind, ns)).collect()
    }

    /// The role an IAMRoleSelector gives a resource: none when none
    /// matches; an error when several do (never a guess between them).
    pub fn selected_role(&self, r: &Resource, kind: &KindInfo) -> Result<Option<Role>, NoRole> {
        match self.selectors_for(r, kind).as_slice() {
            [] => Ok(None),
            [one] => {
                let arn = one.spec.get("arn").and_then(Value::as_str).unwrap_or_default().to_string();
                let name = &one.metadata.name;
                if !is_role_arn(&arn) {
                    return Err(NoRole::Invalid { selector: name.clone(), arn });
                }
                let version = one.metadata.resource_version.clone().unwrap_or_default();
                Ok(Some(Role {
                    selected: Some(format!("roleARN: {arn}, selectorName: {name}, selectorResourceVersion: {version}")),
                    arn,
                    external_id: None,
                    chosen_by: format!("IAMRoleSelector {name}"),
                }))
            }
            many => Err(NoRole::Conflict(many.iter().map(|s| s.metadata.name.clone()).collect())),
        }
    }

    /// The region for a resource of `ns` that names none:
    /// `services.k8s.aws/default-region` on its namespace, else the agent's.
    /// Where a resource's calls go: its account and region (see
    /// [`Defaults::locate`]) and the role (and session) to act with there.
    pub fn target(&self, res: &Resource, kind: &KindInfo) -> Result<crate::aws::Target, NoRole> {
        let mut target = self.locate(res, kind);
        target.account = self.account_of(res, kind)?;
        let role = self.role_for(res, kind, &target.account)?;
        target.chosen_role = role.as_ref().map(Role::describe);
        if let Some(role) = role {
            target.session = session(self.session_tags, kind, res);
            target.role_selected = role.selected;
            target.role_arn = Some(role.arn);
            target.external_id = role.external_id;
        }
        Ok(target)
    }

    /// The account and region of a resource (no role: for status only):
    /// what its status recorded, else its annotations, else its
    /// namespace's defaults, else the agent's.
    pub fn locate(&self, res: &Resource, kind: &KindInfo) -> crate::aws::Target {
        let ns = &res.metadata.namespace;
        let region = region(res, self.region(ns)).to_string();
        let account = self.account_of(res, kind).unwrap_or_else(|_| self.account(ns).to_string());
        let endpoint_url = self.endpoint_url(ns).map(str::to_string);
        crate::aws::Target { account, region, endpoint_url, ..Default::default() }
    }

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

    /// The account a resource of `kind` lives (or will live) in: what its
    /// status recorded; else the account of the role an IAMRoleSelector
    /// gives it; else its own `owner-account-id`, where its namespace allows
    /// it; else its namespace's team's role's account; else its namespace's
    /// `owner-account-id`; else the agent's.
    pub fn account_of(&self, r: &Resource, kind: &KindInfo) -> Result<String, NoRole> {
        if let Some(recorded) = r.str_at("status.ackResourceMetadata.ownerAccountID") {
            return Ok(recorded.to_string());
        }
        if let Some(role) = self.selected_role(r, kind)? {
            return Ok(account_of_role(&role.arn).to_string());
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
            return Ok(account_of_role(&self.team_role(team)?.arn).to_string());
        }
        Ok(self.account(ns).to_string())
    }

    fn team_role(&self, team: &str) -> Result<Role, NoRole> {
        self.role_team_map
            .get(team)
            .and_then(|v| parse_role(v, format!("ack-role-team-map[{team}]")))
            .ok_or_else(|| NoRole::Team(team.to_string()))
    }

    /// The role to act for `r` in `account`: an IAMRoleSelector's (even in
    /// the agent's own account: it may be narrower than the agent's); else
    /// its namespace's team's; else the account's ([`Defaults::role`]).
    pub fn role_for(&self, r: &Resource, kind: &KindInfo, account: &str) -> Result<Option<Role>, NoRole> {
        if let Some(role) = self.selected_role(r, kind)? {
            let theirs = account_of_role(&role.arn);
            if theirs != account {
                let selector = role.chosen_by.trim_start_matches("IAMRoleSelector ").to_string();
                return Err(NoRole::Moved { selector, account: theirs.to_string(), recorded: account.to_string() });
            }
            return Ok(Some(role));
        }
        let group = kind.group;
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

/// A resource's annotation asking to move it to another region or account
/// than the one it was created in.
#[derive(Debug, PartialEq, Eq)]
pub struct Move<'a> {
    /// `region` or `account`.
    pub what: &'static str,
    pub annotation: &'static str,
    pub from: &'a str,
    pub to: &'a str,
}

/// When `wanted`'s region or account annotation names another region or
/// account than `recorded` was created in. A missing annotation asks for
/// nothing: the resource stays where it is (so a changed namespace or agent
/// default never moves existing resources).
pub fn moved<'a>(recorded: &'a Resource, wanted: &'a Resource) -> Option<Move<'a>> {
    [
        ("region", ack::ANNOTATION_REGION, "status.ackResourceMetadata.region"),
        ("account", ack::ANNOTATION_OWNER_ACCOUNT_ID, "status.ackResourceMetadata.ownerAccountID"),
    ]
    .into_iter()
    .find_map(|(what, annotation, field)| {
        let from = recorded.str_at(field)?;
        let to = wanted.annotation(annotation)?;
        (from != to).then_some(Move { what, annotation, from, to })
    })
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
    kind.aws_id(&kind.effective_spec(r))
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

/// The resources among `others` that claim the AWS resource `r` names in
/// the same account and region (`r` itself too, if it is among them).
pub fn claimants<'a>(
    r: &Resource,
    others: &'a [Resource],
    kind: &KindInfo,
    defaults: &Defaults,
) -> impl Iterator<Item = &'a Resource> {
    let name = aws_id(r, kind);
    let at = |o: &Resource| {
        let ns = &o.metadata.namespace;
        (defaults.account_of(o, kind).unwrap_or_default(), region(o, defaults.region(ns)).to_string())
    };
    let here = at(r);
    // a spec naming nothing yet (adoption by annotation) claims nothing
    // nor one whose name AWS has not assigned yet (executions of one
    // pipeline share its name until AWS names each)
    let identified = |o: &Resource| kind.identified(&kind.effective_spec(o));
    let named = !name.trim().is_empty() && identified(r);
    others.iter().filter(move |o| named && identified(o) && aws_id(o, kind) == name && at(o) == here)
}

/// The resource among `others` that owns the AWS resource `r` names in
/// the same account and region, if it is not `r` itself.
pub fn rival<'a>(
    r: &Resource,
    others: &'a [Resource],
    kind: &KindInfo,
    defaults: &Defaults,
) -> Option<&'a Resource> {
    claimants(r, others, kind, defaults)
        .filter(|o| o.key() != r.key())
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

    fn ns(annotations: &[(&str, &str)]) -> NamespaceMeta {
        NamespaceMeta { annotations: annotations.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), labels: Default::default() }
    }

    const TJ: &KindInfo = &sagemaker_core::kinds::TRAINING_JOB;

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
        d.namespaces.insert("ml".into(), ns(&[(ack::ANNOTATION_TEAM_ID, "ml")]));
        d.namespaces.insert("open".into(), ns(&[(ack::ANNOTATION_ALLOWED_ACCOUNTS, "222222222222, 444444444444")]));
        let team = resource("ml", &[]);
        assert_eq!(d.account_of(&team, TJ), Ok("333333333333".into()));
        let role = d.role_for(&team, TJ, "333333333333").expect("ok").expect("a role");
        assert_eq!(role.chosen_by, "ack-role-team-map[ml]");
        d.namespaces.insert("lost".into(), ns(&[(ack::ANNOTATION_TEAM_ID, "nobody")]));
        assert_eq!(d.account_of(&resource("lost", &[]), TJ), Err(NoRole::Team("nobody".into())));
        let own = resource("open", &[(ack::ANNOTATION_OWNER_ACCOUNT_ID, "222222222222")]);
        assert_eq!(d.account_of(&own, TJ), Ok("222222222222".into()));
        let closed = resource("default", &[(ack::ANNOTATION_OWNER_ACCOUNT_ID, "222222222222")]);
        assert!(matches!(d.account_of(&closed, TJ), Err(NoRole::NotAllowed { .. })));
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

    fn selector(name: &str, version: &str, spec: Value) -> Resource {
        let mut r = Resource::default();
        r.metadata.name = name.into();
        r.metadata.resource_version = Some(version.into());
        r.spec = spec;
        r
    }

    #[test]
    fn mapped_accounts_come_from_carm_the_team_map_and_selectors_each_once_without_the_agents_own() {
        let mut d = defaults(&[
            ("111111111111", "arn:aws:iam::111111111111:role/a"),
            ("sagemaker.222222222222", "arn:aws:iam::222222222222:role/b"),
            ("123456789012", "arn:aws:iam::123456789012:role/own"),
        ]);
        d.role_team_map.insert("team-x".into(), r#"{"roleARN": "arn:aws:iam::333333333333:role/t"}"#.into());
        d.role_selectors.push(selector("s", "1", serde_json::json!({ "arn": "arn:aws:iam::111111111111:role/s" })));
        assert_eq!(d.mapped_accounts(), ["111111111111", "222222222222", "333333333333"]);
    }

    #[test]
    fn an_iam_role_selector_matches_by_namespace_names_and_labels_kinds_and_resource_labels_all_together() {
        let prod = NamespaceMeta { labels: [("env".to_string(), "prod".to_string())].into(), ..Default::default() };
        let mut job = resource("ml-prod", &[]);
        job.metadata.labels.insert("team".into(), "vision".into());
        let spec = serde_json::json!({
            "arn": "arn:aws:iam::111111111111:role/r",
            "namespaceSelector": { "names": ["ml-prod", "ml-stage"], "labelSelector": { "matchLabels": { "env": "prod" } } },
            "resourceTypeSelector": [{ "group": "sagemaker.services.k8s.aws", "version": "", "kind": "TrainingJob" }, { "kind": "Model" }],
            "resourceLabelSelector": { "matchLabels": { "team": "vision" } },
        });
        assert!(selects(&spec, &job, TJ, &prod));
        assert!(selects(&spec, &job, &sagemaker_core::kinds::MODEL, &prod), "a wildcard group matches any");
        assert!(!selects(&spec, &job, &sagemaker_core::kinds::ENDPOINT, &prod), "kind not listed");
        assert!(!selects(&spec, &job, TJ, &NamespaceMeta::default()), "namespace labels missing");
        assert!(!selects(&spec, &resource("ml-prod", &[]), TJ, &prod), "resource labels missing");
        assert!(!selects(&spec, &{ let mut j = job.clone(); j.metadata.namespace = "other".into(); j }, TJ, &prod), "namespace not named");
        assert!(selects(&serde_json::json!({ "arn": "x" }), &resource("any", &[]), TJ, &NamespaceMeta::default()), "no selector matches all");
    }

    #[test]
    fn a_selected_role_decides_the_account_overrides_carm_and_two_matching_selectors_are_refused_by_name() {
        let mut d = defaults(&[("222222222222", "arn:aws:iam::222222222222:role/carm")]);
        d.namespaces.insert("team-b".into(), ns(&[(ack::ANNOTATION_OWNER_ACCOUNT_ID, "222222222222")]));
        let r = resource("team-b", &[]);
        assert_eq!(d.account_of(&r, TJ), Ok("222222222222".into()));
        d.role_selectors.push(selector("team-b", "7", serde_json::json!({
            "arn": "arn:aws:iam::111111111111:role/selected", "namespaceSelector": { "names": ["team-b"] } })));
        assert_eq!(d.account_of(&r, TJ), Ok("111111111111".into()));
        let role = d.role_for(&r, TJ, "111111111111").expect("ok").expect("a role");
        assert_eq!(role.describe(), "arn:aws:iam::111111111111:role/selected (IAMRoleSelector team-b)");
        assert_eq!(
            role.selected.as_deref(),
            Some("roleARN: arn:aws:iam::111111111111:role/selected, selectorName: team-b, selectorResourceVersion: 7")
        );
        // a resource already living elsewhere is never moved by a selector
        let moved = d.role_for(&r, TJ, "222222222222").expect_err("another account");
        assert!(moved.to_string().contains("cannot move between accounts"), "{moved}");
        d.role_selectors.push(selector("everything", "9", serde_json::json!({ "arn": "arn:aws:iam::333333333333:role/all" })));
        let conflict = d.account_of(&r, TJ).expect_err("two selectors");
        assert_eq!(conflict.to_string(), "multiple (2) matching IAMRoleSelectors found: team-b, everything; narrow their selectors so that one matches");
    }

    #[test]
    fn a_session_is_named_and_tagged_after_the_namespace_or_the_resource_it_acts_for_within_stss_limits() {
        let mut r = resource("team-b", &[]);
        r.metadata.name = "x".repeat(60);
        assert_eq!(session(SessionTags::None, TJ, &r), None);
        let ns = session(SessionTags::Namespace, TJ, &r).expect("a session");
        assert_eq!((ns.name.as_str(), ns.tags.as_slice()), ("sagemaker-agent.team-b", &[("kubernetes-namespace".to_string(), "team-b".to_string())][..]));
        let one = session(SessionTags::Resource, TJ, &r).expect("a session");
        assert_eq!(one.name.len(), 64, "STS refuses longer session names");
        assert!(one.name.starts_with("sagemaker-agent.team-b.xxx"));
        assert!(one.tags.contains(&("kubernetes-resource-kind".into(), "TrainingJob".into())));
        assert!(one.tags.contains(&("kubernetes-resource-name".into(), r.metadata.name.clone())));
    }
}
