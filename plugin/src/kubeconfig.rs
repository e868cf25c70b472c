//! Just enough of kubeconfig for the plugin: the selected context's namespace
//! and its user's static token. The plugin does not talk to the API server
//! itself, so a full client configuration would be dead weight; a missing
//! kubeconfig is fine.

use std::{
    collections::HashMap,
    fmt,
    path::{Path, PathBuf},
};

use serde::Deserialize;

use crate::error::{Error, Result};

/// What the selected context says.
#[derive(Debug, Default)]
pub(crate) struct Selected {
    pub namespace: Option<String>,
    /// The context's user, for messages.
    pub user: Option<String>,
    pub token: Option<Secret>,
}

/// A credential: never shown in `Debug` output or messages.
pub(crate) struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct File {
    #[serde(default)]
    current_context: Option<String>,
    #[serde(default)]
    contexts: Option<Vec<NamedContext>>,
    #[serde(default)]
    users: Option<Vec<NamedUser>>,
}

#[derive(Debug, Deserialize)]
struct NamedContext {
    name: String,
    #[serde(default)]
    context: Option<Context>,
}

#[derive(Debug, Default, Clone, Deserialize)]
struct Context {
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    user: Option<String>,
}

#[derive(Deserialize)]
struct NamedUser {
    name: String,
    #[serde(default)]
    user: Option<User>,
}

#[derive(Default, Clone, Deserialize)]
struct User {
    #[serde(default)]
    token: Option<String>,
    #[serde(default, rename = "tokenFile")]
    token_file: Option<String>,
}

/// Reads the kubeconfig (the `--kubeconfig` file, else every file in
/// `$KUBECONFIG`, else `~/.kube/config`) and picks a context: `context`, else
/// the current one. Like kubectl, the first file to set a value wins.
pub(crate) fn select(explicit: Option<&Path>, context: Option<&str>) -> Result<Selected> {
    let mut current = None;
    let mut contexts: HashMap<String, Context> = HashMap::new();
    let mut users: HashMap<String, User> = HashMap::new();
    for path in files(explicit) {
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            // kubectl skips missing files in $KUBECONFIG; only an explicit one must exist
            Err(e) if explicit.is_none() && e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(kubeconfig_error(&path, e)),
        };
        let file: File = if text.trim().is_empty() {
            File::default()
        } else {
            serde_yaml::from_str(&text).map_err(|e| kubeconfig_error(&path, e))?
        };
        current = current.or(file.current_context.filter(|c| !c.is_empty()));
        for c in file.contexts.unwrap_or_default() {
            contexts.entry(c.name).or_insert(c.context.unwrap_or_default());
        }
        for u in file.users.unwrap_or_default() {
            users.entry(u.name).or_insert(u.user.unwrap_or_default());
        }
    }

    let selected = match context {
        Some(name) => contexts
            .get(name)
            .ok_or_else(|| Error::UnknownContext(name.to_string()))?,
        None => match current.as_ref().and_then(|name| contexts.get(name)) {
            Some(c) => c,
            None => return Ok(Selected::default()),
        },
    };
    let user = selected.user.clone().filter(|u| !u.is_empty());
    let token = match user.as_ref().and_then(|u| users.get(u)) {
        Some(User {
            token: Some(token), ..
        }) if !token.is_empty() => Some(Secret(token.clone())),
        Some(User {
            token_file: Some(path),
            ..
        }) if !path.is_empty() => {
            let token = std::fs::read_to_string(path).map_err(|e| kubeconfig_error(Path::new(path), e))?;
            Some(Secret(token.trim().to_string()))
        }
        _ => None,
    };
    Ok(Selected {
        namespace: selected.namespace.clone().filter(|n| !n.is_empty()),
        user,
        token,
    })
}

fn files(explicit: Option<&Path>) -> Vec<PathBuf> {
    if let Some(path) = explicit {
        return vec![path.to_path_buf()];
    }
    if let Some(list) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        return std::env::split_paths(&list)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
    }
    std::env::var_os("HOME")
        .map(|home| vec![PathBuf::from(home).join(".kube").join("config")])
        .unwrap_or_default()
}

fn kubeconfig_error(path: &Path, source: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Kubeconfig {
        path: path.display().to_string(),
        source: Box::new(source),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"
apiVersion: v1
kind: Config
current-context: dev
contexts:
- name: dev
  context: {cluster: c, user: alice, namespace: ml}
- name: prod
  context: {cluster: c, user: bob}
users:
- name: alice
  user: {token: s3cret}
- name: bob
  user: {client-certificate-data: AAAA}
"#;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(file.path(), text).expect("write");
        file
    }

    #[test]
    fn the_current_context_gives_the_namespace_and_token() {
        let file = write(CONFIG);
        let selected = select(Some(file.path()), None).expect("reads");
        assert_eq!(selected.namespace.as_deref(), Some("ml"));
        assert_eq!(selected.token.map(|t| t.0).as_deref(), Some("s3cret"));
    }

    #[test]
    fn a_named_context_without_namespace_or_token_gives_neither() {
        let file = write(CONFIG);
        let selected = select(Some(file.path()), Some("prod")).expect("reads");
        assert_eq!(selected.namespace, None);
        assert!(selected.token.is_none());
    }

    #[test]
    fn an_unknown_context_is_an_error() {
        let file = write(CONFIG);
        let err = select(Some(file.path()), Some("staging")).expect_err("unknown");
        assert!(matches!(err, Error::UnknownContext(name) if name == "staging"));
    }

    #[test]
    fn a_token_never_shows_in_debug_output() {
        let file = write(CONFIG);
        let selected = select(Some(file.path()), None).expect("reads");
        assert!(!format!("{selected:?}").contains("s3cret"));
    }
}
