package stack

import "syscall"

// sysProcAttr puts a child in its own process group (a terminal's Ctrl-C
// reaches only the parent, which stops the children in order) and has
// the kernel kill it if the parent dies without stopping it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
