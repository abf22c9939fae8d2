package bench_test

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"halobridge/internal/cli"
)

// replicaEnv, when set, makes the test binary halobridge itself: the
// replicas test runs it as its 'serve' processes.
const replicaEnv = "HALOBRIDGE_BENCH_TEST_REPLICA"

func TestMain(m *testing.M) {
	if os.Getenv(replicaEnv) != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli.Main(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}
