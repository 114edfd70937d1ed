package pgcluster

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
)

const supported = true

// sysProcAttr is how every PostgreSQL program is started: in its own
// process group (a Ctrl-C at localyun's terminal does not reach it; the
// Manager decides how it stops), as the run-as user when cred is set (the
// supplementary groups are cleared), and with a parent-death signal, so it
// does not outlive the thread that started it: the Manager's spawner
// thread, which lives as long as the process or the Manager. Go sets the
// signal after the credentials change, which would otherwise clear it.
func sysProcAttr(cred *syscall.Credential, deathSig syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Setpgid:    true,
		Credential: cred,
		Pdeathsig:  deathSig,
	}
}

// procCwd returns the working directory of a process, or "" when it has
// gone or may not be inspected.
func procCwd(pid int) string {
	cwd, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/cwd")
	if err != nil {
		return ""
	}
	return cwd
}

// alive reports whether pid names a process that has not exited (a zombie
// has exited, though its parent has not yet reaped it).
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) state ...: comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return true
	}
	return stat[i+2] != 'Z' && stat[i+2] != 'X'
}

// procsInDir lists the live processes whose working directory is dir:
// every process of a postmaster runs in its data directory.
func procsInDir(dir string) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		if cwd := procCwd(pid); cwd == dir && alive(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// procUID returns the real user id of a process, or -1.
func procUID(pid int) int {
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return -1
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				if uid, err := strconv.Atoi(f[0]); err == nil {
					return uid
				}
			}
		}
	}
	return -1
}
