package imagebuilder

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Image is an immutable description of a container image: a Dockerfile and
// the local build contexts it copies in. Every method returns a new Image
// and never changes its receiver, so one Image may be extended in several
// directions and used from several goroutines.
//
// The zero Image has no base; start from [Base], [DebianSlim] or
// [FromDockerfile]. The first invalid call is recorded in the returned value
// and every later call returns that value unchanged; [Image.Err],
// [Image.Dockerfile] and [Image.Contexts] report it.
type Image struct {
	text     string
	contexts []Context // never written after creation; extended by copying
	err      error
	based    bool // set by the constructors
}

// PipOptions are the pip settings of the PipInstall methods. The zero value
// adds no option.
type PipOptions struct {
	FindLinks      []string // each adds --find-links URL
	IndexURL       string   // adds --index-url URL when set
	ExtraIndexURLs []string // each adds --extra-index-url URL
	Pre            bool     // adds --pre
	// ExtraOptions is appended to the pip command line verbatim, with its
	// surrounding whitespace removed.
	ExtraOptions string
}

// PyprojectOptions are the settings of [Image.PipInstallFromPyproject].
type PyprojectOptions struct {
	// OptionalDependencies names the [project.optional-dependencies] groups
	// to install besides [project].dependencies. Groups the file does not
	// define are skipped.
	OptionalDependencies []string
	PipOptions
}

// DefaultPythonVersion is the Python series [DebianSlim] uses when given no
// version (the newest supported series, as in the TypeScript SDK; the
// Python SDK uses its own interpreter's series).
const DefaultPythonVersion = "3.13"

// pythonMicro maps each supported series to the micro version DebianSlim
// pins it to.
var pythonMicro = map[string]string{
	"3.9":  "3.9.22",
	"3.10": "3.10.17",
	"3.11": "3.11.12",
	"3.12": "3.12.10",
	"3.13": "3.13.3",
}

var pythonVersionRE = regexp.MustCompile(`^3(?:\.[0-9]{1,2}){1,2}(?:rc[0-9]*)?$`)

// Base starts an image from an existing image reference:
//
//	FROM python:3.12-slim-bookworm
func Base(image string) Image {
	img := Image{based: true}
	if strings.TrimSpace(image) == "" || hasLineBreak(image) {
		return img.fail("Base", "", invalidf("image reference %q", image))
	}
	return img.add("FROM " + image + "\n")
}

// DebianSlim starts an image from the official python:X.Y.Z-slim-bookworm
// image, with compilers installed, pip upgraded and debconf set to
// non-interactive. pythonVersion is a series ("3.12", pinned to its newest
// micro version) or a full version ("3.12.4", "3.13.0rc1") of a supported
// series, 3.9 to 3.13; "" means [DefaultPythonVersion]. Any other value is
// an [ErrInvalid] error.
func DebianSlim(pythonVersion string) Image {
	img := Image{based: true}
	v, err := resolvePythonVersion(pythonVersion)
	if err != nil {
		return img.fail("DebianSlim", "", err)
	}
	return img.add("FROM python:" + v + "-slim-bookworm\n" +
		"RUN apt-get update\n" +
		"RUN apt-get install -y gcc gfortran build-essential\n" +
		"RUN pip install --upgrade pip\n" +
		"RUN echo 'debconf debconf/frontend select Noninteractive' | debconf-set-selections\n")
}

func resolvePythonVersion(v string) (string, error) {
	if v == "" {
		v = DefaultPythonVersion
	}
	if !pythonVersionRE.MatchString(v) {
		return "", invalidf("Python version %q", v)
	}
	parts := strings.Split(v, ".")
	micro, ok := pythonMicro[parts[0]+"."+parts[1]]
	if !ok {
		return "", fmt.Errorf("%w: unsupported Python version %q: supported series are 3.9, 3.10, 3.11, 3.12 and 3.13",
			ErrInvalid, v)
	}
	if len(parts) > 2 {
		return v, nil
	}
	return micro, nil
}

// FromDockerfile starts an image from the Dockerfile at path, whose text is
// used verbatim (with CRLF and CR line ends read as LF, as Python reads
// text). The sources of its COPY instructions, relative to the Dockerfile's
// directory, become build contexts (see [Image.DockerfileCommands] for the
// rules). The file must exist, be a regular file and hold UTF-8 text.
func FromDockerfile(path string) Image {
	img := Image{based: true}
	p := pathlibString(expandUser(path))
	if err := checkFile(p); err != nil {
		return img.fail("FromDockerfile", p, err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return img.fail("FromDockerfile", p, err)
	}
	if !utf8.Valid(b) {
		return img.fail("FromDockerfile", p, invalidf("Dockerfile is not UTF-8 text"))
	}
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	b = bytes.ReplaceAll(b, []byte("\r"), []byte("\n"))
	text := string(b)
	prefix := strings.TrimSuffix(p, pathlibName(p))
	found, err := scanCopySources(text, prefix)
	if err != nil {
		return img.fail("FromDockerfile", p, err)
	}
	ctxs := make([]Context, 0, len(found))
	for _, s := range found {
		arc := s.local
		if !strings.HasPrefix(s.written, prefix) {
			arc = strings.TrimPrefix(s.local, prefix)
		}
		ctxs = append(ctxs, Context{LocalPath: s.local, ArchivePath: arc})
	}
	return img.add(text, ctxs...)
}

// PipInstall installs Python packages with pip, in one instruction with the
// packages sorted and shell-quoted:
//
//	RUN python -m pip install 'numpy>=1.0' pandas
//
// With no packages it adds nothing. An empty package name is an error.
func (img Image) PipInstall(pkgs ...string) Image {
	return img.pipInstall("PipInstall", pkgs, PipOptions{})
}

// PipInstallWith is [Image.PipInstall] with pip options, which follow the
// packages in the order find-links, index URL, extra index URLs, --pre,
// extra options.
func (img Image) PipInstallWith(pkgs []string, opts PipOptions) Image {
	return img.pipInstall("PipInstallWith", pkgs, opts)
}

func (img Image) pipInstall(op string, pkgs []string, opts PipOptions) Image {
	if img.err != nil || len(pkgs) == 0 {
		return img
	}
	for _, p := range pkgs {
		if strings.TrimSpace(p) == "" || hasLineBreak(p) {
			return img.fail(op, "", invalidf("package name %q", p))
		}
	}
	suffix, err := pipSuffix(opts)
	if err != nil {
		return img.fail(op, "", err)
	}
	return img.add("RUN python -m pip install " + quoteJoin(slices.Sorted(slices.Values(pkgs))) + suffix + "\n")
}

// pipSuffix renders the pip options as the Python SDK does.
func pipSuffix(o PipOptions) (string, error) {
	var b strings.Builder
	add := func(flag, v string) error {
		if v == "" || hasLineBreak(v) {
			return invalidf("pip %s %q", flag, v)
		}
		b.WriteString(" " + flag + " " + Quote(v))
		return nil
	}
	for _, l := range o.FindLinks {
		if err := add("--find-links", l); err != nil {
			return "", err
		}
	}
	if o.IndexURL != "" {
		if err := add("--index-url", o.IndexURL); err != nil {
			return "", err
		}
	}
	for _, u := range o.ExtraIndexURLs {
		if err := add("--extra-index-url", u); err != nil {
			return "", err
		}
	}
	if o.Pre {
		b.WriteString(" --pre")
	}
	if o.ExtraOptions != "" {
		extra := pyStrip(o.ExtraOptions)
		if hasLineBreak(extra) {
			return "", invalidf("pip extra options %q", o.ExtraOptions)
		}
		b.WriteString(" " + extra)
	}
	return b.String(), nil
}

// PipInstallFromRequirements copies a requirements file into the image and
// installs it with pip (with the options of [Image.PipInstallWith]):
//
//	COPY home/u/proj/requirements.txt /.requirements.txt
//	RUN python -m pip install -r /.requirements.txt
//
// The file becomes a build context; it must exist and be a regular file.
func (img Image) PipInstallFromRequirements(path string, opts PipOptions) Image {
	const op = "PipInstallFromRequirements"
	if img.err != nil {
		return img
	}
	p := expandUser(path)
	if err := checkFile(p); err != nil {
		return img.fail(op, p, err)
	}
	suffix, err := pipSuffix(opts)
	if err != nil {
		return img.fail(op, p, err)
	}
	arc := archivePath(p)
	return img.add(copyLine("COPY", arc, "/.requirements.txt")+
		"RUN python -m pip install -r /.requirements.txt"+suffix+"\n",
		Context{LocalPath: p, ArchivePath: arc})
}

// PipInstallFromPyproject installs, like [Image.PipInstallWith], the
// dependencies a pyproject.toml declares in [project].dependencies plus
// those of the requested optional-dependency groups. The file is read now;
// it is not copied into the image. A file without [project] or without a
// dependencies list is an [ErrInvalid] error.
func (img Image) PipInstallFromPyproject(path string, opts PyprojectOptions) Image {
	const op = "PipInstallFromPyproject"
	if img.err != nil {
		return img
	}
	p := expandUser(path)
	if err := checkFile(p); err != nil {
		return img.fail(op, p, err)
	}
	deps, err := pyprojectDependencies(p, opts.OptionalDependencies)
	if err != nil {
		return img.fail(op, p, err)
	}
	return img.pipInstall(op, deps, opts.PipOptions)
}

// AddLocalFile copies a local file into the image at remotePath; a
// remotePath ending in "/" gets the file's name appended:
//
//	COPY home/u/proj/app.py /app/app.py
//
// The file becomes a build context, named by its cleaned path without the
// leading "/". It must exist and be a regular file.
func (img Image) AddLocalFile(localPath, remotePath string) Image {
	const op = "AddLocalFile"
	if img.err != nil {
		return img
	}
	if remotePath == "" {
		return img.fail(op, localPath, invalidf("empty remote path"))
	}
	if strings.HasSuffix(remotePath, "/") {
		remotePath += pathlibName(localPath)
	}
	p := expandUser(localPath)
	if err := checkFile(p); err != nil {
		return img.fail(op, p, err)
	}
	arc := archivePath(p)
	return img.add(copyLine("COPY", arc, remotePath), Context{LocalPath: p, ArchivePath: arc})
}

// AddLocalDir copies a local directory and its whole tree into the image at
// remotePath:
//
//	COPY home/u/proj/src /app/src
//
// The directory becomes a build context, named by its cleaned path without
// the leading "/". It must exist and be a directory.
func (img Image) AddLocalDir(localPath, remotePath string) Image {
	const op = "AddLocalDir"
	if img.err != nil {
		return img
	}
	if remotePath == "" {
		return img.fail(op, localPath, invalidf("empty remote path"))
	}
	p := expandUser(localPath)
	fi, err := os.Stat(p)
	switch {
	case err != nil:
		return img.fail(op, p, statErr(err))
	case !fi.IsDir():
		return img.fail(op, p, ErrNotDir)
	}
	arc := archivePath(p)
	return img.add(copyLine("COPY", arc, remotePath), Context{LocalPath: p, ArchivePath: arc})
}

// copyLine writes a COPY or ADD instruction in the shell form the Python SDK
// uses, or in the JSON form when a path holds whitespace (which the shell
// form would split).
func copyLine(instr, src, dst string) string {
	if hasSpace(src) || hasSpace(dst) {
		return instr + " " + execForm([]string{src, dst}) + "\n"
	}
	return instr + " " + src + " " + dst + "\n"
}

// RunCommands adds one shell-form RUN instruction per command, written
// verbatim (a command may span lines with backslash continuations or use a
// heredoc):
//
//	RUN apt-get update && apt-get install -y git
//
// An empty command is an error.
func (img Image) RunCommands(cmds ...string) Image {
	if img.err != nil {
		return img
	}
	var b strings.Builder
	for _, c := range cmds {
		if strings.TrimSpace(c) == "" {
			return img.fail("RunCommands", "", invalidf("empty command"))
		}
		b.WriteString("RUN " + c + "\n")
	}
	return img.add(b.String())
}

// RunArgv adds a RUN instruction for one command given as separate
// arguments, written as the Python SDK writes the list form of
// run_commands: each argument in double quotes, with `"` written as \\\"
// and `'` as \' (the shell reads this line, so quotes and dollars in the
// arguments are subject to its rules):
//
//	RUN "bash" "-c" "echo hi"
//
// No arguments, or an argument holding a line break, is an error.
func (img Image) RunArgv(argv ...string) Image {
	if img.err != nil {
		return img
	}
	if len(argv) == 0 {
		return img.fail("RunArgv", "", invalidf("empty argv"))
	}
	words := make([]string, len(argv))
	for i, a := range argv {
		if hasLineBreak(a) {
			return img.fail("RunArgv", "", invalidf("argument %q holds a line break", a))
		}
		words[i] = runArgvWord(a)
	}
	return img.add("RUN " + strings.Join(words, " ") + "\n")
}

// Env sets environment variables, one ENV instruction per variable in key
// order, with the value shell-quoted:
//
//	ENV GREETING='hello world'
//
// A key must be non-empty and hold no whitespace, '=' or quote; a value must
// not hold a line break.
func (img Image) Env(vars map[string]string) Image {
	return img.keyValues("Env", "ENV", vars)
}

// Label sets image labels, one LABEL instruction per label in key order,
// with the value shell-quoted:
//
//	LABEL org.opencontainers.image.title='my image'
//
// Keys and values follow the rules of [Image.Env].
func (img Image) Label(labels map[string]string) Image {
	return img.keyValues("Label", "LABEL", labels)
}

func (img Image) keyValues(op, instr string, kv map[string]string) Image {
	if img.err != nil {
		return img
	}
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(kv)) {
		v := kv[k]
		if k == "" || hasSpace(k) || strings.ContainsAny(k, `='"\`) {
			return img.fail(op, "", invalidf("key %q", k))
		}
		if hasLineBreak(v) {
			return img.fail(op, "", invalidf("value of %s holds a line break", k))
		}
		b.WriteString(instr + " " + k + "=" + Quote(v) + "\n")
	}
	return img.add(b.String())
}

// Workdir sets the working directory, shell-quoted:
//
//	WORKDIR '/home/daytona/app dir'
func (img Image) Workdir(path string) Image {
	return img.oneWord("Workdir", "WORKDIR", path)
}

// User sets the user (and optionally the group) later instructions and the
// container run as, shell-quoted:
//
//	USER daytona
func (img Image) User(user string) Image {
	return img.oneWord("User", "USER", user)
}

func (img Image) oneWord(op, instr, v string) Image {
	if img.err != nil {
		return img
	}
	if v == "" || hasLineBreak(v) {
		return img.fail(op, "", invalidf("%q", v))
	}
	return img.add(instr + " " + Quote(v) + "\n")
}

// Entrypoint sets the entrypoint in exec form; no arguments give an empty
// list:
//
//	ENTRYPOINT ["sleep", "infinity"]
//
// Each argument is a JSON string, so any text is valid.
func (img Image) Entrypoint(argv ...string) Image {
	if img.err != nil {
		return img
	}
	return img.add("ENTRYPOINT " + execForm(argv) + "\n")
}

// Cmd sets the default command in exec form, as [Image.Entrypoint] does:
//
//	CMD ["python", "app.py"]
func (img Image) Cmd(argv ...string) Image {
	if img.err != nil {
		return img
	}
	return img.add("CMD " + execForm(argv) + "\n")
}

// DockerfileCommands appends raw Dockerfile lines, joined by "\n" and ended
// with one "\n". The sources of their COPY instructions become build
// contexts, as in the Python SDK:
//
//   - lines are not joined at backslash continuations; blank and comment
//     lines, COPY lines with "--from=" or a heredoc ("<<") and ADD lines are
//     not scanned;
//   - leading flags are skipped ("--flag=value", or "--flag value"), and
//     the JSON form is split on whitespace after dropping its brackets;
//   - each source, unless absolute, is joined to contextDir ("" means none)
//     and expanded as a glob in directory order ('*' does not match a
//     leading '.'); a source without a match is kept as is, and fails only
//     when the context is hashed or archived;
//   - a match's archive path is the match without the contextDir prefix
//     (when a contextDir is given and the source does not already start
//     with it), else the match itself.
//
// contextDir, when given, must be an existing directory. A COPY line with an
// unbalanced quote is an [ErrInvalid] error.
func (img Image) DockerfileCommands(cmds []string, contextDir string) Image {
	const op = "DockerfileCommands"
	if img.err != nil {
		return img
	}
	if contextDir != "" {
		contextDir = expandUser(contextDir)
		fi, err := os.Stat(contextDir)
		switch {
		case err != nil:
			return img.fail(op, contextDir, statErr(err))
		case !fi.IsDir():
			return img.fail(op, contextDir, ErrNotDir)
		}
	}
	text := strings.Join(cmds, "\n")
	found, err := scanCopySources(text, contextDir)
	if err != nil {
		return img.fail(op, contextDir, err)
	}
	ctxs := make([]Context, 0, len(found))
	for _, s := range found {
		arc := s.local
		if contextDir != "" && !strings.HasPrefix(s.written, contextDir) {
			arc = strings.TrimPrefix(s.local, contextDir)
		}
		ctxs = append(ctxs, Context{LocalPath: s.local, ArchivePath: arc})
	}
	return img.add(text+"\n", ctxs...)
}

// AptGet installs Debian packages, shell-quoted, in the order given, and
// clears the package lists in the same layer:
//
//	RUN apt-get update && apt-get install -y curl git && rm -rf /var/lib/apt/lists/*
//
// With no packages it adds nothing. An empty package name is an error.
func (img Image) AptGet(pkgs ...string) Image {
	if img.err != nil || len(pkgs) == 0 {
		return img
	}
	for _, p := range pkgs {
		if strings.TrimSpace(p) == "" || hasLineBreak(p) {
			return img.fail("AptGet", "", invalidf("package name %q", p))
		}
	}
	return img.add("RUN apt-get update && apt-get install -y " + quoteJoin(pkgs) +
		" && rm -rf /var/lib/apt/lists/*\n")
}

// Copy adds a COPY instruction for a path that is already in the build
// context (put there by another method's context) or, in a multi-stage
// Dockerfile, for use after DockerfileCommands. It uploads nothing. The
// JSON form is used when a path holds whitespace:
//
//	COPY app/config.toml /etc/app/config.toml
func (img Image) Copy(src, dst string) Image {
	return img.copyInstr("Copy", "COPY", src, dst)
}

// Add adds an ADD instruction, typically for a URL or a git repository:
//
//	ADD https://example.com/data.tar.gz /data/
//
// Like [Image.Copy] it uploads nothing.
func (img Image) Add(src, dst string) Image {
	return img.copyInstr("Add", "ADD", src, dst)
}

func (img Image) copyInstr(op, instr, src, dst string) Image {
	if img.err != nil {
		return img
	}
	if src == "" || dst == "" {
		return img.fail(op, "", invalidf("empty source or destination"))
	}
	return img.add(copyLine(instr, src, dst))
}

// Expose declares the ports the container listens on:
//
//	EXPOSE 80 443
//
// With no ports it adds nothing. A port outside 1-65535 is an error.
func (img Image) Expose(ports ...int) Image {
	if img.err != nil || len(ports) == 0 {
		return img
	}
	words := make([]string, len(ports))
	for i, p := range ports {
		if p < 1 || p > 65535 {
			return img.fail("Expose", "", invalidf("port %d", p))
		}
		words[i] = strconv.Itoa(p)
	}
	return img.add("EXPOSE " + strings.Join(words, " ") + "\n")
}

// Volume declares mount points, in JSON form:
//
//	VOLUME ["/data", "/logs"]
//
// With no paths it adds nothing. An empty path is an error.
func (img Image) Volume(paths ...string) Image {
	if img.err != nil || len(paths) == 0 {
		return img
	}
	if slices.Contains(paths, "") {
		return img.fail("Volume", "", invalidf("empty path"))
	}
	return img.add("VOLUME " + execForm(paths) + "\n")
}

// Err returns the first error recorded by the calls that built img, or
// [ErrNoBase] (in an [*Error]) for an Image not started by a constructor.
func (img Image) Err() error {
	if img.err != nil {
		return img.err
	}
	if !img.based {
		return &Error{Err: ErrNoBase}
	}
	return nil
}

// Dockerfile returns the Dockerfile text, or the error [Image.Err] reports.
func (img Image) Dockerfile() (string, error) {
	if err := img.Err(); err != nil {
		return "", err
	}
	return img.text, nil
}

// Contexts returns the image's build contexts in the order they were added
// (the order of the build's context hashes), or the error [Image.Err]
// reports. The slice is the caller's to modify.
func (img Image) Contexts() ([]Context, error) {
	if err := img.Err(); err != nil {
		return nil, err
	}
	return slices.Clone(img.contexts), nil
}

// add returns a copy of img with text and contexts appended. The contexts
// go into a new array, so images derived from one base never share one.
func (img Image) add(text string, ctxs ...Context) Image {
	img.text += text
	if len(ctxs) > 0 {
		img.contexts = slices.Concat(img.contexts, ctxs)
	}
	return img
}

// fail returns a copy of img that records err, unless it already holds one.
func (img Image) fail(op, path string, err error) Image {
	if img.err == nil {
		img.err = &Error{Op: op, Path: path, Err: err}
	}
	return img
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// checkFile reports why p is not an existing regular file.
func checkFile(p string) error {
	fi, err := os.Stat(p)
	switch {
	case err != nil:
		return statErr(err)
	case !fi.Mode().IsRegular():
		return ErrNotFile
	}
	return nil
}
