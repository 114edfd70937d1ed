package pgcluster

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
)

// Limits of a cluster's server log.
const (
	// LogMaxBytes is the size at which postgres.log is renamed to
	// postgres.log.1 (replacing it) and a new file begun: a cluster keeps
	// at most about twice this much log.
	LogMaxBytes = 8 << 20
	// logTailLines is how many recent lines the Manager keeps in memory,
	// for the reasons of failures; each is cut to logTailLineMax bytes.
	logTailLines   = 20
	logTailLineMax = 512
	// logReadBuf bounds the bytes of one line read at a time; longer lines
	// are written in pieces.
	logReadBuf = 64 << 10
)

// logSink receives a postgres process's stderr through a pipe and writes
// it to the cluster's log file, rotating it at LogMaxBytes, and keeps the
// last lines for failure reasons. It never blocks the writer on anything
// but the file: a write error drops the text (postgres would block on a
// full pipe otherwise).
type logSink struct {
	path  string
	chown func(string) error

	mu   sync.Mutex
	f    *os.File
	size int64
	ring [logTailLines]string
	n    int // lines seen
}

func openLogSink(path string, chown func(string) error) (*logSink, error) {
	s := &logSink{path: path, chown: chown}
	if err := s.open(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *logSink) open() error {
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	if err := s.chown(s.path); err != nil {
		f.Close()
		return err
	}
	s.f, s.size = f, fi.Size()
	return nil
}

// consume copies r to the log until EOF (every holder of the pipe's write
// end has closed it), then closes r and the file.
func (s *logSink) consume(r io.ReadCloser) {
	defer r.Close()
	br := bufio.NewReaderSize(r, logReadBuf)
	partial := false // the previous piece did not end a line
	for {
		piece, err := br.ReadSlice('\n')
		if len(piece) > 0 {
			s.write(piece, !partial)
			partial = piece[len(piece)-1] != '\n'
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			break
		}
	}
	s.close()
}

func (s *logSink) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
}

func (s *logSink) write(piece []byte, lineStart bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if lineStart {
		line := strings.TrimRight(string(piece), "\r\n")
		if len(line) > logTailLineMax {
			line = line[:logTailLineMax] + "…"
		}
		s.ring[s.n%logTailLines] = line
		s.n++
	}
	if s.f == nil {
		return
	}
	if s.size+int64(len(piece)) > LogMaxBytes && s.size > 0 {
		s.f.Close()
		s.f = nil
		if err := os.Rename(s.path, s.path+".1"); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return
		}
		if err := s.open(); err != nil {
			return
		}
	}
	n, _ := s.f.Write(piece)
	s.size += int64(n)
}

// Tail returns up to n of the last lines, oldest first.
func (s *logSink) Tail(n int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	n = min(n, s.n, logTailLines)
	out := make([]string, 0, n)
	for i := s.n - n; i < s.n; i++ {
		out = append(out, s.ring[i%logTailLines])
	}
	return out
}

// tailText is Tail joined for a one-line reason.
func (s *logSink) tailText(n int) string {
	lines := s.Tail(n)
	if len(lines) == 0 {
		return "(the log is empty)"
	}
	return strings.Join(lines, " | ")
}

// cappedBuffer keeps the first max bytes written to it (initdb's output).
type cappedBuffer struct {
	b   []byte
	max int
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if room := c.max - len(c.b); room > 0 {
		c.b = append(c.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// lastLines returns the last n non-empty lines of the buffer, joined.
func (c *cappedBuffer) lastLines(n int) string {
	var lines []string
	for l := range strings.SplitSeq(string(c.b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
