//! Name rules, checked before anything is written so that a bad name never
//! reaches Kubernetes or AWS.

/// Why a name was rejected, as a phrase that completes "name X is invalid: ...".
pub type NameProblem = String;

/// Kubernetes object names (RFC 1123 subdomain): what `metadata.name` must be.
pub fn check_kubernetes_name(name: &str) -> Result<(), NameProblem> {
    if name.is_empty() {
        return Err("it is empty".into());
    }
    if name.len() > 253 {
        return Err(format!("it is {} characters long; the limit is 253", name.len()));
    }
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.';
    if let Some(c) = name.chars().find(|c| !ok_char(*c)) {
        return Err(format!(
            "it contains {c:?}; use lower-case letters, digits, '-' and '.' only"
        ));
    }
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !alnum(name.chars().next()) || !alnum(name.chars().last()) {
        return Err("it must start and end with a lower-case letter or digit".into());
    }
    Ok(())
}

/// SageMaker resource names (`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`, the pattern
/// of TrainingJobName, EndpointName, ModelName and friends).
pub fn check_sagemaker_name(name: &str) -> Result<(), NameProblem> {
    if name.is_empty() {
        return Err("it is empty".into());
    }
    if name.len() > 63 {
        return Err(format!("it is {} characters long; SageMaker allows 63", name.len()));
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-')) {
        return Err(format!("it contains {c:?}; SageMaker allows letters, digits and '-' only"));
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err("it must start and end with a letter or digit".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sagemaker_names_follow_the_api_pattern() {
        assert!(check_sagemaker_name("ack-xgboost-training-job-7420").is_ok());
        assert!(check_sagemaker_name("Job-1").is_ok());
        assert!(check_sagemaker_name("job_1").is_err());
        assert!(check_sagemaker_name("-job").is_err());
        assert!(check_sagemaker_name(&"a".repeat(64)).is_err());
    }

    #[test]
    fn kubernetes_names_follow_rfc_1123() {
        assert!(check_kubernetes_name("my-job.v2").is_ok());
        assert!(check_kubernetes_name("My-Job").is_err());
        assert!(check_kubernetes_name("job-").is_err());
    }
}
