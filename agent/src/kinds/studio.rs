//! SageMaker Studio: the Domain (whose id AWS assigns), and the user
//! profiles, spaces and apps in it.

use sagemaker_core::kinds;
use serde_json::json;

use super::*;

/// ACK's terminal codes for the Studio kinds.
const STUDIO_TERMINAL_CODES: &[&str] = &["ResourceNotFound", "InvalidParameterCombination", "InvalidParameterValue", "MissingParameter"];

/// Studio's lifecycle in the simulator.
const fn studio(arn: &'static str) -> SimLifecycle {
    SimLifecycle {
        arn,
        creating: &[("Pending", "")],
        settled: ("InService", ""),
        failed: ("Failed", ""),
        updating: Some(("Updating", "Updating")),
        deleting: Some("Deleting"),
        ..SimLifecycle::exists(arn)
    }
}

pub static DOMAIN: AwsKind = AwsKind {
    info: &kinds::DOMAIN,
    service: &SAGEMAKER,
    create: sagemaker_op!(CreateDomain, create_domain),
    describe: sagemaker_op!(DescribeDomain, describe_domain),
    describe_list: None,
    update: Some(Update {
        op: sagemaker_op!(UpdateDomain, update_domain),
        fields: &["defaultUserSettings", "defaultSpaceSettings", "appNetworkAccessType", "appSecurityGroupManagement", "subnetIDs"],
        compare: &["defaultUserSettings", "defaultSpaceSettings", "appNetworkAccessType", "appSecurityGroupManagement", "subnetIDs"],
        allowed_in: None,
        restart: None,
        cleared: &[],
    }),
    delete: Some(sagemaker_op!(DeleteDomain, delete_domain)),
    stop: None,
    list: Some(List {
        op: sagemaker_op!(ListDomains, list_domains),
        items: "domains",
        input: || json!({}),
        name_contains: None,
        renamed: &[],
    }),
    arn_field: "domainARN",
    status_fields: &["domainID", "status", "url", "failureReason", "creationTime", "lastModifiedTime"],
    last_modified: None,
    not_found: NotFound { code: "ResourceNotFound", message: "Domain {name} not found" },
    already_exists: None,
    terminal_codes: &["ValidationException", "ResourceNotFound", "InvalidParameterCombination", "InvalidParameterValue", "MissingParameter"],
    tags_field: Some("tags"),
    resync: STEADY,
    logs: None,
    children: None,
    // its id is AWS's: a lost status is looked for by name and owner tag
    find: Some(Find {
        op: sagemaker_op!(ListDomains, list_domains),
        input: |_| json!({ "maxResults": 100 }),
        items: "domains",
        arn: "domainARN",
        matches: |item, spec| item.get("domainName").is_some() && item.get("domainName") == spec.get("domainName"),
        unique: true,
    }),
    client_token: None,
    gone: &[],
    hooks: NO_HOOKS,
    sim: SimLifecycle {
        assigned_arn: Some("arn:aws:sagemaker:{region}:{account}:domain/d-{new}"),
        extras: crate::aws::sim::domain_extras,
        ..studio("arn:aws:sagemaker:{region}:{account}:domain/{domainID}")
    },
};

pub static USER_PROFILE: AwsKind = AwsKind {
    info: &kinds::USER_PROFILE,
    service: &SAGEMAKER,
    create: sagemaker_op!(CreateUserProfile, create_user_profile),
    describe: sagemaker_op!(DescribeUserProfile, describe_user_profile),
    describe_list: None,
    update: Some(Update {
        op: sagemaker_op!(UpdateUserProfile, update_user_profile),
        fields: &["userSettings"],
        compare: &["userSettings"],
        allowed_in: None,
        restart: None,
        cleared: &[],
    }),
    delete: Some(sagemaker_op!(DeleteUserProfile, delete_user_profile)),
    stop: None,
    list: Some(List {
        op: sagemaker_op!(ListUserProfiles, list_user_profiles),
        items: "userProfiles",
        input: || json!({}),
        name_contains: Some("userProfileNameContains"),
        renamed: &[],
    }),
    arn_field: "userProfileARN",
    status_fields: &["status", "failureReason", "creationTime", "lastModifiedTime", "homeEFSFileSystemUID"],
    last_modified: None,
    not_found: NotFound { code: "ResourceNotFound", message: "User profile with name {name} does not exist" },
    already_exists: Some(AlreadyExists { code: "ResourceInUse", message: "User profile already exists: {arn}" }),
    terminal_codes: STUDIO_TERMINAL_CODES,
    tags_field: Some("tags"),
    resync: STEADY,
    logs: None,
    children: None,
    find: None,
    client_token: None,
    gone: &[],
    hooks: NO_HOOKS,
    sim: studio("arn:aws:sagemaker:{region}:{account}:user-profile/{domainID}/{userProfileName}"),
};

pub static SPACE: AwsKind = AwsKind {
    info: &kinds::SPACE,
    service: &SAGEMAKER,
    create: sagemaker_op!(CreateSpace, create_space),
    describe: sagemaker_op!(DescribeSpace, describe_space),
    describe_list: None,
    // ownership and sharing settings are fixed at create (ACK's CEL rules)
    update: Some(Update {
        op: sagemaker_op!(UpdateSpace, update_space),
        fields: &["spaceSettings", "spaceDisplayName"],
        compare: &["spaceSettings", "spaceDisplayName"],
        allowed_in: None,
        restart: None,
        cleared: &[],
    }),
    delete: Some(sagemaker_op!(DeleteSpace, delete_space)),
    stop: None,
    list: Some(List {
        op: sagemaker_op!(ListSpaces, list_spaces),
        items: "spaces",
        input: || json!({}),
        name_contains: Some("spaceNameContains"),
        renamed: &[],
    }),
    arn_field: "spaceARN",
    status_fields: &["status", "failureReason", "creationTime", "lastModifiedTime", "homeEFSFileSystemUID", "url"],
    last_modified: None,
    not_found: NotFound { code: "ResourceNotFound", message: "Space with name {name} does not exist" },
    already_exists: Some(AlreadyExists { code: "ResourceInUse", message: "Space already exists: {arn}" }),
    terminal_codes: STUDIO_TERMINAL_CODES,
    tags_field: Some("tags"),
    resync: STEADY,
    logs: None,
    children: None,
    find: None,
    client_token: None,
    gone: &[],
    hooks: NO_HOOKS,
    sim: studio("arn:aws:sagemaker:{region}:{account}:space/{domainID}/{spaceName}"),
};

pub static APP: AwsKind = AwsKind {
    info: &kinds::APP,
    service: &SAGEMAKER,
    create: sagemaker_op!(CreateApp, create_app),
    describe: sagemaker_op!(DescribeApp, describe_app),
    describe_list: None,
    update: None,
    delete: Some(sagemaker_op!(DeleteApp, delete_app)),
    stop: None,
    list: None,
    arn_field: "appARN",
    status_fields: &["status", "failureReason", "creationTime", "lastUserActivityTimestamp"],
    last_modified: None,
    not_found: NotFound { code: "ResourceNotFound", message: "App with name {name} does not exist" },
    already_exists: Some(AlreadyExists { code: "ResourceInUse", message: "App already exists: {arn}" }),
    terminal_codes: STUDIO_TERMINAL_CODES,
    tags_field: Some("tags"),
    resync: STEADY,
    logs: None,
    children: None,
    find: None,
    client_token: None,
    // a deleted app stays listed as Deleted; a new one may take its name
    gone: &["Deleted"],
    hooks: NO_HOOKS,
    sim: SimLifecycle {
        updating: None,
        ..studio("arn:aws:sagemaker:{region}:{account}:app/{domainID}/{userProfileName}{spaceName}/{appType}/{appName}")
    },
};

