package bus

import (
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ServerConfig configures the embedded nats-server.
type ServerConfig struct {
	// StoreDir is where JetStream keeps its files. Default ./var/nats.
	StoreDir string
	// Host to listen on. Default 127.0.0.1.
	Host string
	// Port to listen on; -1 picks a free one. Default 4222.
	Port int
	// StartTimeout bounds the wait for the server to accept clients. Default 10s.
	StartTimeout time.Duration
}

func (c *ServerConfig) setDefaults() {
	if c.StoreDir == "" {
		c.StoreDir = "var/nats"
	}
	if c.Host == "" {
		c.Host = "127.0.0.1"
	}
	if c.Port == 0 {
		c.Port = 4222
	}
	if c.StartTimeout == 0 {
		c.StartTimeout = 10 * time.Second
	}
}

// StartServer runs a nats-server with JetStream in this process. Stop it
// with Shutdown and WaitForShutdown; ClientURL tells clients where it is.
func StartServer(cfg ServerConfig) (*server.Server, error) {
	cfg.setDefaults()
	ns, err := server.NewServer(&server.Options{
		ServerName: "sundflow-embedded",
		Host:       cfg.Host,
		Port:       cfg.Port,
		JetStream:  true,
		StoreDir:   cfg.StoreDir,
		NoSigs:     true,
		NoLog:      true,
	})
	if err != nil {
		return nil, fmt.Errorf("configure embedded nats-server: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(cfg.StartTimeout) {
		ns.Shutdown()
		return nil, fmt.Errorf("embedded nats-server on %s:%d not ready after %s", cfg.Host, cfg.Port, cfg.StartTimeout)
	}
	return ns, nil
}
