package imagebuilder

import (
	"archive/tar"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Context is one local file or directory an image copies in. It is uploaded
// as its own tar archive, keyed by [Context.Hash], before the image is
// built; the Dockerfile's COPY lines name it by ArchivePath.
type Context struct {
	// LocalPath is the file or directory on this machine, with a leading
	// "~" already expanded. A relative path is relative to the working
	// directory.
	LocalPath string
	// ArchivePath is the entry name of LocalPath inside the tar. It may begin
	// with "/", which the tar entry names drop but the hash includes.
	ArchivePath string
}

// Hash returns the context's content key: the lowercase hex MD5 of the
// archive path followed, for a file, by its bytes, or, for a directory, by
// the relative path and bytes of every file in a top-down walk in raw
// directory order (an empty directory contributes its relative path). It is
// the Python SDK's formula, so the same context gets the same key in both
// SDKs on the same file system. Files are streamed, never held in memory.
// Symbolic links to directories are not followed; links to files are.
func (c Context) Hash() (string, error) {
	h := md5.New()
	io.WriteString(h, c.ArchivePath)
	top, err := filepath.Abs(c.LocalPath)
	if err != nil {
		return "", c.fail("Hash", err)
	}
	fi, err := os.Stat(top)
	if err != nil {
		return "", c.fail("Hash", statErr(err))
	}
	switch {
	case fi.Mode().IsRegular():
		err = hashFile(h, top)
	case fi.IsDir():
		err = hashDir(h, top, top)
	default:
		err = fmt.Errorf("%w nor a directory", ErrNotFile)
	}
	if err != nil {
		return "", c.fail("Hash", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashFile(h hash.Hash, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(h, f)
	return err
}

// hashDir feeds dir, a directory under top, to h the way Python's os.walk
// visits it: the files of a directory first, in raw order, then each
// subdirectory that is not a symbolic link, in raw order.
func hashDir(h hash.Hash, top, dir string) error {
	entries, err := readDirRaw(dir)
	if err != nil {
		return err
	}
	var dirs, files []fs.DirEntry
	for _, e := range entries {
		if entryIsDir(dir, e) {
			dirs = append(dirs, e)
		} else {
			files = append(files, e)
		}
	}
	if len(entries) == 0 {
		rel, err := filepath.Rel(top, dir)
		if err != nil {
			return err
		}
		io.WriteString(h, rel)
	}
	for _, e := range files {
		p := filepath.Join(dir, e.Name())
		rel, err := filepath.Rel(top, p)
		if err != nil {
			return err
		}
		io.WriteString(h, rel)
		if err := hashFile(h, p); err != nil {
			return err
		}
	}
	for _, e := range dirs {
		if e.Type()&fs.ModeSymlink != 0 {
			continue
		}
		if err := hashDir(h, top, filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// readDirRaw lists dir in the order the file system returns it (os.ReadDir
// would sort).
func readDirRaw(dir string) ([]fs.DirEntry, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadDir(-1)
}

// WriteTar writes the context to w as one uncompressed tar archive, reading
// files straight from disk: memory use does not grow with the size of the
// context. A file is one entry named ArchivePath (without a leading "/"); a
// directory is its own entry (named with a trailing "/") followed by its
// tree, children in sorted order. A symbolic link to a regular file is
// written as that file, so the archive holds the bytes [Context.Hash] read;
// other symbolic links are written as links, and sockets, pipes and devices
// are skipped. WriteTar does not close w.
func (c Context) WriteTar(w io.Writer) error {
	tw := tar.NewWriter(w)
	fi, err := os.Stat(c.LocalPath)
	if err != nil {
		return c.fail("WriteTar", statErr(err))
	}
	switch {
	case fi.Mode().IsRegular():
		err = tarFile(tw, c.LocalPath, c.ArchivePath)
	case fi.IsDir():
		err = tarDir(tw, c.LocalPath, c.ArchivePath, fi)
	default:
		err = fmt.Errorf("%w nor a directory", ErrNotFile)
	}
	if err == nil {
		err = tw.Close()
	}
	if err != nil {
		return c.fail("WriteTar", err)
	}
	return nil
}

// entryName is the tar name for an archive path: "/" separators and no
// leading "/" (Python's tarfile strips it too).
func entryName(arc string) string {
	return strings.TrimLeft(filepath.ToSlash(arc), "/")
}

func tarFile(tw *tar.Writer, p, arc string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: %w", p, ErrNotFile)
	}
	hdr, err := tar.FileInfoHeader(fi, "")
	if err != nil {
		return err
	}
	hdr.Name = entryName(arc)
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	n, err := io.CopyN(tw, f, hdr.Size)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%s: file shrank while being archived (%d of %d bytes)", p, n, hdr.Size)
		}
		return err
	}
	return nil
}

func tarDir(tw *tar.Writer, p, arc string, fi fs.FileInfo) error {
	hdr, err := tar.FileInfoHeader(fi, "")
	if err != nil {
		return err
	}
	hdr.Name = entryName(arc)
	if !strings.HasSuffix(hdr.Name, "/") {
		hdr.Name += "/"
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	entries, err := os.ReadDir(p) // sorted, as Python's tarfile adds children
	if err != nil {
		return err
	}
	for _, e := range entries {
		child, childArc := filepath.Join(p, e.Name()), pyJoin(arc, e.Name())
		switch mode := e.Type(); {
		case mode.IsRegular():
			err = tarFile(tw, child, childArc)
		case mode.IsDir():
			var cfi fs.FileInfo
			if cfi, err = e.Info(); err == nil {
				err = tarDir(tw, child, childArc, cfi)
			}
		case mode&fs.ModeSymlink != 0:
			err = tarSymlink(tw, child, childArc)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// tarSymlink writes a link to a regular file as that file and any other link
// as a link.
func tarSymlink(tw *tar.Writer, p, arc string) error {
	if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
		return tarFile(tw, p, arc)
	}
	lfi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	target, err := os.Readlink(p)
	if err != nil {
		return err
	}
	hdr, err := tar.FileInfoHeader(lfi, target)
	if err != nil {
		return err
	}
	hdr.Name = entryName(arc)
	return tw.WriteHeader(hdr)
}

func (c Context) fail(op string, err error) error {
	return &Error{Op: op, Path: c.LocalPath, Err: err}
}

// statErr turns the error of a stat of the context's own path into the
// cause of an Error, which already names the path.
func statErr(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fs.ErrNotExist
	}
	return err
}
