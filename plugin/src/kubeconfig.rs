//! The kubeconfig, read as kubectl reads it: the `--kubeconfig` file, else
//! every file in `$KUBECONFIG` merged (the first to set a value wins; missing
//! files are skipped), else `~/.kube/config`. A context's cluster and user are
//! then resolved by kube's own loader, so every way kubectl logs in works here
//! too: tokens and token files, client certificates, exec credential plugins
//! (`aws eks get-token`), OIDC. A missing kubeconfig is fine: an agent given
//! by URL needs none.

use std::path::{Path, PathBuf};

use kube::config::{KubeConfigOptions, Kubeconfig};

use crate::error::{Error, Result};

/// Every kubeconfig file, merged.
#[derive(Debug, Default)]
pub(crate) struct Kubeconfigs {
    merged: Option<Kubeconfig>,
}

/// What `--cluster` and `--user` put in place of the context's own.
#[derive(Debug, Clone, Default)]
pub(crate) struct Overrides {
    pub cluster: Option<String>,
    pub user: Option<String>,
}

/// One context, resolved.
#[derive(Debug, Default)]
pub(crate) struct Context {
    /// Its name (none: no kubeconfig, or no current context).
    pub name: Option<String>,
    pub namespace: Option<String>,
    /// The kubeconfig user, for messages.
    pub user: Option<String>,
    /// The API server and credentials, as kube resolved them.
    pub config: Option<kube::Config>,
    /// The agent's URL, pinned in the context's extension (see [`AGENT_EXTENSION`]).
    pub agent: Option<String>,
}

/// A context extension that pins its cluster's agent, for clusters whose
/// users may not read the agent's Service or that reach it another way:
/// `extensions: [{name: sagemaker.services.k8s.aws/agent, extension: {url: https://...}}]`.
pub(crate) const AGENT_EXTENSION: &str = "sagemaker.services.k8s.aws/agent";

impl Kubeconfigs {
    pub(crate) fn load(explicit: Option<&Path>) -> Result<Self> {
        let mut merged: Option<Kubeconfig> = None;
        for path in files(explicit) {
            // kubectl skips missing files in $KUBECONFIG; only an explicit one must exist
            if explicit.is_none() && !path.exists() {
                continue;
            }
            let file = Kubeconfig::read_from(&path).map_err(|e| kubeconfig_error(&path, e))?;
            merged = Some(match merged {
                Some(m) => m.merge(file).map_err(|e| kubeconfig_error(&path, e))?,
                None => file,
            });
        }
        Ok(Kubeconfigs { merged })
    }

    /// Every context's name, in the order of the files.
    pub(crate) fn names(&self) -> Vec<String> {
        self.merged.iter().flat_map(|k| k.contexts.iter().map(|c| c.name.clone())).collect()
    }

    /// The current context's name.
    pub(crate) fn current(&self) -> Option<&str> {
        self.merged.as_ref()?.current_context.as_deref().filter(|c| !c.is_empty())
    }

    /// Resolves `name` (none: the current context) with kube's loader.
    pub(crate) async fn context(&self, name: Option<&str>, overrides: &Overrides) -> Result<Context> {
        let Some(name) = name.or(self.current()) else {
            return Ok(Context::default());
        };
        let unknown = || Error::UnknownContext(name.to_string());
        let kubeconfig = self.merged.as_ref().ok_or_else(unknown)?;
        let named = kubeconfig.contexts.iter().find(|c| c.name == name).ok_or_else(unknown)?;
        let own = named.context.clone().unwrap_or_default();
        let options = KubeConfigOptions {
            context: Some(name.to_string()),
            cluster: overrides.cluster.clone(),
            user: overrides.user.clone(),
        };
        let config = kube::Config::from_custom_kubeconfig(kubeconfig.clone(), &options)
            .await
            .map_err(|source| Error::Context { context: name.to_string(), source: Box::new(source) })?;
        Ok(Context {
            name: Some(name.to_string()),
            namespace: own.namespace.filter(|n| !n.is_empty()),
            user: overrides.user.clone().or(own.user).filter(|u| !u.is_empty()),
            config: Some(config),
            agent: own
                .extensions
                .iter()
                .flatten()
                .find(|e| e.name == AGENT_EXTENSION)
                .and_then(|e| e.extension.get("url")?.as_str().map(str::to_string))
                .filter(|u| !u.trim().is_empty()),
        })
    }
}

fn files(explicit: Option<&Path>) -> Vec<PathBuf> {
    if let Some(path) = explicit {
        return vec![path.to_path_buf()];
    }
    if let Some(list) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        return std::env::split_paths(&list).filter(|p| !p.as_os_str().is_empty()).collect();
    }
    std::env::var_os("HOME")
        .map(|home| vec![PathBuf::from(home).join(".kube").join("config")])
        .unwrap_or_default()
}

fn kubeconfig_error(path: &Path, source: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Kubeconfig { path: path.display().to_string(), source: Box::new(source) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:6443"}
- name: d
  cluster: {server: "https://10.0.0.1:6443"}
contexts:
- name: dev
  context: {cluster: c, user: alice, namespace: ml}
- name: prod
  context:
    cluster: c
    user: bob
    extensions:
    - name: sagemaker.services.k8s.aws/agent
      extension: {url: "https://agent.prod.example:443"}
users:
- name: alice
  user: {token: s3cret}
- name: bob
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [eks, get-token, --cluster-name, prod]
"#;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(file.path(), text).expect("write");
        file
    }

    #[tokio::test]
    async fn the_current_context_gives_the_namespace_user_and_server() {
        let file = write(CONFIG);
        let all = Kubeconfigs::load(Some(file.path())).expect("reads");
        let context = all.context(None, &Overrides::default()).await.expect("resolves");
        assert_eq!(context.name.as_deref(), Some("dev"));
        assert_eq!(context.namespace.as_deref(), Some("ml"));
        assert_eq!(context.user.as_deref(), Some("alice"));
        let config = context.config.expect("config");
        assert_eq!(config.cluster_url.to_string(), "https://127.0.0.1:6443/");
        assert!(config.auth_info.token.is_some());
    }

    #[tokio::test]
    async fn cluster_and_user_flags_replace_the_contexts_own() {
        let file = write(CONFIG);
        let all = Kubeconfigs::load(Some(file.path())).expect("reads");
        let overrides = Overrides { cluster: Some("d".into()), user: Some("bob".into()) };
        let context = all.context(Some("dev"), &overrides).await.expect("resolves");
        let config = context.config.expect("config");
        assert_eq!(config.cluster_url.to_string(), "https://10.0.0.1:6443/");
        assert_eq!(context.user.as_deref(), Some("bob"));
        assert!(config.auth_info.exec.is_some(), "bob logs in with an exec plugin");
        assert_eq!(context.agent, None);
        let prod = all.context(Some("prod"), &Overrides::default()).await.expect("resolves");
        assert_eq!(prod.agent.as_deref(), Some("https://agent.prod.example:443"), "pinned in the context");
    }

    #[tokio::test]
    async fn an_unknown_context_is_an_error_and_no_kubeconfig_is_none() {
        let file = write(CONFIG);
        let all = Kubeconfigs::load(Some(file.path())).expect("reads");
        let err = all.context(Some("staging"), &Overrides::default()).await.expect_err("unknown");
        assert!(matches!(err, Error::UnknownContext(name) if name == "staging"));
        assert_eq!(all.names(), ["dev", "prod"]);

        let none = Kubeconfigs::default();
        assert!(none.context(None, &Overrides::default()).await.expect("fine").config.is_none());
        assert!(matches!(none.context(Some("dev"), &Overrides::default()).await, Err(Error::UnknownContext(_))));
    }

    #[test]
    fn an_explicit_kubeconfig_must_exist() {
        let err = Kubeconfigs::load(Some(Path::new("/nonexistent/kubeconfig"))).expect_err("missing");
        assert!(matches!(err, Error::Kubeconfig { path, .. } if path == "/nonexistent/kubeconfig"));
    }
}
