package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// replica is one 'halobridge serve' process of the benchmark, its output
// kept in a log file.
type replica struct {
	name    string
	logPath string
	cmd     *exec.Cmd
	// listening hears the address the replica said it serves on.
	listening chan string
	url       string
	// exited is closed once the process ended (cmd.ProcessState says how).
	exited chan struct{}
}

// startReplica starts program with args and env in dir, its output going
// to logPath. The process is killed should this one die first (on
// systems that allow it).
func startReplica(name, program string, args, env []string, dir, logPath string) (*replica, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	r := &replica{name: name, logPath: logPath, listening: make(chan string, 1), exited: make(chan struct{})}
	r.cmd = exec.Command(program, args...)
	r.cmd.Dir, r.cmd.Env, r.cmd.Stdout = dir, env, f
	r.cmd.Stderr = &lineWriter{to: f, line: func(line []byte) {
		if addr := servingAddr(line); addr != "" {
			select {
			case r.listening <- addr:
			default:
			}
		}
	}}
	dieWithParent(r.cmd)
	if err := r.cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s (%s): %w", name, program, err)
	}
	go func() {
		r.cmd.Wait()
		f.Close()
		close(r.exited)
	}()
	return r, nil
}

// servingLog is the line serve logs once it listens.
const servingLog = "halobridge is serving"

// servingAddr is the address a JSON log line of serve says it listens on,
// or "" for any other line.
func servingAddr(line []byte) string {
	var entry struct {
		Msg    string `json:"msg"`
		Listen string `json:"listen"`
	}
	if json.Unmarshal(line, &entry) != nil || entry.Msg != servingLog {
		return ""
	}
	return entry.Listen
}

// ready waits until the replica listens and its database answers.
func (r *replica) ready(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return fmt.Errorf("%s did not say it was serving: %w", r.name, ctx.Err())
	case <-r.exited:
		return fmt.Errorf("%s ended before serving (%s)", r.name, r.cmd.ProcessState)
	case addr := <-r.listening:
		r.url = "http://" + addr
	}
	for {
		err := r.answers(ctx, "/readyz")
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s is not ready (%v): %w", r.name, err, ctx.Err())
		case <-r.exited:
			return fmt.Errorf("%s ended before it was ready (%s)", r.name, r.cmd.ProcessState)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// answers says why GET path of the replica did not answer 200, if it did not.
func (r *replica) answers(ctx context.Context, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s answered %s", path, resp.Status)
	}
	return nil
}

// stop asks the replica to stop with SIGTERM and kills it when it has not
// within grace. It returns the exit code: -1 when it had to be killed.
func (r *replica) stop(grace time.Duration) int {
	select {
	case <-r.exited:
		return r.cmd.ProcessState.ExitCode()
	default:
	}
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err == nil {
		select {
		case <-r.exited:
			return r.cmd.ProcessState.ExitCode()
		case <-time.After(grace):
		}
	}
	r.cmd.Process.Kill()
	<-r.exited
	return -1
}

// ended says, once the replica ended, that it did, how, and what it said
// last; nil while it runs.
func (r *replica) ended() error {
	select {
	case <-r.exited:
		return fmt.Errorf("%s ended during the run (%s); its last words:\n%s", r.name, r.cmd.ProcessState, r.logTail(5))
	default:
		return nil
	}
}

// unwell says what is wrong with a replica that ended or no longer
// answers; nil while it answers.
func (r *replica) unwell() error {
	if err := r.ended(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := r.answers(ctx, "/healthz")
	if err == nil {
		return nil
	}
	// A replica that stopped answering is most likely on its way out.
	select {
	case <-r.exited:
		return r.ended()
	case <-time.After(stopGrace):
		return fmt.Errorf("%s stopped answering (%v); its last words:\n%s", r.name, err, r.logTail(5))
	}
}

// logTail is the last n lines of the replica's log, for an error message.
func (r *replica) logTail(n int) string {
	raw, err := os.ReadFile(r.logPath)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}

// lineWriter writes to to, and hands each complete line to line.
type lineWriter struct {
	to      *os.File
	line    func([]byte)
	partial []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	n, err := w.to.Write(p)
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.line(w.partial[:i])
		w.partial = w.partial[i+1:]
	}
	// Serve's log lines are short; a line without an end is not one of them.
	if len(w.partial) > 64<<10 {
		w.partial = nil
	}
	return n, err
}
