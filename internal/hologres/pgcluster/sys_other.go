//go:build !linux

package pgcluster

import "syscall"

// The Manager needs Linux: the parent-death signal and /proc.
const supported = false

func sysProcAttr(cred *syscall.Credential, _ syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Credential: cred}
}

func procCwd(int) string      { return "" }
func alive(int) bool          { return false }
func procsInDir(string) []int { return nil }
func procUID(int) int         { return -1 }
