package bus

import (
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
)

// Drain flushes what the connection still has to send and closes it,
// waiting at most timeout.
func Drain(nc *nats.Conn, timeout time.Duration) error {
	closed := make(chan struct{})
	nc.SetClosedHandler(func(*nats.Conn) { close(closed) })
	if err := nc.Drain(); err != nil {
		nc.Close()
		return fmt.Errorf("drain nats connection: %w", err)
	}
	select {
	case <-closed:
		return nil
	case <-time.After(timeout):
		nc.Close()
		return fmt.Errorf("drain nats connection: not done after %s", timeout)
	}
}
