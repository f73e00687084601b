package imagebuilder

import (
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"
)

// archivePath is the name a local path gets inside its context tar and in
// the COPY line that uses it (the Python SDK's compute_archive_base_path):
// the cleaned path without a volume name and without leading separators.
// "/home/u/app" gives "home/u/app", "./x/../y/" gives "y" and "../up/f"
// stays "../up/f".
func archivePath(p string) string {
	p = filepath.Clean(p)
	p = p[len(filepath.VolumeName(p)):]
	p = strings.TrimLeft(p, "/")
	return strings.TrimLeft(p, `\`)
}

// expandUser replaces a leading "~" or "~name" with that user's home
// directory, as Python's os.path.expanduser does. A path it cannot expand is
// returned unchanged.
func expandUser(p string) string {
	if !strings.HasPrefix(p, "~") {
		return p
	}
	i := 1
	for i < len(p) && !os.IsPathSeparator(p[i]) {
		i++
	}
	var home string
	switch {
	case i == 1 && runtime.GOOS == "windows":
		h, err := os.UserHomeDir()
		if err != nil {
			return p
		}
		home = h
	case i == 1:
		if h, ok := os.LookupEnv("HOME"); ok {
			home = h
		} else {
			u, err := user.Current()
			if err != nil {
				return p
			}
			home = u.HomeDir
		}
	default:
		u, err := user.Lookup(p[1:i])
		if err != nil {
			return p
		}
		home = u.HomeDir
	}
	home = strings.TrimRightFunc(home, func(r rune) bool { return r == '/' || r == filepath.Separator })
	if r := home + p[i:]; r != "" {
		return r
	}
	return string(filepath.Separator)
}

// pathlibParts splits p as Python's pathlib.PurePosixPath does: a root of
// "/" (or exactly "//"), then the non-empty components other than ".".
func pathlibParts(p string) (root string, parts []string) {
	switch {
	case strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "///"):
		root = "//"
	case strings.HasPrefix(p, "/"):
		root = "/"
	}
	for _, c := range strings.Split(p, "/") {
		if c != "" && c != "." {
			parts = append(parts, c)
		}
	}
	return root, parts
}

// pathlibString is str(PurePosixPath(p)).
func pathlibString(p string) string {
	root, parts := pathlibParts(p)
	if s := root + strings.Join(parts, "/"); s != "" {
		return s
	}
	return "."
}

// pathlibName is PurePosixPath(p).name: the last component, or "".
func pathlibName(p string) string {
	_, parts := pathlibParts(p)
	if len(parts) == 0 {
		return ""
	}
	return parts[len(parts)-1]
}

// pyJoin is Python's posixpath.join for two components.
func pyJoin(a, b string) string {
	switch {
	case strings.HasPrefix(b, "/"):
		return b
	case a == "" || strings.HasSuffix(a, "/"):
		return a + b
	default:
		return a + "/" + b
	}
}

// pySplit is Python's posixpath.split.
func pySplit(p string) (dir, base string) {
	i := strings.LastIndexByte(p, '/') + 1
	dir, base = p[:i], p[i:]
	if dir != "" && strings.Trim(dir, "/") != "" {
		dir = strings.TrimRight(dir, "/")
	}
	return dir, base
}
