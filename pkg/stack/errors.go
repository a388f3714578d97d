package stack

import "errors"

// ErrNotRunning is returned by [Proc.Stop] and [Proc.Kill] on a process
// that has already ended.
var ErrNotRunning = errors.New("process not running")

// ErrExited is matched when a process ended before it was ready.
var ErrExited = errors.New("process exited")

// ErrNoModule is returned by [ModuleRoot] outside the sundflow module.
var ErrNoModule = errors.New("not inside the sundflow module (no go.mod naming github.com/sundflow/sundflow above the working directory)")
