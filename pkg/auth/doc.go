// Package auth decides who may send events into sundflow. Each source
// system gets a bearer token; the token file holds only its SHA-256 hash
// with the source prefixes and event types it may send. The ingest
// gateway asks [Keyring.Authenticate] for every request and
// [Client.Allow] for every event, before anything reaches JetStream. The
// file is re-read on SIGHUP and when it changes, so revoking a token is
// editing one file.
package auth
