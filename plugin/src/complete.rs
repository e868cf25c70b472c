//! Shell completion: `__complete WORDS...` answers in cobra's protocol (one
//! candidate per line, `value<TAB>description`, then `:<directive>`),
//! which kubectl speaks with the `kubectl_complete-sagemaker` helper it runs
//! for `kubectl sagemaker <TAB>`, and which the scripts `completion bash|zsh|fish`
//! print speak too. Commands, flags and kinds come from the command line's
//! own definition; resource names from the agent, asked with the context and
//! namespace the words give.

use std::time::Duration;

use clap::{Arg, Command, CommandFactory, Parser};
use sagemaker_core::kinds;

use crate::{
    cli::{Cli, GlobalArgs},
    connect::Session,
    kubeconfig::Kubeconfigs,
};

/// cobra's directives.
const DEFAULT: u32 = 0;
const NO_FILES: u32 = 4;

/// Commands whose first argument is a kind and the next ones names.
const KIND_THEN_NAMES: &[&str] = &["get", "describe", "delete", "stop", "watch", "logs"];

/// The lines to print for `words` (the last one being completed).
pub(crate) async fn complete(words: &[String]) -> String {
    let (current, before) = match words.split_last() {
        Some((current, before)) => (current.as_str(), before),
        None => ("", &[][..]),
    };
    // built: argument counts and global flags are settled only then
    let mut root = Cli::command();
    root.build();
    let (command, positionals, pending) = walk(&root, before);
    let (candidates, directive) = match pending {
        // the value of a flag
        Some(flag) => flag_values(&flag, before).await,
        None if current.starts_with('-') => (flags(&root, command), NO_FILES),
        None => match command {
            None => (subcommands(&root), NO_FILES),
            Some(sub) => arguments(sub, &positionals, current, before).await,
        },
    };
    let mut out = String::new();
    for (value, help) in candidates.iter().filter(|(v, _)| v.starts_with(current)) {
        out.push_str(value);
        if !help.is_empty() {
            out.push('\t');
            out.push_str(help.lines().next().unwrap_or_default());
        }
        out.push('\n');
    }
    out.push_str(&format!(":{directive}\n"));
    out
}

/// The subcommand the words name, its positional arguments so far, and the
/// flag still waiting for its value.
fn walk<'a>(root: &'a Command, words: &[String]) -> (Option<&'a Command>, Vec<String>, Option<Arg>) {
    let mut command: Option<&Command> = None;
    let mut positionals = Vec::new();
    let mut pending = None;
    for word in words {
        if let Some(flag) = pending.take() {
            let _: Arg = flag;
            continue;
        }
        if let Some(name) = word.strip_prefix("--") {
            if let Some(arg) = find_flag(root, command, |a| a.get_long() == Some(name)) {
                pending = takes_value(&arg).then_some(arg);
            }
        } else if let Some(short) = word.strip_prefix('-').filter(|s| s.len() == 1).and_then(|s| s.chars().next()) {
            if let Some(arg) = find_flag(root, command, |a| a.get_short() == Some(short)) {
                pending = takes_value(&arg).then_some(arg);
            }
        } else if word.starts_with('-') {
            // --flag=value, or several short flags: nothing to wait for
        } else if command.is_none() {
            command = root.find_subcommand(word);
        } else {
            positionals.push(word.clone());
        }
    }
    (command, positionals, pending)
}

fn takes_value(arg: &Arg) -> bool {
    arg.get_num_args().is_some_and(|n| n.takes_values())
}

fn find_flag(root: &Command, sub: Option<&Command>, matches: impl Fn(&Arg) -> bool) -> Option<Arg> {
    sub.into_iter().flat_map(Command::get_arguments).chain(root.get_arguments()).find(|a| matches(a)).cloned()
}

fn subcommands(root: &Command) -> Vec<(String, String)> {
    root.get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| (c.get_name().to_string(), c.get_about().map(|a| a.to_string()).unwrap_or_default()))
        .collect()
}

fn flags(root: &Command, sub: Option<&Command>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    // a built command repeats the global flags in each subcommand
    for a in sub.into_iter().flat_map(Command::get_arguments).chain(root.get_arguments()).filter(|a| !a.is_hide_set()) {
        if let Some(long) = a.get_long().map(|l| format!("--{l}"))
            && !out.iter().any(|(f, _)| *f == long)
        {
            out.push((long, a.get_help().map(|h| h.to_string()).unwrap_or_default()));
        }
    }
    out
}

/// What a flag's value can be: its declared values, the kubeconfig's
/// contexts, or files.
async fn flag_values(flag: &Arg, words: &[String]) -> (Vec<(String, String)>, u32) {
    let declared: Vec<(String, String)> = flag
        .get_possible_values()
        .into_iter()
        .map(|v| (v.get_name().to_string(), v.get_help().map(|h| h.to_string()).unwrap_or_default()))
        .collect();
    if !declared.is_empty() {
        return (declared, NO_FILES);
    }
    match flag.get_long() {
        Some("context") => {
            let global = globals(words);
            let names = Kubeconfigs::load(global.kubeconfig.as_deref()).map(|k| k.names()).unwrap_or_default();
            (names.into_iter().map(|n| (n, String::new())).collect(), NO_FILES)
        }
        Some("output") => {
            let formats = ["yaml", "json", "wide", "name", "jsonpath=", "custom-columns="];
            (formats.iter().map(|f| (f.to_string(), String::new())).collect(), NO_FILES)
        }
        Some("kubeconfig" | "filename" | "agent-ca") => (Vec::new(), DEFAULT),
        _ => (Vec::new(), NO_FILES),
    }
}

/// A command's arguments: kinds, then names of that kind from the agent.
async fn arguments(sub: &Command, positionals: &[String], current: &str, words: &[String]) -> (Vec<(String, String)>, u32) {
    let name = sub.get_name();
    if name == "completion" {
        return (["bash", "zsh", "fish", "kubectl"].map(|s| (s.to_string(), String::new())).to_vec(), NO_FILES);
    }
    let (kind, prefix) = match (name, positionals) {
        ("autoscale", []) => return (vec![("endpoint".into(), String::new())], NO_FILES),
        ("autoscale", [_]) => (Some(&kinds::ENDPOINT), String::new()),
        (n, []) if KIND_THEN_NAMES.contains(&n) => match current.split_once('/') {
            // KIND/NAME
            Some((kind, _)) => (kinds::find(kind), format!("{kind}/")),
            None => {
                let mut all: Vec<(String, String)> = kinds::KINDS.iter().map(|k| (k.plural.to_string(), k.kind.to_string())).collect();
                if n == "get" {
                    all.push(("all".into(), "every kind".into()));
                }
                return (all, NO_FILES);
            }
        },
        (n, [first, ..]) if KIND_THEN_NAMES.contains(&n) && !first.contains('/') => (kinds::find(first), String::new()),
        _ => return (Vec::new(), if sub.get_arguments().any(|a| a.get_long() == Some("filename")) { DEFAULT } else { NO_FILES }),
    };
    let Some(kind) = kind else { return (Vec::new(), NO_FILES) };
    let names = names(kind, words).await;
    (names.into_iter().map(|n| (format!("{prefix}{n}"), String::new())).collect(), NO_FILES)
}

/// The global flags the words give (the rest ignored).
fn globals(words: &[String]) -> GlobalArgs {
    #[derive(Parser)]
    #[command(ignore_errors = true)]
    struct Globals {
        #[command(flatten)]
        global: GlobalArgs,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        _rest: Vec<String>,
    }
    let mut root = Cli::command();
    root.build();
    let mut kept = vec!["kubectl-sagemaker".to_string()];
    let mut take_next = false;
    for word in words {
        if take_next {
            kept.push(word.clone());
            take_next = false;
            continue;
        }
        let long = word.strip_prefix("--").map(|w| w.split('=').next().unwrap_or(w));
        let short = word.strip_prefix('-').filter(|s| s.len() == 1).and_then(|s| s.chars().next());
        if let Some(arg) = root.get_arguments().find(|a| long.is_some_and(|l| a.get_long() == Some(l)) || short.is_some_and(|s| a.get_short() == Some(s))) {
            kept.push(word.clone());
            take_next = takes_value(arg) && !word.contains('=');
        }
    }
    Globals::try_parse_from(kept).map(|g| g.global).unwrap_or_else(|_| Globals::parse_from(["kubectl-sagemaker"]).global)
}

/// The names of `kind` in the namespace the words say, from the agent (none
/// when it cannot be asked quickly: completion must not hang a shell).
async fn names(kind: &'static sagemaker_core::KindInfo, words: &[String]) -> Vec<String> {
    let mut global = globals(words);
    global.connect_timeout = global.connect_timeout.min(Duration::from_secs(3));
    global.request_timeout = global.request_timeout.min(Duration::from_secs(3));
    let lookup = async {
        let kubeconfigs = Kubeconfigs::load(global.kubeconfig.as_deref()).ok()?;
        let context = global.context.first().cloned();
        let session = Session::resolve(&global, &kubeconfigs, context.as_deref()).await.ok()?;
        let agent = session.connect().await.ok()?;
        let listed = crate::commands::list_names(&agent, kind, &session.namespace).await.ok()?;
        Some(listed)
    };
    tokio::time::timeout(Duration::from_secs(5), lookup).await.ok().flatten().unwrap_or_default()
}

/// `completion SHELL`: the script to source.
pub(crate) fn script(shell: &str) -> Option<&'static str> {
    match shell {
        "bash" => Some(BASH),
        "zsh" => Some(ZSH),
        "fish" => Some(FISH),
        "kubectl" => Some(KUBECTL_HELPER),
        _ => None,
    }
}

const BASH: &str = r#"# kubectl-sagemaker completion for bash: source <(kubectl-sagemaker completion bash)
_kubectl_sagemaker() {
    local cur words cword out directive
    # words whole even with ':' in them (EKS contexts are ARNs), where bash-completion is there
    if declare -F _get_comp_words_by_ref >/dev/null; then
        _get_comp_words_by_ref -n =: cur words cword
    else
        cur=${COMP_WORDS[COMP_CWORD]} words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
    fi
    out=$(kubectl-sagemaker __complete "${words[@]:1:cword}" 2>/dev/null) || return
    directive=${out##*:}
    out=$(printf '%s\n' "$out" | sed '$d' | cut -f1)
    COMPREPLY=($(compgen -W "$out" -- "$cur"))
    if [[ ${#COMPREPLY[@]} -eq 0 && $(( directive & 4 )) -eq 0 ]]; then
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
    if declare -F __ltrim_colon_completions >/dev/null; then
        __ltrim_colon_completions "$cur"
    fi
}
complete -F _kubectl_sagemaker kubectl-sagemaker
"#;

const ZSH: &str = r#"#compdef kubectl-sagemaker
# kubectl-sagemaker completion for zsh: source <(kubectl-sagemaker completion zsh)
_kubectl_sagemaker() {
    local -a lines candidates
    lines=("${(@f)$(kubectl-sagemaker __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    local directive=${lines[-1]#:}
    for line in "${(@)lines[1,-2]}"; do
        candidates+=("${${line%%$'\t'*}//:/\\:}:${line#*$'\t'}")
    done
    if (( ${#candidates} )); then
        _describe 'kubectl sagemaker' candidates
    elif (( (directive & 4) == 0 )); then
        _files
    fi
}
compdef _kubectl_sagemaker kubectl-sagemaker
"#;

const FISH: &str = r#"# kubectl-sagemaker completion for fish: kubectl-sagemaker completion fish | source
function __kubectl_sagemaker_complete
    set -l words (commandline -opc)[2..-1] (commandline -ct)
    kubectl-sagemaker __complete $words 2>/dev/null | string match -v -r '^:'
end
complete -c kubectl-sagemaker -f -a '(__kubectl_sagemaker_complete)'
"#;

/// What kubectl runs to complete `kubectl sagemaker ...` (kubectl >= 1.26):
/// an executable `kubectl_complete-sagemaker` on PATH.
const KUBECTL_HELPER: &str = r#"#!/bin/sh
# kubectl runs this to complete `kubectl sagemaker ...`. Install it next to the plugin:
#   kubectl sagemaker completion kubectl > "${KREW_ROOT:-$HOME/.krew}/bin/kubectl_complete-sagemaker"
#   chmod +x "${KREW_ROOT:-$HOME/.krew}/bin/kubectl_complete-sagemaker"
exec kubectl sagemaker __complete "$@"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        let mut w: Vec<String> = text.split(' ').map(str::to_string).collect();
        if text.is_empty() {
            w = vec![String::new()];
        }
        w
    }

    #[tokio::test]
    async fn commands_kinds_and_flag_values_complete_from_the_command_lines_definition() {
        let out = complete(&words("")).await;
        assert!(out.lines().any(|l| l.starts_with("logs\t")), "{out}");
        assert!(out.lines().all(|l| !l.starts_with("__complete")), "hidden stays hidden");
        assert!(out.ends_with(":4\n"), "{out}");
        let out = complete(&words("get tr")).await;
        assert_eq!(out, "trainingjobs\tTrainingJob\ntransformjobs\tTransformJob\n:4\n");
        let out = complete(&words("get al")).await;
        assert_eq!(out, "all\tevery kind\n:4\n");
        let out = complete(&words("logs --")).await;
        assert!(out.lines().any(|l| l.starts_with("--follow\t")) && out.lines().any(|l| l.starts_with("--context\t")), "{out}");
        let out = complete(&words("completion ")).await;
        assert_eq!(out, "bash\nzsh\nfish\nkubectl\n:4\n");
        let out = complete(&words("apply -f ")).await;
        assert_eq!(out, ":0\n", "files");
        let out = complete(&words("clusters -o ")).await;
        assert_eq!(out, "yaml\njson\n:4\n");
    }
}
