package chserver

import "errors"

// ErrBinaryNotFound is returned by [Start] when no clickhouse-server
// executable is installed; `make deps` installs Debian's package.
var ErrBinaryNotFound = errors.New("clickhouse-server not found (run `make deps` to install it)")

// ErrExited is matched when the server process ended before it answered.
var ErrExited = errors.New("clickhouse-server exited")

// ErrNotRunning is returned by [Server.Stop] and [Server.Kill] on a
// server that is not running.
var ErrNotRunning = errors.New("clickhouse-server not running")
