// Package proc starts, stops and kills the project's binaries and the
// Temporal dev server as child processes, for the demo, the end-to-end tests
// and the chaos run. Each child runs in its own process group so that
// stopping it also stops what it started, and nothing is left behind.
package proc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Proc is a running child process.
type Proc struct {
	Name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// Spec describes a process to start.
type Spec struct {
	Name string
	Path string
	Args []string
	// Env is added to the parent's environment.
	Env []string
	// Output receives stdout and stderr; nil discards them.
	Output io.Writer
	Dir    string
}

// Start starts the process in its own process group.
func Start(s Spec) (*Proc, error) {
	cmd := exec.Command(s.Path, s.Args...)
	cmd.Env = append(os.Environ(), s.Env...)
	cmd.Dir = s.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if s.Output != nil {
		cmd.Stdout, cmd.Stderr = s.Output, s.Output
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", s.Name, err)
	}
	p := &Proc{Name: s.Name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Pid is the process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// ExitCode is the exit code once the process has exited (-1 if signalled).
func (p *Proc) ExitCode() int {
	<-p.done
	return p.cmd.ProcessState.ExitCode()
}

// Stop sends SIGTERM to the group and waits up to grace before SIGKILL.
func (p *Proc) Stop(grace time.Duration) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	_ = syscall.Kill(-p.Pid(), syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(grace):
		p.Kill()
		return fmt.Errorf("%s did not stop within %s; killed", p.Name, grace)
	}
}

// Kill sends SIGKILL to the group and waits for the exit.
func (p *Proc) Kill() {
	_ = syscall.Kill(-p.Pid(), syscall.SIGKILL)
	<-p.done
}

// Group stops every process it holds, last started first.
type Group struct {
	mu    sync.Mutex
	procs []*Proc
}

// Add starts a process and remembers it.
func (g *Group) Add(s Spec) (*Proc, error) {
	p, err := Start(s)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	g.procs = append(g.procs, p)
	g.mu.Unlock()
	return p, nil
}

// StopAll stops every process, newest first.
func (g *Group) StopAll(grace time.Duration) {
	g.mu.Lock()
	procs := g.procs
	g.procs = nil
	g.mu.Unlock()
	for i := len(procs) - 1; i >= 0; i-- {
		_ = procs[i].Stop(grace)
	}
}

// FreePort returns a free TCP port on loopback.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// WaitHTTP polls url until it answers 200 or ctx ends; done (optional)
// aborts the wait when the process behind it exits.
func WaitHTTP(ctx context.Context, url string, done <-chan struct{}) error {
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", url, ctx.Err())
		case <-done:
			return errors.New("the process exited before " + url + " answered")
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// WaitTCP polls addr until it accepts connections or ctx ends.
func WaitTCP(ctx context.Context, addr string, done <-chan struct{}) error {
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", addr, ctx.Err())
		case <-done:
			return errors.New("the process exited before " + addr + " accepted connections")
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Build compiles the module's packages (e.g. "./cmd/hightouch-worker") into dir, naming
// each binary after the key of bins, and returns their paths.
func Build(ctx context.Context, moduleDir, dir string, bins map[string]string) (map[string]string, error) {
	return BuildTagged(ctx, moduleDir, dir, nil, bins)
}

// BuildTagged is Build with build tags.
func BuildTagged(ctx context.Context, moduleDir, dir string, tags []string, bins map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for name, pkg := range bins {
		path := filepath.Join(dir, name)
		args := []string{"build", "-o", path}
		if len(tags) > 0 {
			args = append(args, "-tags", strings.Join(tags, ","))
		}
		cmd := exec.CommandContext(ctx, "go", append(args, pkg)...)
		cmd.Dir = moduleDir
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("building %s: %v\n%s", pkg, err, strings.TrimSpace(string(b)))
		}
		out[name] = path
	}
	return out, nil
}

// ModuleDir returns the root of the Go module containing the working
// directory.
func ModuleDir() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the hightouch-temporal module")
	}
	return filepath.Dir(mod), nil
}

// FreePorts returns n distinct free TCP ports on loopback.
func FreePorts(n int) ([]int, error) {
	seen := map[int]bool{}
	var out []int
	for tries := 0; len(out) < n; tries++ {
		if tries > 100+n {
			return nil, errors.New("could not find enough distinct free ports on loopback")
		}
		p, err := FreePort()
		if err != nil {
			return nil, err
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}
