package toolbox

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// Volume mounts.
//
// A sandbox's volumes appear in its tree at their mount points. The
// emulator links each mount point (a symbolic link under the root) to the
// volume's host directory, so processes simply follow the link; the file
// API treats the mount point as a real mount instead:
//   - a path that resolves into a mount's directory is a path under the
//     mount point, and every operation on it goes through an [os.Root]
//     opened on that directory, so it cannot leave the volume (".." and
//     symlinks that point out of the mount's directory, into neither the
//     sandbox root nor another mount, are refused with 403 like any path
//     outside the root);
//   - the mount point itself is a directory (info, list, find and search
//     walk into it);
//   - a move across a mount boundary copies, then deletes the source, as
//     the daemon's move does when rename fails with EXDEV;
//   - a mount point, or a directory that holds one, cannot be moved or
//     deleted (EBUSY, 400); unlike rm -r on Linux, nothing inside is
//     deleted first.
//
// Symlinks inside a volume are resolved on the host, not in the sandbox's
// namespace: a relative link ".." in a subpath mount points at the volume's
// parent directory (refused), not at the mount point's parent.

// Mount is a host directory shown in the sandbox at a mount point.
type Mount struct {
	// Path is the mount point, a slash path taken relative to the root
	// ("/data" and "data" both mean Root/data), like a sandbox create
	// request's mountPath.
	Path string
	// HostDir is the host directory shown at Path: a volume's directory or
	// a subdirectory of it. It must exist.
	HostDir string
}

// mountRoot is one mount, opened.
type mountRoot struct {
	point string   // the mount point: a clean path under the sandbox root, never "."
	dir   string   // the mount's host directory, absolute, symlinks resolved
	r     *os.Root // opened on dir
}

// roots performs the file API's operations on paths under the sandbox root
// (as resolve gives them), sending a path at or under a mount point to the
// mount's own os.Root. Its methods have the signatures of os.Root's.
type roots struct {
	main   *os.Root
	mounts []*mountRoot // the deepest mount point first
}

// openMounts opens the mounts of the sandbox whose resolved root is root.
// A mount point is placed where its parent really is (symlinks resolved),
// which must be under the root.
func openMounts(root string, mounts []Mount) ([]*mountRoot, error) {
	var out []*mountRoot
	closeAll := func() {
		for _, m := range out {
			_ = m.r.Close()
		}
	}
	for _, m := range mounts {
		p := filepath.Clean(filepath.FromSlash("/" + m.Path))
		if p == string(filepath.Separator) {
			closeAll()
			return nil, fmt.Errorf("mount point %q is the sandbox root", m.Path)
		}
		parent, err := evalExisting(filepath.Join(root, filepath.Dir(p)))
		if err != nil || !within(root, parent) {
			closeAll()
			return nil, fmt.Errorf("mount point %q is not under the sandbox root", m.Path)
		}
		point, _ := filepath.Rel(root, filepath.Join(parent, filepath.Base(p)))
		dir, err := filepath.EvalSymlinks(m.HostDir)
		if err == nil {
			dir, err = filepath.Abs(dir)
		}
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("mount %q: %w", m.Path, err)
		}
		r, err := os.OpenRoot(dir)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("mount %q: %w", m.Path, err)
		}
		if slices.ContainsFunc(out, func(o *mountRoot) bool { return o.point == point }) {
			_ = r.Close()
			closeAll()
			return nil, fmt.Errorf("mount point %q is used twice", m.Path)
		}
		out = append(out, &mountRoot{point: point, dir: dir, r: r})
	}
	slices.SortFunc(out, func(a, b *mountRoot) int {
		return cmp.Or(-cmp.Compare(len(a.point), len(b.point)), strings.Compare(a.point, b.point))
	})
	return out, nil
}

// virtual maps a real host path (symlinks resolved) to its path under the
// sandbox root: through the mount whose directory holds it (the deepest
// directory first), else directly under the root. ok is false for a path
// in neither.
func (s *sandboxFS) virtual(real string) (rel string, ok bool) {
	var best *mountRoot
	for _, m := range s.r.mounts {
		if within(m.dir, real) && (best == nil || len(m.dir) > len(best.dir)) {
			best = m
		}
	}
	if best != nil {
		inner, err := filepath.Rel(best.dir, real)
		if err != nil {
			return "", false
		}
		return filepath.Join(best.point, inner), true
	}
	if within(s.root, real) {
		return s.relOf(real), true
	}
	return "", false
}

// under reports whether name is dir or lies under it (both clean, relative).
func under(dir, name string) bool {
	return name == dir || strings.HasPrefix(name, dir+string(filepath.Separator))
}

// pick returns the os.Root that serves name, name relative to it, and the
// mount (nil for the sandbox root).
func (rs *roots) pick(name string) (*os.Root, string, *mountRoot) {
	name = filepath.Clean(name)
	for _, m := range rs.mounts {
		if under(m.point, name) {
			inner, _ := filepath.Rel(m.point, name)
			return m.r, inner, m
		}
	}
	return rs.main, name, nil
}

// holdsMount reports whether name is a mount point or a directory above
// one.
func (rs *roots) holdsMount(name string) bool {
	name = filepath.Clean(name)
	for _, m := range rs.mounts {
		if name == "." || under(name, m.point) {
			return true
		}
	}
	return false
}

func errBusy(op, name string) error {
	return &fs.PathError{Op: op, Path: name, Err: syscall.EBUSY}
}

// Stat is os.Root.Stat through the mounts.
func (rs *roots) Stat(name string) (fs.FileInfo, error) {
	r, n, _ := rs.pick(name)
	return r.Stat(n)
}

// Lstat is os.Root.Lstat through the mounts; a mount point is its mount's
// directory.
func (rs *roots) Lstat(name string) (fs.FileInfo, error) {
	r, n, _ := rs.pick(name)
	return r.Lstat(n)
}

// Open is os.Root.Open through the mounts.
func (rs *roots) Open(name string) (*os.File, error) {
	r, n, _ := rs.pick(name)
	return r.Open(n)
}

// OpenFile is os.Root.OpenFile through the mounts.
func (rs *roots) OpenFile(name string, flag int, perm fs.FileMode) (*os.File, error) {
	r, n, _ := rs.pick(name)
	return r.OpenFile(n, flag, perm)
}

// MkdirAll is os.Root.MkdirAll through the mounts.
func (rs *roots) MkdirAll(name string, perm fs.FileMode) error {
	r, n, _ := rs.pick(name)
	if n == "." {
		return nil // a mount point is a directory
	}
	return r.MkdirAll(n, perm)
}

// Remove is os.Root.Remove through the mounts; a mount point is busy.
func (rs *roots) Remove(name string) error {
	if rs.holdsMount(name) {
		return errBusy("remove", name)
	}
	r, n, _ := rs.pick(name)
	return r.Remove(n)
}

// RemoveAll is os.Root.RemoveAll through the mounts; a mount point, or a
// directory above one, is busy.
func (rs *roots) RemoveAll(name string) error {
	if rs.holdsMount(name) {
		return errBusy("remove", name)
	}
	r, n, _ := rs.pick(name)
	return r.RemoveAll(n)
}

// Chmod is os.Root.Chmod through the mounts.
func (rs *roots) Chmod(name string, mode fs.FileMode) error {
	r, n, _ := rs.pick(name)
	return r.Chmod(n, mode)
}

// Chown is os.Root.Chown through the mounts.
func (rs *roots) Chown(name string, uid, gid int) error {
	r, n, _ := rs.pick(name)
	return r.Chown(n, uid, gid)
}

// ReadFile is os.Root.ReadFile through the mounts.
func (rs *roots) ReadFile(name string) ([]byte, error) {
	r, n, _ := rs.pick(name)
	return r.ReadFile(n)
}

// WriteFile is os.Root.WriteFile through the mounts.
func (rs *roots) WriteFile(name string, data []byte, perm fs.FileMode) error {
	r, n, _ := rs.pick(name)
	return r.WriteFile(n, data, perm)
}

// Rename renames within one mount (or within the root's own tree). Across
// a mount boundary, where rename(2) fails with EXDEV, it copies the entry
// (symlinks as links) and then deletes the source, as the daemon's move
// does; if only the deletion fails the move still counts as done, as the
// daemon answers 200 then. A mount point, or a directory above one, is
// busy.
func (rs *roots) Rename(oldname, newname string) error {
	if rs.holdsMount(oldname) || rs.holdsMount(newname) {
		return errBusy("rename", oldname)
	}
	ro, no, mo := rs.pick(oldname)
	rn, nn, mn := rs.pick(newname)
	if mo == mn {
		return ro.Rename(no, nn)
	}
	if err := copyEntry(ro, no, rn, nn); err != nil {
		_ = rn.RemoveAll(nn)
		return &fs.PathError{Op: "move", Path: oldname, Err: err}
	}
	_ = ro.RemoveAll(no)
	return nil
}

// copyEntry copies the entry src of from to dst of to, recursively;
// symbolic links are copied as links, other special files are refused.
func copyEntry(from *os.Root, src string, to *os.Root, dst string) error {
	fi, err := from.Lstat(src)
	if err != nil {
		return err
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		link, err := from.Readlink(src)
		if err != nil {
			return err
		}
		return to.Symlink(link, dst)
	case fi.IsDir():
		if err := to.Mkdir(dst, fi.Mode().Perm()); err != nil {
			return err
		}
		f, err := from.Open(src)
		if err != nil {
			return err
		}
		entries, err := f.ReadDir(-1)
		_ = f.Close()
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := copyEntry(from, filepath.Join(src, e.Name()), to, filepath.Join(dst, e.Name())); err != nil {
				return err
			}
		}
		return nil
	case fi.Mode().IsRegular():
		in, err := from.Open(src)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := to.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fi.Mode().Perm())
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			_ = out.Close()
			return err
		}
		return out.Close()
	default:
		return fmt.Errorf("cannot copy %s: %w", fi.Mode().Type(), errors.ErrUnsupported)
	}
}

// Close closes every root.
func (rs *roots) Close() error {
	err := rs.main.Close()
	for _, m := range rs.mounts {
		if cerr := m.r.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	return err
}

// FS returns a file system of the sandbox's tree in which mount points are
// directories holding their mounts' files (the walks of find, search and
// replace enter them).
func (rs *roots) FS() fs.FS { return rootsFS{rs} }

// rootsFS is the fs.FS of [roots.FS].
type rootsFS struct{ rs *roots }

func (f rootsFS) pick(op, name string) (fs.FS, string, error) {
	if !fs.ValidPath(name) {
		return nil, "", &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	r, n, _ := f.rs.pick(name)
	return r.FS(), filepath.ToSlash(n), nil
}

// Open implements fs.FS.
func (f rootsFS) Open(name string) (fs.File, error) {
	sub, n, err := f.pick("open", name)
	if err != nil {
		return nil, err
	}
	return sub.Open(n)
}

// Stat implements fs.StatFS.
func (f rootsFS) Stat(name string) (fs.FileInfo, error) {
	sub, n, err := f.pick("stat", name)
	if err != nil {
		return nil, err
	}
	return fs.Stat(sub, n)
}

// ReadFile implements fs.ReadFileFS.
func (f rootsFS) ReadFile(name string) ([]byte, error) {
	sub, n, err := f.pick("readfile", name)
	if err != nil {
		return nil, err
	}
	return fs.ReadFile(sub, n)
}

// ReadDir implements fs.ReadDirFS: a mount point among the entries is shown
// as its mount's directory.
func (f rootsFS) ReadDir(name string) ([]fs.DirEntry, error) {
	sub, n, err := f.pick("readdir", name)
	if err != nil {
		return nil, err
	}
	entries, err := fs.ReadDir(sub, n)
	if err != nil {
		return entries, err
	}
	for i, e := range entries {
		child := filepath.FromSlash(pathJoin(name, e.Name()))
		for _, m := range f.rs.mounts {
			if m.point != child {
				continue
			}
			if fi, err := m.r.Stat("."); err == nil {
				entries[i] = fs.FileInfoToDirEntry(namedInfo{fi, e.Name()})
			}
		}
	}
	return entries, nil
}

// pathJoin joins slash paths of an fs.FS.
func pathJoin(dir, name string) string {
	if dir == "." {
		return name
	}
	return dir + "/" + name
}

// namedInfo is a FileInfo under another name.
type namedInfo struct {
	fs.FileInfo
	name string
}

func (n namedInfo) Name() string { return n.name }
