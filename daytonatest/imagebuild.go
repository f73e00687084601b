package daytonatest

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Image builds (snapshots and sandboxes created from build info).
//
// The emulator does not run Docker. A build checks that the Dockerfile
// parses (build.go) and that every context hash names a context uploaded
// to the object storage, then "runs" the Dockerfile's COPY (and local ADD)
// instructions: the regular files of the context tars they name are
// written into the image's directory, the sandbox root standing for "/"
// (so "COPY app /home/daytona/app" lands in {dir}/home/daytona/app).
// WORKDIR is followed for relative destinations. RUN, ENV and the other
// instructions are only logged. A COPY source that matches no file of the
// contexts fails the build, as in Docker.

// buildImage checks the build and writes its COPY results into dir. It
// returns why the build fails, or "". Callers hold s.mu.
func (s *Server) buildImage(dockerfile string, hashes []string, dir string) string {
	if reason := checkDockerfile(dockerfile); reason != "" {
		return reason
	}
	for _, h := range hashes {
		if !s.contextExists(h) {
			return fmt.Sprintf("build context %s not found in object storage: upload it to %s/%s before building",
				h, ObjectStorageBucket, s.contextKey(h))
		}
	}
	ops, err := parseCopies(dockerfile)
	if err != nil {
		return err.Error()
	}
	if len(ops) == 0 {
		return ""
	}
	if err := s.extractCopies(ops, hashes, dir); err != nil {
		return err.Error()
	}
	return ""
}

// copyOp is one COPY or ADD instruction with local sources.
type copyOp struct {
	srcs    []string // cleaned, relative to the context root
	dst     string   // absolute, cleaned
	dstDir  bool     // the destination is a directory (trailing "/", several sources, a wildcard)
	matched []bool   // per source: some context file matched
}

// parseCopies finds the COPY and ADD instructions with sources in the
// build context, resolving relative destinations against WORKDIR.
func parseCopies(dockerfile string) ([]*copyOp, error) {
	var ops []*copyOp
	workdir := "/"
	for _, line := range dockerfileLines(dockerfile) {
		kw, rest, _ := strings.Cut(line, " ")
		kw, rest = strings.ToUpper(kw), strings.TrimSpace(rest)
		switch kw {
		case "FROM":
			workdir = "/"
		case "WORKDIR":
			words, err := shellWords(rest)
			if err != nil || len(words) == 0 {
				return nil, fmt.Errorf("dockerfile parse error: WORKDIR %s", describeParseError(err))
			}
			workdir = absPath(workdir, words[0])
		case "COPY", "ADD":
			op, err := parseCopy(kw, rest, workdir)
			if err != nil {
				return nil, err
			}
			if op != nil {
				ops = append(ops, op)
			}
		}
	}
	return ops, nil
}

func describeParseError(err error) string {
	if err != nil {
		return err.Error()
	}
	return "requires an argument"
}

// parseCopy parses the arguments of one COPY or ADD; nil means there is
// nothing to take from the context (a --from stage, a heredoc, URLs).
func parseCopy(kw, rest, workdir string) (*copyOp, error) {
	if strings.Contains(rest, "<<") {
		return nil, nil
	}
	var words []string
	var err error
	if strings.HasPrefix(rest, "[") {
		err = json.Unmarshal([]byte(rest), &words)
	} else {
		words, err = shellWords(rest)
	}
	if err != nil {
		return nil, fmt.Errorf("dockerfile parse error: %s %s: %v", kw, rest, err)
	}
	for len(words) > 0 && strings.HasPrefix(words[0], "--") {
		if strings.HasPrefix(words[0], "--from") {
			return nil, nil
		}
		words = words[1:]
	}
	if len(words) < 2 {
		return nil, fmt.Errorf("dockerfile parse error: %s requires at least two arguments", kw)
	}
	dst := words[len(words)-1]
	op := &copyOp{dst: absPath(workdir, dst), dstDir: strings.HasSuffix(dst, "/") || len(words) > 2}
	for _, src := range words[:len(words)-1] {
		if kw == "ADD" && (strings.Contains(src, "://") || strings.HasPrefix(src, "git@")) {
			continue
		}
		if strings.ContainsAny(src, "*?[") {
			op.dstDir = true
		}
		op.srcs = append(op.srcs, path.Clean(strings.TrimLeft(src, "/")))
	}
	if len(op.srcs) == 0 {
		return nil, nil
	}
	op.matched = make([]bool, len(op.srcs))
	return op, nil
}

// absPath resolves p against dir (both slash paths).
func absPath(dir, p string) string {
	if !path.IsAbs(p) {
		p = path.Join(dir, p)
	}
	return path.Clean(p)
}

// shellWords splits s into words the way a POSIX shell does for plain
// words, single and double quotes and backslashes.
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, errors.New("unterminated single quote")
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("unterminated double quote")
			}
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// matchSource matches a context file name against a COPY source: the file
// itself (rel is its base name, dir false) or a file under a directory
// the source names (rel is the path below it, dir true). Sources may hold
// wildcards, matched segment by segment.
func matchSource(src, name string) (rel string, dir, ok bool) {
	if src == "." {
		return name, true, true
	}
	segs := strings.Split(name, "/")
	for k := 1; k <= len(segs); k++ {
		prefix := strings.Join(segs[:k], "/")
		if prefix != src {
			if m, err := path.Match(src, prefix); err != nil || !m {
				continue
			}
		}
		if k == len(segs) {
			return segs[k-1], false, true
		}
		return strings.Join(segs[k:], "/"), true, true
	}
	return "", false, false
}

// extractCopies writes the files the COPY instructions take from the
// contexts into root. It fails for a source that matches nothing.
func (s *Server) extractCopies(ops []*copyOp, hashes []string, root string) error {
	for _, h := range hashes {
		if err := s.extractContext(ops, h, root); err != nil {
			return err
		}
	}
	for _, op := range ops {
		for i, src := range op.srcs {
			switch {
			case op.matched[i]:
			case src == ".":
				// An empty context: COPY . creates the destination only.
				if err := os.MkdirAll(hostPath(root, op.dst), 0o755); err != nil {
					return fmt.Errorf("COPY failed: %v", err)
				}
			default:
				return fmt.Errorf("COPY failed: file not found in build context or excluded by .dockerignore: stat %s: file does not exist", src)
			}
		}
	}
	return nil
}

// extractContext reads one context tar and writes each regular file to
// every destination a COPY gives it.
func (s *Server) extractContext(ops []*copyOp, hash, root string) error {
	rc, err := s.openContext(hash)
	if err != nil {
		return fmt.Errorf("reading build context %s: %v", hash, err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading build context %s: %v", hash, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue // the runner copies regular files only
		}
		name := path.Clean(strings.TrimLeft(hdr.Name, "/"))
		var targets []string
		for _, op := range ops {
			for i, src := range op.srcs {
				rel, dir, ok := matchSource(src, name)
				if !ok {
					continue
				}
				op.matched[i] = true
				dst := op.dst
				if dir || op.dstDir || isDir(hostPath(root, op.dst)) {
					dst = path.Join(op.dst, rel)
				}
				targets = append(targets, hostPath(root, dst))
			}
		}
		if len(targets) == 0 {
			continue
		}
		mode := hdr.FileInfo().Mode().Perm()
		if err := writeFile(targets[0], tr, mode); err != nil {
			return fmt.Errorf("COPY failed: %v", err)
		}
		for _, t := range targets[1:] {
			if err := os.MkdirAll(filepath.Dir(t), 0o755); err != nil {
				return fmt.Errorf("COPY failed: %v", err)
			}
			if err := copyFile(targets[0], t, mode); err != nil {
				return fmt.Errorf("COPY failed: %v", err)
			}
		}
	}
}

// hostPath maps an absolute path inside the image to the host path under
// root; it cannot leave root.
func hostPath(root, p string) string {
	return filepath.Join(root, filepath.FromSlash(path.Clean("/"+p)))
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// writeFile writes r to p, creating its parent directories.
func writeFile(p string, r io.Reader, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
