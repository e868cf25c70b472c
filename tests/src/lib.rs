//! Test support: real services started per test, on free loopback ports.
//!
//! * [`KubeApiServer`]: etcd + kube-apiserver v1.20.2 (built from Debian's source package by
//!   `scripts/test-deps.sh`), with RBAC, static tokens and a kubeconfig.
//! * [`Moto`]: moto's server with SageMaker patched to behave like the real service
//!   (`tests/support/moto_sagemaker.py`: jobs progress over time, Stop*, duplicate creates).
//!
//! Binaries come from `SAGEMAKER_TEST_KUBE_APISERVER`, `SAGEMAKER_TEST_ETCD`,
//! `SAGEMAKER_TEST_PYTHON` and `SAGEMAKER_TEST_KUBECTL`, else from the default places
//! `scripts/test-deps.sh` installs them to (under [`cache_dir`], `/usr/bin/etcd`, `kubectl`
//! on `PATH`). Each server lives in its own temporary directory with its logs; set
//! `SAGEMAKER_TEST_KEEP=1` to keep that directory when a test fails (or
//! `SAGEMAKER_TEST_KEEP=always` to keep it in any case). `SAGEMAKER_TEST_START_TIMEOUT`
//! (seconds, default 60) bounds how long a start may take.
//!
//! Every server also gets a watchdog (`/bin/sh`) that kills it when the test process
//! dies without running `Drop` (killed by a timeout, or the server was kept in a
//! `static`), so no etcd or apiserver outlives its test run.

use std::ffi::OsString;
use std::fmt;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// Why a test service could not be started.
pub struct Error {
    message: String,
}

impl Error {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

// `unwrap()`/`expect()` print Debug: keep it the readable message with its log excerpt.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

fn io_err(what: impl fmt::Display) -> impl FnOnce(std::io::Error) -> Error {
    move |e| Error::new(format!("{what}: {e}"))
}

// ---------------------------------------------------------------------------------------
// Paths and binaries

/// The workspace root (the folder holding the root `Cargo.toml`).
pub fn repo_root() -> PathBuf {
    // at run time first: a target dir shared by clones may hold binaries
    // another clone built (see `sagemaker_core::manifest_dir`)
    let dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into());
    dir.parent().expect("tests/ has a parent").to_path_buf()
}

/// `${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-sagemaker`, where `scripts/test-deps.sh` caches
/// the apiserver binary and the moto virtualenv.
pub fn cache_dir() -> PathBuf {
    let base = match std::env::var_os("XDG_CACHE_HOME") {
        Some(x) if !x.is_empty() => PathBuf::from(x),
        _ => {
            let home = std::env::var_os("HOME").unwrap_or_else(|| OsString::from("/root"));
            PathBuf::from(home).join(".cache")
        }
    };
    base.join("kubectl-sagemaker")
}

/// A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it).
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind 127.0.0.1:0")
}

const DEPS_HINT: &str = "run `scripts/test-deps.sh` (it builds/installs the test dependencies)";

fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var).filter(|v| !v.is_empty()).map(PathBuf::from)
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

fn search_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

/// Resolves a binary: the env var if set (it must exist), else the first existing default.
fn resolve_binary(
    what: &str,
    var: &str,
    env_value: Option<PathBuf>,
    defaults: &[PathBuf],
) -> Result<PathBuf, Error> {
    if let Some(p) = env_value {
        return if is_executable(&p) {
            Ok(p)
        } else {
            Err(Error::new(format!(
                "{what}: {var}={} is not an executable file; {DEPS_HINT}, or fix {var}",
                p.display()
            )))
        };
    }
    defaults
        .iter()
        .find(|p| is_executable(p))
        .cloned()
        .ok_or_else(|| {
            let tried: Vec<String> = defaults.iter().map(|p| p.display().to_string()).collect();
            Error::new(format!(
                "{what} not found (looked at {}); {DEPS_HINT}, or set {var}",
                tried.join(", ")
            ))
        })
}

fn kube_apiserver_bin() -> Result<PathBuf, Error> {
    let var = "SAGEMAKER_TEST_KUBE_APISERVER";
    resolve_binary(
        "kube-apiserver",
        var,
        env_path(var),
        &[cache_dir().join("bin/kube-apiserver")],
    )
}

fn etcd_bin() -> Result<PathBuf, Error> {
    let var = "SAGEMAKER_TEST_ETCD";
    let mut defaults = vec![PathBuf::from("/usr/bin/etcd")];
    defaults.extend(search_path("etcd"));
    resolve_binary("etcd", var, env_path(var), &defaults)
}

fn python_bin() -> Result<PathBuf, Error> {
    let var = "SAGEMAKER_TEST_PYTHON";
    resolve_binary(
        "python with moto",
        var,
        env_path(var),
        &[cache_dir().join("venv/bin/python")],
    )
}

fn kubectl_bin() -> Result<PathBuf, Error> {
    let var = "SAGEMAKER_TEST_KUBECTL";
    let mut defaults: Vec<PathBuf> = search_path("kubectl").into_iter().collect();
    defaults.push(cache_dir().join("venv/bin/kubectl"));
    resolve_binary("kubectl", var, env_path(var), &defaults)
}

fn openssl_bin() -> Result<PathBuf, Error> {
    search_path("openssl").ok_or_else(|| Error::new(format!("openssl not found on PATH; {DEPS_HINT}")))
}

/// The python interpreter of the moto virtualenv (`SAGEMAKER_TEST_PYTHON` or the cached
/// venv), e.g. to run `tests/support/moto_smoke.py`.
pub fn python() -> Result<PathBuf, Error> {
    python_bin()
}

fn start_timeout() -> Duration {
    let secs = std::env::var("SAGEMAKER_TEST_START_TIMEOUT")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .unwrap_or(60.0);
    Duration::from_secs_f64(secs)
}

// ---------------------------------------------------------------------------------------
// Processes

/// A child process whose output goes to a log file.
struct Proc {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Proc {
    fn spawn(name: &'static str, mut cmd: Command, log: PathBuf) -> Result<Self, Error> {
        let out = File::create(&log).map_err(io_err(format!("create {}", log.display())))?;
        let err = out.try_clone().map_err(io_err("dup log file"))?;
        cmd.stdin(Stdio::null()).stdout(out).stderr(err);
        let child = cmd
            .spawn()
            .map_err(io_err(format!("spawn {name} ({:?})", cmd.get_program())))?;
        Ok(Self { name, child, log })
    }

    fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    fn log_tail(&self, lines: usize) -> String {
        log_tail(&self.log, lines)
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn exit_error(&self, status: ExitStatus) -> Error {
        Error::new(format!(
            "{} exited early ({status}); last lines of {}:\n{}",
            self.name,
            self.log.display(),
            self.log_tail(40)
        ))
    }
}

fn log_tail(path: &Path, lines: usize) -> String {
    let text = fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Kills `pids` and removes `dirs` once the current (test) process is gone, for the cases
/// where `Drop` never runs. Killed itself by the owner's `Drop`.
fn spawn_watchdog(pids: &[u32], dirs: &[&Path]) -> Option<Child> {
    let pids: Vec<String> = pids.iter().map(u32::to_string).collect();
    let dirs: Vec<String> = dirs
        .iter()
        .map(|d| format!("'{}'", d.display().to_string().replace('\'', "'\\''")))
        .collect();
    let rm = if dirs.is_empty() {
        String::new()
    } else {
        format!("; rm -rf {}", dirs.join(" "))
    };
    let script = format!(
        "while kill -0 {parent} 2>/dev/null; do sleep 1; done; kill -9 {pids} 2>/dev/null{rm}",
        parent = std::process::id(),
        pids = pids.join(" "),
    );
    Command::new("/bin/sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()
}

fn keep_requested(failed: bool) -> bool {
    match std::env::var("SAGEMAKER_TEST_KEEP") {
        Ok(v) if v == "always" => true,
        Ok(v) if !v.is_empty() && v != "0" => failed || std::thread::panicking(),
        _ => false,
    }
}

/// Temporary directories of one server, removed on drop unless kept.
struct Dirs {
    main: Option<TempDir>,
    extra: Vec<TempDir>,
}

impl Dirs {
    fn finish(&mut self, keep: bool, what: &str) {
        let all = self.main.take().into_iter().chain(self.extra.drain(..));
        for d in all {
            if keep {
                eprintln!(
                    "[sagemaker-testsupport] keeping {what} directory {}",
                    d.keep().display()
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Minimal HTTP over TCP (plain http only: etcd health, moto)

fn http(port: u16, method: &str, path: &str) -> std::io::Result<(u16, String)> {
    http_with(port, method, path, "")
}

/// One plain HTTP/1.1 request to 127.0.0.1: the status and the body.
pub fn http_with(port: u16, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    s.set_write_timeout(Some(Duration::from_secs(10)))?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse::<u16>().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad HTTP response: {text:.200}")))?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

fn tcp_open(port: u16) -> bool {
    TcpStream::connect_timeout(
        &SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        Duration::from_millis(500),
    )
    .is_ok()
}

/// Distinct free ports.
fn free_ports<const N: usize>() -> [u16; N] {
    let mut out = [0u16; N];
    let mut i = 0;
    while i < N {
        let p = free_port();
        if !out[..i].contains(&p) {
            out[i] = p;
            i += 1;
        }
    }
    out
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    if File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .is_err()
    {
        // Not secret, only unique: fall back to time and pid.
        let seed = format!("{:?}{}", Instant::now(), std::process::id());
        buf = seed.into_bytes();
        buf.truncate(bytes);
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn run_checked(mut cmd: Command, what: &str) -> Result<(), Error> {
    let out = cmd.output().map_err(io_err(format!("run {what}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Error::new(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )))
    }
}

// ---------------------------------------------------------------------------------------
// Kubernetes

/// The static users of every [`KubeApiServer`] besides the admin: `(user, token)`. They
/// are only in `system:authenticated`, so they can do nothing until a test binds roles.
/// The kubeconfig has a context of the same name for each (`kubectl --context alice`).
pub const STATIC_USERS: [(&str, &str); 2] = [("alice", "alice-token"), ("bob", "bob-token")];

/// etcd + kube-apiserver, private to one test. No kubelet, scheduler or controller-manager:
/// everything the API server does alone (CRDs, validation, RBAC, watches, finalizers,
/// server-side apply) is real; pods never run and namespaces are never emptied.
pub struct KubeApiServer {
    /// Kubeconfig with contexts `test` (current: the admin, in `system:masters`),
    /// `alice` and `bob` (see [`STATIC_USERS`]); the cluster CA is embedded.
    pub kubeconfig: PathBuf,
    /// `https://127.0.0.1:PORT`
    pub url: String,
    /// Bearer token of the admin user (`system:masters`).
    pub admin_token: String,
    dirs: Dirs,
    /// apiserver, then etcd.
    procs: Vec<Proc>,
    watchdog: Option<Child>,
    dir: PathBuf,
    failed: bool,
}

const OPENSSL_CNF: &str = "\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = sagemaker-test
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
[v3_server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
";

impl KubeApiServer {
    /// Starts etcd and kube-apiserver on free loopback ports and waits until `/readyz` is ok
    /// (up to `SAGEMAKER_TEST_START_TIMEOUT`, default 60 s).
    pub fn start() -> Result<Self, Error> {
        let mut last = None;
        for _ in 0..3 {
            match Self::try_start() {
                Ok(s) => return Ok(s),
                // Another process may have taken a port between free_port() and bind.
                Err(e) if e.message.contains("address already in use") => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.expect("three attempts"))
    }

    fn try_start() -> Result<Self, Error> {
        let apiserver = kube_apiserver_bin()?;
        let etcd = etcd_bin()?;
        let openssl = openssl_bin()?;
        let kubectl = kubectl_bin()?;

        let main = tempfile::Builder::new()
            .prefix("sagemaker-kube-")
            .tempdir()
            .map_err(io_err("create temporary directory"))?;
        let dir = main.path().to_path_buf();
        // etcd fsyncs a lot: on tmpfs that costs nothing.
        let etcd_parent = Path::new("/dev/shm");
        let etcd_dir = if etcd_parent.is_dir() {
            tempfile::Builder::new()
                .prefix("sagemaker-etcd-")
                .tempdir_in(etcd_parent)
                .ok()
        } else {
            None
        };
        let etcd_data = etcd_dir
            .as_ref()
            .map(|d| d.path().join("data"))
            .unwrap_or_else(|| dir.join("etcd"));

        let mut server = KubeApiServer {
            kubeconfig: dir.join("kubeconfig"),
            url: String::new(),
            admin_token: format!("admin-{}", random_hex(16)),
            dirs: Dirs {
                main: Some(main),
                extra: etcd_dir.into_iter().collect(),
            },
            procs: Vec::new(),
            watchdog: None,
            dir: dir.clone(),
            failed: true, // until ready
        };

        // Certificates: a CA, the serving certificate, the service-account key pair.
        let pki = dir.join("pki");
        fs::create_dir_all(&pki).map_err(io_err("create pki dir"))?;
        fs::write(pki.join("openssl.cnf"), OPENSSL_CNF).map_err(io_err("write openssl.cnf"))?;
        let ossl = |args: &[String]| {
            let mut c = Command::new(&openssl);
            c.current_dir(&pki).args(args);
            c
        };
        const EC: &str = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
        let words = |s: &str| -> Vec<String> { s.split_whitespace().map(str::to_string).collect() };
        run_checked(
            ossl(&words(&format!(
                "req -x509 -config openssl.cnf -extensions v3_ca {EC} -keyout ca.key -out ca.crt -days 3650 -subj /CN=sagemaker-test-ca"
            ))),
            "openssl (CA)",
        )?;
        run_checked(
            ossl(&words(&format!(
                "req -new -config openssl.cnf {EC} -keyout server.key -out server.csr -subj /CN=kube-apiserver"
            ))),
            "openssl (server key)",
        )?;
        run_checked(
            ossl(&words(
                "x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 3650 \
                 -extfile openssl.cnf -extensions v3_server",
            )),
            "openssl (server certificate)",
        )?;
        run_checked(
            ossl(&words("genrsa -out sa.key 2048")),
            "openssl (service-account key)",
        )?;
        run_checked(
            ossl(&words("rsa -in sa.key -pubout -out sa.pub")),
            "openssl (service-account public key)",
        )?;
        let ca_pem = fs::read(pki.join("ca.crt")).map_err(io_err("read ca.crt"))?;

        let mut tokens = format!("{},admin,admin-uid,\"system:masters\"\n", server.admin_token);
        for (user, token) in STATIC_USERS {
            tokens.push_str(&format!("{token},{user},{user}-uid\n"));
        }
        let tokens_file = dir.join("tokens.csv");
        fs::write(&tokens_file, tokens).map_err(io_err("write tokens.csv"))?;

        let [etcd_port, peer_port, secure_port] = free_ports::<3>();
        server.url = format!("https://127.0.0.1:{secure_port}");

        let mut kubeconfig = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: {}\n    certificate-authority-data: {}\nusers:\n- name: admin\n  user:\n    token: {}\n",
            server.url,
            base64(&ca_pem),
            server.admin_token
        );
        for (user, token) in STATIC_USERS {
            kubeconfig.push_str(&format!("- name: {user}\n  user:\n    token: {token}\n"));
        }
        kubeconfig.push_str("contexts:\n- name: test\n  context:\n    cluster: test\n    user: admin\n    namespace: default\n");
        for (user, _) in STATIC_USERS {
            kubeconfig.push_str(&format!(
                "- name: {user}\n  context:\n    cluster: test\n    user: {user}\n    namespace: default\n"
            ));
        }
        kubeconfig.push_str("current-context: test\n");
        fs::write(&server.kubeconfig, kubeconfig).map_err(io_err("write kubeconfig"))?;

        // etcd
        let etcd_url = format!("http://127.0.0.1:{etcd_port}");
        let peer_url = format!("http://127.0.0.1:{peer_port}");
        let mut cmd = Command::new(&etcd);
        cmd.current_dir(&dir)
            .arg("--name=test")
            .arg(format!("--data-dir={}", etcd_data.display()))
            .arg(format!("--listen-client-urls={etcd_url}"))
            .arg(format!("--advertise-client-urls={etcd_url}"))
            .arg(format!("--listen-peer-urls={peer_url}"))
            .arg(format!("--initial-advertise-peer-urls={peer_url}"))
            .arg(format!("--initial-cluster=test={peer_url}"))
            .arg("--log-level=warn")
            .env_remove("ETCDCTL_API");
        server.procs.push(Proc::spawn("etcd", cmd, dir.join("etcd.log"))?);
        server.arm_watchdog();

        let deadline = Instant::now() + start_timeout();
        loop {
            if let Some(status) = server.procs[0].exited() {
                return Err(server.procs[0].exit_error(status));
            }
            if tcp_open(etcd_port)
                && let Ok((200, body)) = http(etcd_port, "GET", "/health")
                && body.contains("true")
            {
                break;
            }
            if Instant::now() > deadline {
                return Err(Error::new(format!(
                    "etcd did not become healthy within {:?}; last lines of {}:\n{}",
                    start_timeout(),
                    server.procs[0].log.display(),
                    server.procs[0].log_tail(40)
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }

        // kube-apiserver
        let mut cmd = Command::new(&apiserver);
        cmd.current_dir(&dir).args([
            format!("--etcd-servers={etcd_url}"),
            "--bind-address=127.0.0.1".into(),
            "--advertise-address=127.0.0.1".into(),
            format!("--secure-port={secure_port}"),
            "--insecure-port=0".into(),
            format!("--cert-dir={}", dir.join("certs").display()),
            format!("--tls-cert-file={}", pki.join("server.crt").display()),
            format!("--tls-private-key-file={}", pki.join("server.key").display()),
            format!("--token-auth-file={}", tokens_file.display()),
            "--authorization-mode=RBAC".into(),
            "--service-account-issuer=https://kubernetes.default.svc".into(),
            format!("--service-account-key-file={}", pki.join("sa.pub").display()),
            format!(
                "--service-account-signing-key-file={}",
                pki.join("sa.key").display()
            ),
            "--service-cluster-ip-range=10.0.0.0/24".into(),
            "--disable-admission-plugins=ServiceAccount".into(),
            "--profiling=false".into(),
        ]);
        // The apiserver process comes first in `procs` from here on.
        let proc = Proc::spawn("kube-apiserver", cmd, dir.join("kube-apiserver.log"))?;
        server.procs.insert(0, proc);
        server.arm_watchdog();

        let mut last_probe = String::from("port not open yet");
        loop {
            for i in 0..server.procs.len() {
                if let Some(status) = server.procs[i].exited() {
                    return Err(server.procs[i].exit_error(status));
                }
            }
            if tcp_open(secure_port) {
                let out = Command::new(&kubectl)
                    .args(["get", "--raw", "/readyz"])
                    .env("KUBECONFIG", &server.kubeconfig)
                    .env("KUBECACHEDIR", dir.join("kube-cache"))
                    .stdin(Stdio::null())
                    .output()
                    .map_err(io_err(format!("run {}", kubectl.display())))?;
                let text = format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                if out.status.success() && text.trim() == "ok" {
                    // The `default` namespace is made by a controller /readyz does not wait for.
                    let ns = Command::new(&kubectl)
                        .args(["get", "--raw", "/api/v1/namespaces/default"])
                        .env("KUBECONFIG", &server.kubeconfig)
                        .env("KUBECACHEDIR", dir.join("kube-cache"))
                        .stdin(Stdio::null())
                        .output()
                        .map_err(io_err(format!("run {}", kubectl.display())))?;
                    if ns.status.success() {
                        break;
                    }
                    last_probe = format!("/readyz ok, but {}", String::from_utf8_lossy(&ns.stderr).trim());
                } else {
                    last_probe = text.trim().chars().take(2000).collect();
                }
            }
            if Instant::now() > deadline {
                return Err(Error::new(format!(
                    "kube-apiserver did not become ready within {:?} (last /readyz probe: {last_probe}); \
                     set SAGEMAKER_TEST_KEEP=1 to keep {}; last lines of {}:\n{}",
                    start_timeout(),
                    dir.display(),
                    server.procs[0].log.display(),
                    server.procs[0].log_tail(40)
                )));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        server.failed = false;
        Ok(server)
    }

    fn arm_watchdog(&mut self) {
        if let Some(mut w) = self.watchdog.take() {
            let _ = w.kill();
            let _ = w.wait();
        }
        let pids: Vec<u32> = self.procs.iter().map(|p| p.child.id()).collect();
        let mut dirs: Vec<&Path> = self.dirs.extra.iter().map(|d| d.path()).collect();
        if !keep_requested(true) {
            dirs.extend(self.dirs.main.as_ref().map(|d| d.path()));
        }
        self.watchdog = spawn_watchdog(&pids, &dirs);
    }

    /// `kubectl` talking to this server as the admin (context `test`), ready to take args.
    ///
    /// The kubeconfig is passed as `KUBECONFIG` rather than `--kubeconfig`: kubectl refuses
    /// flags before a plugin name, and this way `kubectl sagemaker ...` works too (the
    /// plugin inherits `KUBECONFIG`). Discovery is cached in the server's own directory.
    /// Use `--context alice` / `--context bob` to act as the unprivileged users.
    pub fn kubectl(&self) -> Command {
        let bin = kubectl_bin().unwrap_or_else(|_| PathBuf::from("kubectl"));
        let mut cmd = Command::new(bin);
        cmd.env("KUBECONFIG", &self.kubeconfig)
            .env("KUBECACHEDIR", self.dir.join("kube-cache"));
        cmd
    }

    /// The server's temporary directory (logs: `etcd.log`, `kube-apiserver.log`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Kubeconfig user token of a static user (`"alice"`, `"bob"`) or `"admin"`.
    pub fn token(&self, user: &str) -> Option<String> {
        if user == "admin" {
            return Some(self.admin_token.clone());
        }
        STATIC_USERS
            .iter()
            .find(|(u, _)| *u == user)
            .map(|(_, t)| t.to_string())
    }

    /// Writes a kubeconfig for `user` (`"admin"`, `"alice"`, `"bob"`) only, with that user's
    /// context current, and returns its path. Handy for programs that ignore `--context`.
    pub fn kubeconfig_for(&self, user: &str) -> Result<PathBuf, Error> {
        let token = self
            .token(user)
            .ok_or_else(|| Error::new(format!("unknown test user {user}")))?;
        self.kubeconfig_with(user, &format!("token: {token}"), "default")
    }

    /// Writes a kubeconfig for this server whose only user and context are
    /// `name`, logging in with `credentials` (the YAML under a kubeconfig
    /// user's `user:`, e.g. `token: T` or an `exec:` block), in `namespace`;
    /// returns its path.
    pub fn kubeconfig_with(&self, name: &str, credentials: &str, namespace: &str) -> Result<PathBuf, Error> {
        let text = fs::read_to_string(&self.kubeconfig).map_err(io_err("read kubeconfig"))?;
        let (clusters, _) = text
            .split_once("users:\n")
            .ok_or_else(|| Error::new("malformed kubeconfig"))?;
        let credentials: String = credentials.lines().map(|l| format!("    {l}\n")).collect();
        let out = format!(
            "{clusters}users:\n- name: {name}\n  user:\n{credentials}contexts:\n- name: {name}\n  context:\n    cluster: test\n    user: {name}\n    namespace: {namespace}\ncurrent-context: {name}\n"
        );
        let path = self.dir.join(format!("kubeconfig-{name}"));
        fs::write(&path, out).map_err(io_err("write kubeconfig"))?;
        Ok(path)
    }
}

impl Drop for KubeApiServer {
    fn drop(&mut self) {
        for p in &mut self.procs {
            p.kill();
        }
        if let Some(mut w) = self.watchdog.take() {
            let _ = w.kill();
            let _ = w.wait();
        }
        let keep = keep_requested(self.failed);
        self.dirs.finish(keep, "kube-apiserver");
    }
}

// ---------------------------------------------------------------------------------------
// moto

/// moto's server with the SageMaker simulation of `tests/support/moto_sagemaker.py`.
/// One endpoint serves every AWS service (SageMaker, STS, Application Auto Scaling,
/// CloudWatch Logs...); use any static credentials, region e.g. `us-east-1`.
pub struct Moto {
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
    port: u16,
    step_seconds: f64,
    dirs: Dirs,
    proc: Option<Proc>,
    watchdog: Option<Child>,
    failed: bool,
}

impl Moto {
    /// Starts moto with the default simulation step of 1 s (`SIM_STEP_SECONDS`).
    pub fn start() -> Result<Self, Error> {
        Self::start_with_step(1.0)
    }

    /// Starts moto; simulated jobs move one phase every `step_seconds` (a training job
    /// completes after 5 steps, see `tests/support/moto_sagemaker.py`).
    pub fn start_with_step(step_seconds: f64) -> Result<Self, Error> {
        let mut last = None;
        for _ in 0..3 {
            match Self::try_start(step_seconds) {
                Ok(m) => return Ok(m),
                Err(e)
                    if e.message.contains("Address already in use")
                        || e.message.contains("address already in use") =>
                {
                    last = Some(e)
                }
                Err(e) => return Err(e),
            }
        }
        Err(last.expect("three attempts"))
    }

    fn try_start(step_seconds: f64) -> Result<Self, Error> {
        if !(step_seconds > 0.0 && step_seconds.is_finite()) {
            return Err(Error::new(format!(
                "step_seconds must be > 0, got {step_seconds}"
            )));
        }
        let python = python_bin()?;
        let script = repo_root().join("tests/support/moto_sagemaker.py");
        let main = tempfile::Builder::new()
            .prefix("sagemaker-moto-")
            .tempdir()
            .map_err(io_err("create temporary directory"))?;
        let dir = main.path().to_path_buf();
        let port = free_port();
        let mut moto = Moto {
            endpoint: format!("http://127.0.0.1:{port}"),
            port,
            step_seconds,
            dirs: Dirs {
                main: Some(main),
                extra: Vec::new(),
            },
            proc: None,
            watchdog: None,
            failed: true,
        };
        let mut cmd = Command::new(&python);
        cmd.current_dir(&dir)
            .arg(&script)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("SIM_STEP_SECONDS", step_seconds.to_string())
            .env("PYTHONUNBUFFERED", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1");
        let proc = Proc::spawn("moto", cmd, dir.join("moto.log"))?;
        let mut dirs: Vec<&Path> = Vec::new();
        if !keep_requested(true) {
            dirs.push(&dir);
        }
        moto.watchdog = spawn_watchdog(&[proc.child.id()], &dirs);
        moto.proc = Some(proc);

        let deadline = Instant::now() + start_timeout();
        loop {
            let proc = moto.proc.as_mut().expect("spawned");
            if let Some(status) = proc.exited() {
                return Err(proc.exit_error(status));
            }
            if tcp_open(port) && matches!(http(port, "GET", "/moto-api/"), Ok((200, _))) {
                break;
            }
            if Instant::now() > deadline {
                return Err(Error::new(format!(
                    "moto did not answer on port {port} within {:?}; last lines of {}:\n{}",
                    start_timeout(),
                    proc.log.display(),
                    proc.log_tail(40)
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        moto.failed = false;
        Ok(moto)
    }

    /// Wipes all state (every account and region, and issued STS credentials).
    /// Panics if moto does not answer.
    pub fn reset(&self) {
        match http(self.port, "POST", "/moto-api/reset") {
            Ok((200, _)) => {}
            other => panic!("POST {}/moto-api/reset failed: {other:?}", self.endpoint),
        }
    }

    /// The simulation step in seconds.
    pub fn step_seconds(&self) -> f64 {
        self.step_seconds
    }

    /// Path of moto's log file.
    pub fn log_path(&self) -> PathBuf {
        self.proc.as_ref().map(|p| p.log.clone()).unwrap_or_default()
    }

    /// Environment for an AWS client/program pointed at this moto (default account
    /// 123456789012, region us-east-1, static test credentials).
    pub fn aws_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_DEFAULT_REGION", "us-east-1".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        if let Some(p) = &mut self.proc {
            p.kill();
        }
        if let Some(mut w) = self.watchdog.take() {
            let _ = w.kill();
            let _ = w.wait();
        }
        let keep = keep_requested(self.failed);
        self.dirs.finish(keep, "moto");
    }
}

/// A binary of this workspace (`sagemaker-agent`, `kubectl-sagemaker`), from
/// the same target directory as the running test. The test command builds
/// them first (`cargo build --workspace --bins`).
pub fn workspace_binary(name: &str) -> Result<PathBuf, Error> {
    let exe = std::env::current_exe().map_err(|e| Error::new(format!("current_exe: {e}")))?;
    // target/<profile>/deps/<test> -> target/<profile>/<name>
    let dir = exe.parent().and_then(Path::parent).ok_or_else(|| Error::new("unexpected test binary location"))?;
    let path = dir.join(name);
    if !path.exists() {
        return Err(Error::new(format!(
            "{} is missing: build it first with `cargo build --workspace --bins` (scripts/test.sh does)",
            path.display()
        )));
    }
    Ok(path)
}

/// A CA and a certificate it signed for `localhost` and 127.0.0.1, made with
/// openssl, for TLS tests: `(ca.pem, cert.pem, key.pem)` in `dir`.
pub fn tls_files(dir: &Path) -> Result<(PathBuf, PathBuf, PathBuf), Error> {
    let (ca, ca_key) = (dir.join("ca.pem"), dir.join("ca-key.pem"));
    let (cert, key, csr, ext) = (dir.join("cert.pem"), dir.join("key.pem"), dir.join("cert.csr"), dir.join("ext.cnf"));
    let p = |p: &PathBuf| p.display().to_string();
    let openssl = openssl_bin()?;
    let mut cmd = Command::new(&openssl);
    cmd.args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"])
        .args(["-subj", "/CN=test-ca", "-keyout", &p(&ca_key), "-out", &p(&ca)]);
    run_checked(cmd, "openssl: CA")?;
    let mut cmd = Command::new(&openssl);
    cmd.args(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"])
        .args(["-subj", "/CN=localhost", "-keyout", &p(&key), "-out", &p(&csr)]);
    run_checked(cmd, "openssl: key")?;
    std::fs::write(&ext, "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
        .map_err(io_err(ext.display()))?;
    let mut cmd = Command::new(&openssl);
    cmd.args(["x509", "-req", "-days", "2", "-in", &p(&csr), "-CA", &p(&ca), "-CAkey", &p(&ca_key)])
        .args(["-CAcreateserial", "-extfile", &p(&ext), "-out", &p(&cert)]);
    run_checked(cmd, "openssl: sign")?;
    Ok((ca, cert, key))
}

/// A running `sagemaker-agent`, stopped on drop.
pub struct AgentProcess {
    /// `http://127.0.0.1:PORT`, for `--agent`.
    pub url: String,
    /// The port of /metrics, /healthz and /readyz, when started with
    /// `--metrics-addr`.
    pub metrics_port: Option<u16>,
    child: std::process::Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl AgentProcess {
    /// Starts the agent with `args` (plus `--listen 127.0.0.1:0`) and `env`,
    /// and waits until it listens.
    pub fn start(args: &[&str], env: &[(&str, String)]) -> Result<Self, Error> {
        Self::start_on("127.0.0.1:0", args, env)
    }

    /// Like [`AgentProcess::start`], listening on `listen`; `url` then names
    /// the port on 127.0.0.1 (`https://` when `args` has `--tls-cert`).
    pub fn start_on(listen: &str, args: &[&str], env: &[(&str, String)]) -> Result<Self, Error> {
        use std::io::BufRead;
        let bin = workspace_binary("sagemaker-agent")?;
        let dir = tempfile::tempdir().map_err(|e| Error::new(format!("tempdir: {e}")))?;
        let log = dir.path().join("agent.log");
        let log_file = std::fs::File::create(&log).map_err(|e| Error::new(format!("{}: {e}", log.display())))?;
        let mut cmd = Command::new(bin);
        cmd.args(args).args(["--listen", listen]).stdout(Stdio::piped()).stderr(log_file);
        cmd.env("SAGEMAKER_AGENT_LOG", "info,sagemaker_agent=debug");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().map_err(|e| Error::new(format!("spawn sagemaker-agent: {e}")))?;
        let stdout = child.stdout.take().ok_or_else(|| Error::new("no agent stdout"))?;
        // the metrics address (if served) comes first, then the gRPC one
        let mut stdout = std::io::BufReader::new(stdout);
        let mut line = String::new();
        let mut metrics_port = None;
        loop {
            line.clear();
            stdout.read_line(&mut line).map_err(|e| Error::new(format!("read agent stdout: {e}")))?;
            match line.trim().strip_prefix("metrics on http://") {
                Some(addr) => metrics_port = addr.rsplit(':').next().and_then(|p| p.parse().ok()),
                None => break,
            }
        }
        let Some(addr) = line.trim().strip_prefix("listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(Error::new(format!("sagemaker-agent did not start:\n{text}")));
        };
        let port = addr.rsplit(':').next().unwrap_or_default();
        let scheme = if args.contains(&"--tls-cert") { "https" } else { "http" };
        Ok(AgentProcess { url: format!("{scheme}://127.0.0.1:{port}"), metrics_port, child, log, _dir: dir })
    }

    /// A request to the agent's metrics and health port: status and body.
    pub fn http(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        let port = self.metrics_port.expect("the agent was started with --metrics-addr");
        http_with(port, method, path, body).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// The agent's log so far (for assertion messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Kills the agent abruptly in place (as a crash would), to be replaced.
    /// What it logged.
    pub fn crash(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.log()
    }

    /// Kills the agent abruptly, as a crash or a node loss would.
    pub fn kill(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.log()
    }
}

impl Drop for AgentProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn base64_matches_known_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn missing_binary_error_says_to_run_test_deps() {
        let e = resolve_binary(
            "etcd",
            "SAGEMAKER_TEST_ETCD",
            None,
            &[PathBuf::from("/nonexistent/etcd")],
        )
        .unwrap_err();
        assert!(e.to_string().contains("scripts/test-deps.sh"), "{e}");
        let e =
            resolve_binary("etcd", "SAGEMAKER_TEST_ETCD", Some("/nonexistent/x".into()), &[]).unwrap_err();
        assert!(
            e.to_string().contains("scripts/test-deps.sh") && e.to_string().contains("SAGEMAKER_TEST_ETCD"),
            "{e}"
        );
    }

    #[test]
    fn free_ports_are_distinct() {
        let [a, b, c] = free_ports::<3>();
        assert!(a != b && b != c && a != c);
    }

    #[test]
    fn repo_root_holds_the_workspace_manifest() {
        assert!(repo_root().join("Cargo.toml").is_file());
        assert!(repo_root().join("tests/support/moto_sagemaker.py").is_file());
    }
}
