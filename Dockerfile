# The agent's image: one static binary (musl) on an empty base, run as a
# non-root user. Build from the repository root:
#   docker build -t sagemaker-agent .
FROM rust:1.89-alpine AS build
# aws-lc (rustls' crypto) builds C with cmake; protos compile in Rust (protox)
RUN apk add --no-cache musl-dev cmake make perl clang ca-certificates
WORKDIR /src
COPY . .
RUN cargo build --locked --release -p sagemaker-agent --bin sagemaker-agent

FROM scratch
# TLS roots for AWS and the API server
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /src/target/release/sagemaker-agent /sagemaker-agent
USER 65532:65532
ENTRYPOINT ["/sagemaker-agent"]
