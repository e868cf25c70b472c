//! ACK's field names for AWS members.
//!
//! ACK (aws-controllers-k8s/pkg `names.New(...).CamelLower`) turns an AWS
//! member name into a Go/JSON field name by lower-camel-casing it and writing
//! well-known initialisms in capitals: `RoleArn` -> `roleARN`,
//! `VolumeKmsKeyId` -> `volumeKMSKeyID`, `S3Uri` -> `s3URI`, `Type` -> `type_`.
//! ACK implements that with an ordered list of substring regexes; here the same
//! table is applied word by word, which makes the exceptions ACK encodes as
//! negative look-aheads (`Identifier`, `Idle`, `Enable`, `Secret`, `Iops`,
//! `Throttling`...) fall out naturally: they are different words.
//!
//! The conformance test in `tests/ack_crds.rs` checks every field of ACK's
//! published CRDs for the fourteen kinds against this converter. An audit over
//! every member name in aws-sdk-sagemaker 1.248 and aws-sdk-applicationautoscaling
//! 1.127 found exactly one name where ACK's substring rules give something no
//! word rule would: `EnableIotRoleAlias` (ACK: `enableIOtRoleAlias`, here
//! `enableIotRoleAlias`), a device-fleet member outside the kinds this project
//! manages.

use aws_smithy_schema::Schema;
use aws_smithy_schema::extension::SchemaExtensionKey;

/// Initialisms ACK writes in capitals, keyed by the way they appear as a word
/// in AWS member names. Source: aws-controllers-k8s/pkg `names/names.go`.
const INITIALISMS: &[(&str, &str)] = &[
    ("Ids", "IDs"),
    ("Id", "ID"),
    ("Dbi", "DBI"),
    ("Db", "DB"),
    ("Ipc", "IPC"),
    ("Ipv4", "IPv4"),
    ("Ipv6", "IPv6"),
    ("Ip", "IP"),
    ("Amis", "AMIs"),
    ("Ami", "AMI"),
    ("Acl", "ACL"),
    ("Acm", "ACM"),
    ("Acp", "ACP"),
    ("Api", "API"),
    ("Arn", "ARN"),
    ("Asn", "ASN"),
    ("Awsvpc", "AWSVPC"),
    ("Aws", "AWS"),
    ("Az", "AZ"),
    ("Bgp", "BGP"),
    ("Cors", "CORS"),
    ("Cidr", "CIDR"),
    ("Cname", "CNAME"),
    ("Cpu", "CPU"),
    ("Crl", "CRL"),
    ("Cps", "CPS"),
    ("Csr", "CSR"),
    ("Dhcp", "DHCP"),
    ("Dns", "DNS"),
    ("Dpd", "DPD"),
    ("Ebs", "EBS"),
    ("Ec2", "EC2"),
    ("Ecr", "ECR"),
    ("Ecs", "ECS"),
    ("Edi", "EDI"),
    ("Efs", "EFS"),
    ("Eks", "EKS"),
    ("Ena", "ENA"),
    ("Ecmp", "ECMP"),
    ("Fifo", "FIFO"),
    ("Fpga", "FPGA"),
    ("Gid", "GID"),
    ("Gpu", "GPU"),
    ("Grpc", "GRPC"),
    ("Html", "HTML"),
    ("Http", "HTTP"),
    ("Https", "HTTPS"),
    ("Iam", "IAM"),
    ("Icmp", "ICMP"),
    ("Io", "IO"),
    ("Iops", "IOPS"),
    ("Ipam", "IPAM"),
    ("Ja3", "JA3"),
    ("Json", "JSON"),
    ("Jwt", "JWT"),
    ("Kms", "KMS"),
    ("Ldap", "LDAP"),
    ("Mfa", "MFA"),
    ("Mibps", "MiBps"),
    ("Nat", "NAT"),
    ("Oid", "OID"),
    ("Oidc", "OIDC"),
    ("Ocsp", "OCSP"),
    ("Pca", "PCA"),
    ("Pid", "PID"),
    ("Ramdisk", "RAMDisk"),
    ("Ram", "RAM"),
    ("Rfc", "RFC"),
    ("Sasl", "SASL"),
    ("Scram", "SCRAM"),
    ("Sdk", "SDK"),
    ("Sha256", "SHA256"),
    ("Sns", "SNS"),
    ("Sqli", "SQLI"),
    ("Sql", "SQL"),
    ("Sqs", "SQS"),
    ("Sriov", "SRIOV"),
    ("Sse", "SSE"),
    ("Ssl", "SSL"),
    ("Tcp", "TCP"),
    ("Tde", "TDE"),
    ("Tpm", "TPM"),
    ("Tls", "TLS"),
    ("Ttl", "TTL"),
    ("Udp", "UDP"),
    ("Uri", "URI"),
    ("Url", "URL"),
    ("Uuid", "UUID"),
    ("Uids", "UIDs"),
    ("Uid", "UID"),
    ("Ui", "UI"),
    ("Vlan", "VLAN"),
    ("Vpce", "VPCE"),
    ("Vpc", "VPC"),
    ("Vpn", "VPN"),
    ("Vgw", "VGW"),
    ("Waf", "WAF"),
    ("Xml", "XML"),
    ("Xss", "XSS"),
    ("Yaml", "YAML"),
    // Already capitalised in some AWS models; listed so a leading "AIML" is
    // lowercased as one initialism.
    ("AIML", "AIML"),
];

/// The few initialisms that do not start a name in plain lowercase.
const LOWER_FORMS: &[(&str, &str)] = &[("AWSVPC", "awsVPC"), ("RAMDisk", "ramDisk"), ("MiBps", "miBps")];

/// How an initialism is written at the start of a name: `KMS` -> `kms`,
/// `AWSVPC` -> `awsVPC`.
fn lower_form(upper: &str) -> String {
    LOWER_FORMS
        .iter()
        .find(|(u, _)| *u == upper)
        .map_or_else(|| upper.to_ascii_lowercase(), |(_, lower)| (*lower).to_string())
}

/// Go keywords: ACK appends `_` to a field name that would be one.
const GO_KEYWORDS: &[&str] = &[
    "break",
    "case",
    "chan",
    "const",
    "continue",
    "default",
    "defer",
    "else",
    "fallthrough",
    "for",
    "func",
    "go",
    "goto",
    "if",
    "import",
    "interface",
    "map",
    "package",
    "range",
    "return",
    "select",
    "struct",
    "switch",
    "type",
    "var",
];

/// Renames ACK configures per resource in a controller's `generator.yaml` and
/// that no naming rule produces, keyed by the member's shape id.
///
/// Empty today: the conformance test against ACK's published CRDs for the
/// fourteen kinds found no such rename (ScalableTarget/ScalingPolicy
/// `resourceID` is the ordinary `Id` initialism). Add an entry only with a
/// comment naming the generator.yaml that configures it.
const ACK_OVERRIDES: &[(&str, &str)] = &[];

/// The ACK (Kubernetes) field name for an AWS member name.
///
/// `"RoleArn"` -> `"roleARN"`, `"KmsKeyId"` -> `"kmsKeyID"`, `"S3Uri"` ->
/// `"s3URI"`, `"VolumeSizeInGB"` -> `"volumeSizeInGB"`,
/// `"SecurityGroupIds"` -> `"securityGroupIDs"`, `"Type"` -> `"type_"`.
pub fn ack_name(aws_member_name: &str) -> String {
    let mut out = String::with_capacity(aws_member_name.len() + 2);
    for (index, word) in words(aws_member_name).iter().enumerate() {
        let (converted, is_initialism) = convert_word(word);
        if index == 0 {
            out.push_str(&lower_first_word(&converted, is_initialism));
        } else {
            out.push_str(&converted);
        }
    }
    if GO_KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// The ACK name of a member schema, honouring [`ACK_OVERRIDES`]; cached on the
/// (static) member schema so hot paths do not recompute it.
pub(crate) fn ack_member_name<'s>(member: &'s Schema<'_>) -> &'s str {
    static KEY: SchemaExtensionKey<Box<str>> = SchemaExtensionKey::new(|schema| {
        let fqn = schema.shape_id().as_str();
        match ACK_OVERRIDES.iter().find(|(id, _)| *id == fqn) {
            Some((_, name)) => (*name).into(),
            None => ack_name(schema.member_name().unwrap_or_default()).into(),
        }
    });
    member.extension(&KEY).as_ref()
}

/// Splits a member name into words: `SSEKMSKeyId` -> `SSEKMS`, `Key`, `Id`;
/// `S3Uri` -> `S3`, `Uri`; `VolumeSizeInGB` -> `Volume`, `Size`, `In`, `GB`.
///
/// A capital starts a word after a lowercase letter or a digit, and ends a run
/// of capitals when a lowercase letter follows it. Digits stay with the word
/// before them (`Ec2`, `Sha256`). A lowercase letter right after a digit
/// starts a new, capitalised word, as ACK's camel-caser does; so does any
/// letter after a separator (`_`, `-`, space, `.`), which is dropped.
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut capitalize_next = false;
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            capitalize_next = true;
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let starts_word = match prev {
            None => false,
            Some(p) if c.is_ascii_uppercase() => {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            }
            Some(p) if c.is_ascii_lowercase() => p.is_ascii_digit(),
            Some(_) => false,
        };
        if (starts_word || capitalize_next) && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        if (starts_word || capitalize_next) && i > 0 {
            current.push(c.to_ascii_uppercase());
        } else {
            current.push(c);
        }
        capitalize_next = false;
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn initialism(word: &str) -> Option<&'static str> {
    INITIALISMS
        .iter()
        .find(|(camel, _)| *camel == word)
        .map(|(_, upper)| *upper)
}

/// Converts one word; the flag says whether it was an initialism.
///
/// Besides exact table words, a table word followed by a plural `s` and/or
/// digits is an initialism too (`Arns` -> `ARNs`, `Scram512` -> `SCRAM512`),
/// because ACK matches the table as substrings.
fn convert_word(word: &str) -> (String, bool) {
    if let Some(upper) = initialism(word) {
        return (upper.to_string(), true);
    }
    let letters_end = word.find(|c: char| c.is_ascii_digit()).unwrap_or(word.len());
    let (letters, digits) = word.split_at(letters_end);
    if let Some(upper) = initialism(letters).filter(|_| !digits.is_empty()) {
        return (format!("{upper}{digits}"), true);
    }
    if let Some(stem) = letters.strip_suffix('s')
        && let Some(upper) = initialism(stem)
    {
        return (format!("{upper}s{digits}"), true);
    }
    (word.to_string(), false)
}

/// The first word of an ACK name starts in lowercase.
///
/// An initialism is lowercased entirely (`kmsKeyID`, `s3URI`, `ec2...`). A run
/// of capitals loses the capitals of the initialism it starts with
/// (`SSEKMS` -> `sseKMS`, `AWSVPC` -> `awsVPC`) and otherwise only its first
/// letter, as ACK does (`MLFramework` -> `mLFramework`); capitals with digits
/// (`S3`, `MD5`) are lowercased entirely.
fn lower_first_word(word: &str, is_initialism: bool) -> String {
    if is_initialism {
        return lower_form(word);
    }
    let is_caps_run = word.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && word.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if is_caps_run {
        // `S3`, `MD5`, `EC2`: capitals with digits are one initialism.
        if word.chars().any(|c| c.is_ascii_digit()) {
            return word.to_ascii_lowercase();
        }
        let longest_prefix = INITIALISMS
            .iter()
            .map(|(_, upper)| *upper)
            .filter(|upper| upper.chars().all(|c| c.is_ascii_uppercase()))
            .filter(|upper| word.starts_with(upper))
            .max_by_key(|upper| upper.len());
        if let Some(upper) = longest_prefix {
            return format!("{}{}", lower_form(upper), &word[upper.len()..]);
        }
    }
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_the_ack_sagemaker_crds_convert_exactly() {
        for (aws, ack) in [
            ("RoleArn", "roleARN"),
            ("Type", "type_"),
            ("KmsKeyId", "kmsKeyID"),
            ("S3Uri", "s3URI"),
            ("VolumeKmsKeyId", "volumeKMSKeyID"),
            ("VolumeSizeInGB", "volumeSizeInGB"),
            ("MaxPayloadInMB", "maxPayloadInMB"),
            ("ModelDataUrl", "modelDataURL"),
            ("SecurityGroupIds", "securityGroupIDs"),
            ("ResourceId", "resourceID"),
            ("EnableSSMAccess", "enableSSMAccess"),
            ("MlReservationArn", "mlReservationARN"),
            ("UltraServerId", "ultraServerID"),
            ("TransformAmiVersion", "transformAMIVersion"),
            (
                "EnableSageMakerMetricsTimeSeries",
                "enableSageMakerMetricsTimeSeries",
            ),
            ("TrainingJobName", "trainingJobName"),
        ] {
            assert_eq!(ack_name(aws), ack, "{aws}");
        }
    }

    #[test]
    fn words_that_merely_start_like_an_initialism_stay_words() {
        for (aws, ack) in [
            ("Identifier", "identifier"),
            ("IdleSettings", "idleSettings"),
            ("IdempotencyToken", "idempotencyToken"),
            ("EnableNetworkIsolation", "enableNetworkIsolation"),
            ("SecretArn", "secretARN"),
            ("MaxIops", "maxIOPS"),
            ("ThrottlingConfig", "throttlingConfig"),
            ("MultipartUpload", "multipartUpload"),
            ("LastDecreaseDateTime", "lastDecreaseDateTime"),
            ("Uid", "uid"),
            ("Gids", "gids"),
        ] {
            assert_eq!(ack_name(aws), ack, "{aws}");
        }
    }

    #[test]
    fn leading_capital_runs_follow_ack() {
        for (aws, ack) in [
            ("SSEKMSKeyId", "sseKMSKeyID"),
            ("AWSVPCConfiguration", "awsVPCConfiguration"),
            ("AwsVpcConfiguration", "awsVPCConfiguration"),
            ("AwsvpcConfiguration", "awsVPCConfiguration"),
            ("HTTPSSupport", "httpsSupport"),
            ("HttpsPort", "httpsPort"),
            ("DBInstanceId", "dbInstanceID"),
            ("MD5OfBody", "md5OfBody"),
            ("MLFramework", "mLFramework"),
            ("VCpu", "vCPU"),
            ("ID", "id"),
            ("Ipv4", "ipv4"),
        ] {
            assert_eq!(ack_name(aws), ack, "{aws}");
        }
    }

    #[test]
    fn plurals_and_digits_keep_their_initialism() {
        for (aws, ack) in [
            ("SubnetIds", "subnetIDs"),
            ("PolicyArns", "policyARNs"),
            ("SaslScram512Auth", "saslSCRAM512Auth"),
            ("Ec2InstanceType", "ec2InstanceType"),
            ("humanTaskUiArn", "humanTaskUIARN"),
            ("RamdiskId", "ramDiskID"),
            ("NumberOfAmiToKeep", "numberOfAMIToKeep"),
            ("AuthorizerResultTtlInSeconds", "authorizerResultTTLInSeconds"),
        ] {
            assert_eq!(ack_name(aws), ack, "{aws}");
        }
    }

    #[test]
    fn go_keywords_get_a_trailing_underscore() {
        assert_eq!(ack_name("Type"), "type_");
        assert_eq!(ack_name("Package"), "package_");
        assert_eq!(ack_name("Default"), "default_");
        assert_eq!(ack_name("Types"), "types");
    }
}
