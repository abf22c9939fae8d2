package bench_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
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
// serves before it sends itself a SIGTERM.
const replicaLifeEnv = "HALOBRIDGE_BENCH_TEST_REPLICA_LIFE"

func TestMain(m *testing.M) {
	if os.Getenv(replicaEnv) != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		if life, err := time.ParseDuration(os.Getenv(replicaLifeEnv)); err == nil {
			time.AfterFunc(life, func() { syscall.Kill(os.Getpid(), syscall.SIGTERM) })
		}
		code := cli.Main(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
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
