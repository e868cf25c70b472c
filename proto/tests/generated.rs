//! Drift check for the committed generated code.


#[test]
fn generated_code_is_up_to_date() {
    let root = &sagemaker_core::manifest_dir(env!("CARGO_MANIFEST_DIR"));
    let fds = protox::compile([root.join("proto/sagemaker/agent/v1/agent.proto")], [root.join("proto")])
        .expect("agent.proto compiles");
    let out = tempfile::tempdir().expect("tempdir");
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .out_dir(out.path())
        .compile_fds(fds)
        .expect("code generation succeeds");
    let fresh = std::fs::read_to_string(out.path().join("sagemaker.agent.v1.rs")).expect("generated file");
    let committed_path = root.join("src/gen/sagemaker.agent.v1.rs");
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::write(&committed_path, &fresh).expect("write generated code");
        return;
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == fresh,
        "proto/src/gen is out of date with agent.proto: run `UPDATE_GENERATED=1 cargo test -p sagemaker-proto` and commit the result"
    );
}
