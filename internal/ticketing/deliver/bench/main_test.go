package bench_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"

	"halobridge/internal/cli"
)

// replicaEnv, when set, makes the test binary halobridge itself: the
// replicas test runs it as its 'serve' processes.
const replicaEnv = "HALOBRIDGE_BENCH_TEST_REPLICA"

// childEnv, when set, makes the test binary a replica that misbehaves as
// it says, for the process tests (process_test.go): "fail" ends at once
// with an error, "serve" says it serves on the address in
// HALOBRIDGE_BENCH_TEST_LISTEN and stops on SIGTERM, "stubborn" does the
// same but ignores SIGTERM.
const childEnv = "HALOBRIDGE_BENCH_TEST_CHILD"

// replicaLifeEnv, when set with replicaEnv, is how long the replica
// serves, from when it says it serves, before it sends itself a SIGTERM.
const replicaLifeEnv = "HALOBRIDGE_BENCH_TEST_REPLICA_LIFE"

func TestMain(m *testing.M) {
	if os.Getenv(replicaEnv) != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		stderr := &servingWriter{w: os.Stderr}
		if life, err := time.ParseDuration(os.Getenv(replicaLifeEnv)); err == nil {
			// Counted from serving, however long a loaded machine takes to start it.
			stderr.serving = func() { time.AfterFunc(life, func() { syscall.Kill(os.Getpid(), syscall.SIGTERM) }) }
		}
		code := cli.Main(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: stderr, Getenv: os.Getenv})
		stop()
		os.Exit(code)
	}
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(runChild(mode))
	}
	os.Exit(m.Run())
}

// runChild misbehaves as mode says and gives up after a minute.
func runChild(mode string) int {
	if mode == "fail" {
		fmt.Fprintln(os.Stderr, "halobridge: open database: the database refused the connection")
		return 3
	}
	term := make(chan os.Signal, 1)
	if mode == "stubborn" {
		signal.Ignore(syscall.SIGTERM)
	} else {
		signal.Notify(term, syscall.SIGTERM)
	}
	// Split across writes, as a pipe may deliver it.
	line := `{"level":"INFO","msg":"halobridge is serving","listen":"` + os.Getenv("HALOBRIDGE_BENCH_TEST_LISTEN") + `"}` + "\n"
	os.Stderr.WriteString(line[:10])
	os.Stderr.WriteString(line[10:])
	select {
	case <-term:
		return 0
	case <-time.After(time.Minute):
		return 4
	}
}

// servingWriter passes on what a replica writes and calls serving, once,
// when the replica says it serves.
type servingWriter struct {
	w       io.Writer
	serving func()
	once    sync.Once
}

func (s *servingWriter) Write(p []byte) (int, error) {
	if s.serving != nil && bytes.Contains(p, []byte("halobridge is serving")) {
		s.once.Do(s.serving)
	}
	return s.w.Write(p)
}
