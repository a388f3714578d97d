package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sundflow/sundflow/pkg/auth"
)

// hashTokenCmd prints the token_sha256 for the tokens file. The token is
// read from standard input, not from the command line, so it stays out
// of shell history and the process list.
type hashTokenCmd struct {
	Generate bool `help:"Make a new random token and print it with its hash (the token is shown only this once)."`
}

func (c *hashTokenCmd) Run() error {
	return c.run(os.Stdin, os.Stdout)
}

func (c *hashTokenCmd) run(in io.Reader, out io.Writer) error {
	if c.Generate {
		tok, err := auth.GenerateToken()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "token: %s\ntoken_sha256: %s\n", tok, auth.HashToken(tok))
		return err
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read token from stdin: %w", err)
	}
	tok := strings.TrimSpace(line)
	if tok == "" {
		return errors.New("no token on stdin: run `printf %s \"$TOKEN\" | ingest hash-token`, or `ingest hash-token --generate` for a new one")
	}
	_, err = fmt.Fprintln(out, auth.HashToken(tok))
	return err
}
