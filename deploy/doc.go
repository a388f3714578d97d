// Package deploy holds no code: it is the configuration that runs sundflow
// beyond `make run` — deploy/nats (a single server, the three-node
// JetStream cluster, per-source users, a job centre's leaf node),
// deploy/clickhouse (the evaluator user; the cluster schema generated from
// the projector's migrations, Keeper), deploy/docker (a Dockerfile per
// program), compose.yaml, the Kubernetes manifests (kustomization.yaml over
// deploy/k8s), deploy/prometheus and deploy/grafana. Its tests parse every
// file with the parser its server uses and check that they agree with each
// other and with the programs' flags and ports.
package deploy
