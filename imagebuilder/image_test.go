package imagebuilder

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// debianBlock returns the five lines DebianSlim writes for version v.
func debianBlock(v string) string {
	return "FROM python:" + v + "-slim-bookworm\n" +
		"RUN apt-get update\n" +
		"RUN apt-get install -y gcc gfortran build-essential\n" +
		"RUN pip install --upgrade pip\n" +
		"RUN echo 'debconf debconf/frontend select Noninteractive' | debconf-set-selections\n"
}

func dockerfile(t *testing.T, img Image) string {
	t.Helper()
	df, err := img.Dockerfile()
	require.NoError(t, err)
	return df
}

// TestCompleteExample is the complete example of PROTOCOLS.md 10.6, whose
// text was checked byte for byte against the Python builder.
func TestCompleteExample(t *testing.T) {
	t.Parallel()
	img := DebianSlim("3.12").
		PipInstallWith([]string{"pandas", "numpy>=1.0", "my pkg"}, PipOptions{
			FindLinks:      []string{"https://x/y"},
			IndexURL:       "https://idx/simple?a=1",
			ExtraIndexURLs: []string{"https://a", "https://b"},
			Pre:            true,
			ExtraOptions:   " --no-cache-dir ",
		}).
		Env(map[string]string{"GREETING": "hello world", "PLAIN": "abc", "Q": "it's"}).
		Workdir("/home/daytona/app dir").
		RunCommands("echo hi").
		RunArgv("bash", "-c", `echo "x" 'y'`).
		Entrypoint("sleep", "infinity").
		Cmd()
	const want = `FROM python:3.12.10-slim-bookworm
RUN apt-get update
RUN apt-get install -y gcc gfortran build-essential
RUN pip install --upgrade pip
RUN echo 'debconf debconf/frontend select Noninteractive' | debconf-set-selections
RUN python -m pip install 'my pkg' 'numpy>=1.0' pandas --find-links https://x/y --index-url 'https://idx/simple?a=1' --extra-index-url https://a --extra-index-url https://b --pre --no-cache-dir
ENV GREETING='hello world'
ENV PLAIN=abc
ENV Q='it'"'"'s'
WORKDIR '/home/daytona/app dir'
RUN echo hi
RUN "bash" "-c" "echo \\\"x\\\" \'y\'"
ENTRYPOINT ["sleep", "infinity"]
CMD []
`
	assert.Equal(t, want, dockerfile(t, img))
	ctxs, err := img.Contexts()
	require.NoError(t, err)
	assert.Empty(t, ctxs)
}

// TestDockerfile covers every method that needs no file, alone and
// combined. The texts follow PROTOCOLS.md 10.6; those of the methods the
// Python SDK has were checked against it.
func TestDockerfile(t *testing.T) {
	t.Parallel()
	const from = "FROM x\n"
	tests := []struct {
		name string
		img  Image
		want string
	}{
		{"base", Base("python:3.12-slim-bookworm"), "FROM python:3.12-slim-bookworm\n"},
		{"base with stage name", Base("golang:1.25 AS build"), "FROM golang:1.25 AS build\n"},
		{"debian slim 3.9", DebianSlim("3.9"), debianBlock("3.9.22")},
		{"debian slim 3.10", DebianSlim("3.10"), debianBlock("3.10.17")},
		{"debian slim 3.11", DebianSlim("3.11"), debianBlock("3.11.12")},
		{"debian slim 3.12", DebianSlim("3.12"), debianBlock("3.12.10")},
		{"debian slim 3.13", DebianSlim("3.13"), debianBlock("3.13.3")},
		{"debian slim default", DebianSlim(""), debianBlock("3.13.3")},
		{"debian slim micro verbatim", DebianSlim("3.12.4"), debianBlock("3.12.4")},
		{"debian slim rc verbatim", DebianSlim("3.13.0rc1"), debianBlock("3.13.0rc1")},

		{"pip sorted and quoted", Base("x").PipInstall("b", "a", "B", "_z", "Zed", "a b", "$HOME", "x;y", "é", "a'b", "~t", `e"q`),
			from + `RUN python -m pip install '$HOME' B Zed _z a 'a b' 'a'"'"'b' b 'e"q' 'x;y' '~t' 'é'` + "\n"},
		{"pip specifiers", Base("x").PipInstall("requests>=2,<3", "numpy==2.0", "black[d]", "pkg; python_version<'3.12'"),
			from + `RUN python -m pip install 'black[d]' numpy==2.0 'pkg; python_version<'"'"'3.12'"'"'' 'requests>=2,<3'` + "\n"},
		{"pip no packages adds nothing", Base("x").PipInstall(), from},
		{"pip no packages ignores options", Base("x").PipInstallWith(nil, PipOptions{Pre: true}), from},
		{"pip options in order", Base("x").PipInstallWith([]string{"a"}, PipOptions{
			FindLinks: []string{"/local dir", "https://f"}, ExtraIndexURLs: []string{"https://e/$x"}, ExtraOptions: "--no-deps  -U",
		}), from + "RUN python -m pip install a --find-links '/local dir' --find-links https://f --extra-index-url 'https://e/$x' --no-deps  -U\n"},
		{"pip whitespace-only extra options leave a space", Base("x").PipInstallWith([]string{"a"}, PipOptions{ExtraOptions: "   "}),
			from + "RUN python -m pip install a \n"},
		{"pip index url only", Base("x").PipInstallWith([]string{"a"}, PipOptions{IndexURL: "https://i/simple"}),
			from + "RUN python -m pip install a --index-url https://i/simple\n"},

		{"run commands verbatim", Base("x").RunCommands("a", "b && c > /d", "echo $HOME 'q'"),
			from + "RUN a\nRUN b && c > /d\nRUN echo $HOME 'q'\n"},
		{"run heredoc kept", Base("x").RunCommands("<<EOT\necho hi\nEOT"), from + "RUN <<EOT\necho hi\nEOT\n"},
		{"run argv escaping", Base("x").RunArgv("x", `a"b`, "c'd", "$HOME", `back\slash`),
			from + `RUN "x" "a\\\"b" "c\'d" "$HOME" "back\slash"` + "\n"},

		{"env quoting, keys sorted", Base("x").Env(map[string]string{"E": "é", "C": `a"b`, "A": "", "D": "x=y", "B": "$x", "F": "numpy>=1"}),
			from + "ENV A=''\nENV B='$x'\nENV C='a\"b'\nENV D=x=y\nENV E='é'\nENV F='numpy>=1'\n"},
		{"env empty map adds nothing", Base("x").Env(nil), from},
		{"workdir", Base("x").Workdir("/plain").Workdir("it's").Workdir("$HOME/x"),
			from + "WORKDIR /plain\nWORKDIR 'it'\"'\"'s'\nWORKDIR '$HOME/x'\n"},
		{"entrypoint and cmd", Base("x").Entrypoint().Entrypoint("/bin/sh", "-c", "echo $HOME").Cmd("python", "app.py"),
			from + "ENTRYPOINT []\nENTRYPOINT [\"/bin/sh\", \"-c\", \"echo $HOME\"]\nCMD [\"python\", \"app.py\"]\n"},
		{"exec form escapes what JSON needs", Base("x").Cmd(`say "hi"`, `C:\dir`, "two\nlines"),
			from + `CMD ["say \"hi\"", "C:\\dir", "two\nlines"]` + "\n"},

		{"dockerfile commands", Base("x").DockerfileCommands([]string{"RUN a", "", "# note", "ARG V=1"}, ""),
			from + "RUN a\n\n# note\nARG V=1\n"},
		{"dockerfile commands empty list", Base("x").DockerfileCommands(nil, ""), from + "\n"},

		{"apt-get", Base("x").AptGet("git", "curl", "lib foo"),
			from + "RUN apt-get update && apt-get install -y git curl 'lib foo' && rm -rf /var/lib/apt/lists/*\n"},
		{"apt-get nothing", Base("x").AptGet(), from},
		{"user", Base("x").User("daytona").User("1000:1000").User("my user"),
			from + "USER daytona\nUSER 1000:1000\nUSER 'my user'\n"},
		{"copy", Base("x").Copy("app/config.toml", "/etc/app/"), from + "COPY app/config.toml /etc/app/\n"},
		{"copy with spaces uses JSON form", Base("x").Copy("my dir/a b.txt", "/x y/"), from + `COPY ["my dir/a b.txt", "/x y/"]` + "\n"},
		{"add url", Base("x").Add("https://example.com/data.tar.gz", "/data/"), from + "ADD https://example.com/data.tar.gz /data/\n"},
		{"expose", Base("x").Expose(80, 443).Expose(), from + "EXPOSE 80 443\n"},
		{"label sorted and quoted", Base("x").Label(map[string]string{"version": "1.0", "org.opencontainers.image.title": "my image"}),
			from + "LABEL org.opencontainers.image.title='my image'\nLABEL version=1.0\n"},
		{"volume", Base("x").Volume("/data", "/my logs").Volume(), from + `VOLUME ["/data", "/my logs"]` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, dockerfile(t, tt.img))
		})
	}
}

// fixture lays out files for the methods that read the file system and
// returns its directory (an absolute path).
func fixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	touch(t, filepath.Join(dir, "proj/requirements.txt"), "numpy\n")
	touch(t, filepath.Join(dir, "proj/app.py"), "print(1)\n")
	touch(t, filepath.Join(dir, "proj/my file.txt"), "spaces\n")
	touch(t, filepath.Join(dir, "proj/src/a.txt"), "A")
	touch(t, filepath.Join(dir, "proj/src/sub/b.txt"), "B")
	mkdir(t, filepath.Join(dir, "proj/empty"))
	touch(t, filepath.Join(dir, "proj/pyproject.toml"), `[project]
name = "x"
dependencies = ["requests>=2", "flask", "my pkg"]
[project.optional-dependencies]
dev = ["pytest", "black==24.1"]
docs = ["sphinx"]
`)
	return dir
}

func TestLocalFiles(t *testing.T) {
	t.Parallel()
	dir := fixture(t)
	arc := strings.TrimPrefix(dir, "/") // the archive path of dir
	tests := []struct {
		name string
		img  Image
		want string
		ctxs []Context
	}{
		{
			name: "add local file to a directory",
			img:  Base("x").AddLocalFile(dir+"/proj/app.py", "/app/"),
			want: "FROM x\nCOPY " + arc + "/proj/app.py /app/app.py\n",
			ctxs: []Context{{dir + "/proj/app.py", arc + "/proj/app.py"}},
		},
		{
			name: "add local file, path cleaned in the archive only",
			img:  Base("x").AddLocalFile(dir+"/proj/./src/..//app.py", "/srv/main.py"),
			want: "FROM x\nCOPY " + arc + "/proj/app.py /srv/main.py\n",
			ctxs: []Context{{dir + "/proj/./src/..//app.py", arc + "/proj/app.py"}},
		},
		{
			name: "add local file with a space uses the JSON form",
			img:  Base("x").AddLocalFile(dir+"/proj/my file.txt", "/data/"),
			want: "FROM x\nCOPY [\"" + arc + "/proj/my file.txt\", \"/data/my file.txt\"]\n",
			ctxs: []Context{{dir + "/proj/my file.txt", arc + "/proj/my file.txt"}},
		},
		{
			name: "add local dir",
			img:  Base("x").AddLocalDir(dir+"/proj/src/", "/app/src"),
			want: "FROM x\nCOPY " + arc + "/proj/src /app/src\n",
			ctxs: []Context{{dir + "/proj/src/", arc + "/proj/src"}},
		},
		{
			name: "requirements",
			img:  Base("x").PipInstallFromRequirements(dir+"/proj/requirements.txt", PipOptions{IndexURL: "https://i"}),
			want: "FROM x\nCOPY " + arc + "/proj/requirements.txt /.requirements.txt\n" +
				"RUN python -m pip install -r /.requirements.txt --index-url https://i\n",
			ctxs: []Context{{dir + "/proj/requirements.txt", arc + "/proj/requirements.txt"}},
		},
		{
			name: "pyproject with groups",
			img: Base("x").PipInstallFromPyproject(dir+"/proj/pyproject.toml", PyprojectOptions{
				OptionalDependencies: []string{"dev", "missing"},
				PipOptions:           PipOptions{FindLinks: []string{"https://fl"}, ExtraIndexURLs: []string{"https://ex"}, Pre: true},
			}),
			want: "FROM x\nRUN python -m pip install black==24.1 flask 'my pkg' pytest 'requests>=2' --find-links https://fl --extra-index-url https://ex --pre\n",
		},
		{
			name: "pyproject without groups",
			img:  Base("x").PipInstallFromPyproject(dir+"/proj/pyproject.toml", PyprojectOptions{}),
			want: "FROM x\nRUN python -m pip install flask 'my pkg' 'requests>=2'\n",
		},
		{
			name: "contexts keep call order",
			img: Base("x").AddLocalDir(dir+"/proj/empty", "/e").RunCommands("true").
				AddLocalFile(dir+"/proj/app.py", "/a.py").PipInstallFromRequirements(dir+"/proj/requirements.txt", PipOptions{}),
			want: "FROM x\nCOPY " + arc + "/proj/empty /e\nRUN true\nCOPY " + arc + "/proj/app.py /a.py\n" +
				"COPY " + arc + "/proj/requirements.txt /.requirements.txt\nRUN python -m pip install -r /.requirements.txt\n",
			ctxs: []Context{
				{dir + "/proj/empty", arc + "/proj/empty"},
				{dir + "/proj/app.py", arc + "/proj/app.py"},
				{dir + "/proj/requirements.txt", arc + "/proj/requirements.txt"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, dockerfile(t, tt.img))
			ctxs, err := tt.img.Contexts()
			require.NoError(t, err)
			if tt.ctxs == nil {
				assert.Empty(t, ctxs)
			} else {
				assert.Equal(t, tt.ctxs, ctxs)
			}
		})
	}
}

// TestHomeExpansion is the add_local_file example of PROTOCOLS.md 10.6 with
// HOME pointing at a temporary directory, plus the other methods that
// expand "~".
func TestHomeExpansion(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	touch(t, filepath.Join(home, "proj/pyproject.toml"), "[project]\ndependencies = [\"a\"]\n")
	touch(t, filepath.Join(home, "proj/requirements.txt"), "a\n")
	touch(t, filepath.Join(home, "ctx/Dockerfile"), "FROM x\nCOPY f.txt /f\n")
	touch(t, filepath.Join(home, "ctx/f.txt"), "f")
	arc := strings.TrimPrefix(home, "/")

	img := Base("x").
		AddLocalFile("~/proj/pyproject.toml", "/home/daytona/").
		AddLocalDir("~/proj", "/p").
		PipInstallFromRequirements("~/proj/requirements.txt", PipOptions{}).
		PipInstallFromPyproject("~/proj/pyproject.toml", PyprojectOptions{}).
		DockerfileCommands([]string{"COPY f.txt /g"}, "~/ctx/")
	assert.Equal(t, "FROM x\n"+
		"COPY "+arc+"/proj/pyproject.toml /home/daytona/pyproject.toml\n"+
		"COPY "+arc+"/proj /p\n"+
		"COPY "+arc+"/proj/requirements.txt /.requirements.txt\n"+
		"RUN python -m pip install -r /.requirements.txt\n"+
		"RUN python -m pip install a\n"+
		"COPY f.txt /g\n", dockerfile(t, img))
	ctxs, err := img.Contexts()
	require.NoError(t, err)
	assert.Equal(t, []Context{
		{home + "/proj/pyproject.toml", arc + "/proj/pyproject.toml"},
		{home + "/proj", arc + "/proj"},
		{home + "/proj/requirements.txt", arc + "/proj/requirements.txt"},
		{home + "/ctx/f.txt", "f.txt"},
	}, ctxs)

	fromHome := FromDockerfile("~/ctx/Dockerfile")
	assert.Equal(t, "FROM x\nCOPY f.txt /f\n", dockerfile(t, fromHome))
	ctxs, err = fromHome.Contexts()
	require.NoError(t, err)
	assert.Equal(t, []Context{{home + "/ctx/f.txt", "f.txt"}}, ctxs)
}

// TestFromDockerfileScan runs the COPY-source scan examples of PROTOCOLS.md
// 10.6 through FromDockerfile.
func TestFromDockerfileScan(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, f := range []string{"a.txt", "b.txt", "c.sh", "d.txt", "e f.txt", "g.txt", "i.txt", "j.txt", "k.txt"} {
		touch(t, filepath.Join(dir, f), f)
	}
	const text = `FROM python:3.12
# COPY commented.txt /x
COPY a.txt /a
copy --chown=1000:1000 b.txt /b
COPY --chmod 755 c.sh /c
COPY --link d.txt /d
COPY ["e f.txt", "g.txt", "/dest/"]
COPY --from=builder /out /out
COPY --from builder /nonexistent-out2 /out2
COPY <<EOT /h
hello
EOT
COPY /nonexistent-abs/z /z
ADD i.txt /i
COPY j.txt k.txt /jk/
RUN echo done`
	touch(t, filepath.Join(dir, "Dockerfile"), text)
	img := FromDockerfile(dir + "/Dockerfile")
	assert.Equal(t, text, dockerfile(t, img), "the file is used verbatim, without a final newline")
	ctxs, err := img.Contexts()
	require.NoError(t, err)
	p := dir + "/"
	assert.Equal(t, []Context{
		{p + "a.txt", "a.txt"},
		{p + "b.txt", "b.txt"},
		{p + "c.sh", "c.sh"},
		{p + "e f.txt,", "e f.txt,"}, // the JSON form keeps the commas
		{p + "g.txt,", "g.txt,"},
		{"/nonexistent-out2", "/nonexistent-out2"}, // "--from builder" is not recognised
		{"/nonexistent-abs/z", "/nonexistent-abs/z"},
		{p + "j.txt", "j.txt"},
		{p + "k.txt", "k.txt"},
	}, ctxs)

	// A context that does not exist fails when it is hashed or archived.
	_, err = ctxs[3].Hash()
	require.ErrorIs(t, err, fs.ErrNotExist)
}

func TestFromDockerfileDetails(t *testing.T) {
	dir := t.TempDir()
	touch(t, filepath.Join(dir, "ctx/a.txt"), "a")
	touch(t, filepath.Join(dir, "ctx/x1.py"), "1")
	touch(t, filepath.Join(dir, "ctx/x2.py"), "2")
	touch(t, filepath.Join(dir, "ctx/.h.py"), "h")
	touch(t, filepath.Join(dir, "ctx/dir1/q.txt"), "q")
	touch(t, filepath.Join(dir, "ctx/Dockerfile.crlf"), "FROM alpine\r\nCOPY a.txt /a\r\nRUN x\rRUN y\r\n")
	touch(t, filepath.Join(dir, "ctx/Dockerfile.glob"), "FROM alpine\nCOPY *.py /py/\n  copy   ./a.txt dir* /d/\nCOPY missing*.txt /m\n")

	t.Run("line ends read as LF", func(t *testing.T) {
		img := FromDockerfile(dir + "/ctx/Dockerfile.crlf").PipInstall("x")
		assert.Equal(t, "FROM alpine\nCOPY a.txt /a\nRUN x\nRUN y\nRUN python -m pip install x\n", dockerfile(t, img))
		ctxs, err := img.Contexts()
		require.NoError(t, err)
		assert.Equal(t, []Context{{dir + "/ctx/a.txt", "a.txt"}}, ctxs)
	})
	t.Run("globs", func(t *testing.T) {
		ctxs, err := FromDockerfile(dir + "/ctx/Dockerfile.glob").Contexts()
		require.NoError(t, err)
		require.Len(t, ctxs, 5)
		assert.ElementsMatch(t, []Context{{dir + "/ctx/x1.py", "x1.py"}, {dir + "/ctx/x2.py", "x2.py"}}, ctxs[:2],
			"'*' matches in directory order and skips dotfiles")
		assert.Equal(t, []Context{
			{dir + "/ctx/./a.txt", "./a.txt"},
			{dir + "/ctx/dir1", "dir1"},
			{dir + "/ctx/missing*.txt", "missing*.txt"},
		}, ctxs[2:])
	})
	t.Run("relative path", func(t *testing.T) {
		t.Chdir(dir)
		img := FromDockerfile("./ctx//Dockerfile.crlf")
		ctxs, err := img.Contexts()
		require.NoError(t, err)
		assert.Equal(t, []Context{{"ctx/a.txt", "a.txt"}}, ctxs)
		h, err := ctxs[0].Hash()
		require.NoError(t, err)
		assert.Equal(t, md5hex("a.txt", "a"), h)
	})
}

func TestDockerfileCommandsContexts(t *testing.T) {
	dir := t.TempDir()
	touch(t, filepath.Join(dir, "ctx/a.txt"), "a")
	touch(t, filepath.Join(dir, "ctx/b.txt"), "b")
	touch(t, filepath.Join(dir, "ctx/dir1/q.txt"), "q")
	touch(t, filepath.Join(dir, "other/z.txt"), "z")
	lines := []string{"COPY a.txt /a", "COPY dir1 /d", "COPY " + dir + "/other/z.txt /z", "ADD b.txt /b"}

	tests := []struct {
		name       string
		contextDir string
		want       []Context
	}{
		{"context dir with slash", dir + "/ctx/", []Context{
			{dir + "/ctx/a.txt", "a.txt"},
			{dir + "/ctx/dir1", "dir1"},
			{dir + "/other/z.txt", dir + "/other/z.txt"},
		}},
		{"context dir without slash gives a leading slash", dir + "/ctx", []Context{
			{dir + "/ctx/a.txt", "/a.txt"},
			{dir + "/ctx/dir1", "/dir1"},
			{dir + "/other/z.txt", dir + "/other/z.txt"},
		}},
		{"unmatched sources are kept", dir + "/other", []Context{
			{dir + "/other/a.txt", "/a.txt"},
			{dir + "/other/dir1", "/dir1"},
			{dir + "/other/z.txt", dir + "/other/z.txt"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := Base("x").DockerfileCommands(lines, tt.contextDir)
			assert.Equal(t, "FROM x\n"+strings.Join(lines, "\n")+"\n", dockerfile(t, img))
			ctxs, err := img.Contexts()
			require.NoError(t, err)
			assert.Equal(t, tt.want, ctxs)
		})
	}

	t.Run("no context dir: relative to the working directory", func(t *testing.T) {
		t.Chdir(dir)
		ctxs, err := Base("x").DockerfileCommands([]string{"COPY ctx/a.txt /a", "COPY " + dir + "/ctx/b.txt /b"}, "").Contexts()
		require.NoError(t, err)
		assert.Equal(t, []Context{{"ctx/a.txt", "ctx/a.txt"}, {dir + "/ctx/b.txt", dir + "/ctx/b.txt"}}, ctxs)
	})
}

func TestCopyLineSources(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line string
		want []string
	}{
		{"COPY a.txt /a", []string{"a.txt"}},
		{"copy --chown=1000:1000 b.txt /b", []string{"b.txt"}},
		{"COPY --chmod 755 c.sh /c", []string{"c.sh"}},
		{"COPY --link d.txt /d", nil},
		{`COPY ["e f.txt", "g.txt", "/dest/"]`, []string{"e f.txt,", "g.txt,"}},
		{"COPY --from builder /out2 /out2", []string{"/out2"}},
		{"COPY j.txt k.txt /jk/", []string{"j.txt", "k.txt"}},
		{"COPY --chmod 755 --link a b /ab", []string{"--link", "a", "b"}}, // the flag loop stops at "755"
		{"COPY --a --b=1 x /y", []string{"x"}},
		{"COPY --a --b x /y", nil}, // "--b" takes "x"
		{"COPY onlyone", nil},
		{`COPY ["unclosed /a`, nil},
		{"COPY 'q r' /s", []string{"q r"}},
	}
	for _, tt := range tests {
		got, err := copyLineSources(tt.line)
		require.NoError(t, err, tt.line)
		assert.Equal(t, tt.want, got, tt.line)
	}
	_, err := copyLineSources(`COPY "unclosed /a`)
	require.ErrorIs(t, err, errNoClosingQuotation)

	scanned := []struct {
		line string
		want bool
	}{
		{"COPY a /b", true},
		{"copy\ta /b", true},
		{"COPY\u00a0a /b", true}, // Python's \s matches a no-break space
		{"COPYa /b", false},
		{"COPY --from=x a /b", false},
		{"COPY a /b --from=x", false},
		{"ADD a /b", false},
		{"RUN COPY a /b", false},
	}
	for _, tt := range scanned {
		assert.Equal(t, tt.want, isScannedCopy(tt.line), tt.line)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	dir := fixture(t)
	touch(t, filepath.Join(dir, "bad/noproject.toml"), "[tool.x]\na = 1\n")
	touch(t, filepath.Join(dir, "bad/nodeps.toml"), "[project]\nname = \"x\"\n")
	touch(t, filepath.Join(dir, "bad/depsnotlist.toml"), "[project]\ndependencies = \"x\"\n")
	touch(t, filepath.Join(dir, "bad/depint.toml"), "[project]\ndependencies = [1]\n")
	touch(t, filepath.Join(dir, "bad/invalid.toml"), "[project\n")
	touch(t, filepath.Join(dir, "bad/optnottable.toml"), "[project]\ndependencies = []\noptional-dependencies = 1\n")
	touch(t, filepath.Join(dir, "bad/groupnotlist.toml"), "[project]\ndependencies = []\n[project.optional-dependencies]\ndev = \"x\"\n")
	touch(t, filepath.Join(dir, "bad/Dockerfile.quote"), "FROM x\nCOPY \"unclosed /a\n")
	touch(t, filepath.Join(dir, "bad/Dockerfile.latin1"), "FROM x\n# caf\xe9\n")
	missing := filepath.Join(dir, "missing")
	file := filepath.Join(dir, "proj/app.py")
	b := Base("x")

	tests := []struct {
		name   string
		img    Image
		target error
		op     string
	}{
		{"python 3.8", DebianSlim("3.8"), ErrInvalid, "DebianSlim"},
		{"python 3.14", DebianSlim("3.14"), ErrInvalid, "DebianSlim"},
		{"python 3", DebianSlim("3"), ErrInvalid, "DebianSlim"},
		{"python series rc", DebianSlim("3.12rc1"), ErrInvalid, "DebianSlim"},
		{"python 2.7", DebianSlim("2.7"), ErrInvalid, "DebianSlim"},
		{"python four parts", DebianSlim("3.12.1.1"), ErrInvalid, "DebianSlim"},
		{"python trailing newline", DebianSlim("3.12\n"), ErrInvalid, "DebianSlim"},
		{"python word", DebianSlim("latest"), ErrInvalid, "DebianSlim"},
		{"empty base", Base(" "), ErrInvalid, "Base"},
		{"base with newline", Base("x\nRUN evil"), ErrInvalid, "Base"},
		{"from missing dockerfile", FromDockerfile(missing), fs.ErrNotExist, "FromDockerfile"},
		{"from a directory", FromDockerfile(dir), ErrNotFile, "FromDockerfile"},
		{"from a non-UTF-8 dockerfile", FromDockerfile(dir + "/bad/Dockerfile.latin1"), ErrInvalid, "FromDockerfile"},
		{"from a dockerfile with an unbalanced quote", FromDockerfile(dir + "/bad/Dockerfile.quote"), ErrInvalid, "FromDockerfile"},
		{"empty package", b.PipInstall("a", ""), ErrInvalid, "PipInstall"},
		{"blank package", b.PipInstall(" "), ErrInvalid, "PipInstall"},
		{"package with newline", b.PipInstall("a\nRUN evil"), ErrInvalid, "PipInstall"},
		{"empty find-links", b.PipInstallWith([]string{"a"}, PipOptions{FindLinks: []string{""}}), ErrInvalid, "PipInstallWith"},
		{"extra index with newline", b.PipInstallWith([]string{"a"}, PipOptions{ExtraIndexURLs: []string{"a\nb"}}), ErrInvalid, "PipInstallWith"},
		{"extra options with newline", b.PipInstallWith([]string{"a"}, PipOptions{ExtraOptions: "-U\n-q"}), ErrInvalid, "PipInstallWith"},
		{"requirements missing", b.PipInstallFromRequirements(missing, PipOptions{}), fs.ErrNotExist, "PipInstallFromRequirements"},
		{"requirements is a directory", b.PipInstallFromRequirements(dir, PipOptions{}), ErrNotFile, "PipInstallFromRequirements"},
		{"requirements bad option", b.PipInstallFromRequirements(dir+"/proj/requirements.txt", PipOptions{IndexURL: "a\nb"}), ErrInvalid, "PipInstallFromRequirements"},
		{"pyproject missing", b.PipInstallFromPyproject(missing, PyprojectOptions{}), fs.ErrNotExist, "PipInstallFromPyproject"},
		{"pyproject is a directory", b.PipInstallFromPyproject(dir, PyprojectOptions{}), ErrNotFile, "PipInstallFromPyproject"},
		{"pyproject without project", b.PipInstallFromPyproject(dir+"/bad/noproject.toml", PyprojectOptions{}), ErrInvalid, "PipInstallFromPyproject"},
		{"pyproject without dependencies", b.PipInstallFromPyproject(dir+"/bad/nodeps.toml", PyprojectOptions{}), ErrInvalid, "PipInstallFromPyproject"},
		{"pyproject dependencies not a list", b.PipInstallFromPyproject(dir+"/bad/depsnotlist.toml", PyprojectOptions{}), ErrInvalid, "PipInstallFromPyproject"},
		{"pyproject dependency not a string", b.PipInstallFromPyproject(dir+"/bad/depint.toml", PyprojectOptions{}), ErrInvalid, "PipInstallFromPyproject"},
		{"pyproject invalid TOML", b.PipInstallFromPyproject(dir+"/bad/invalid.toml", PyprojectOptions{}), ErrInvalid, "PipInstallFromPyproject"},
		{"pyproject optional not a table", b.PipInstallFromPyproject(dir+"/bad/optnottable.toml", PyprojectOptions{OptionalDependencies: []string{"dev"}}), ErrInvalid, "PipInstallFromPyproject"},
		{"pyproject group not a list", b.PipInstallFromPyproject(dir+"/bad/groupnotlist.toml", PyprojectOptions{OptionalDependencies: []string{"dev"}}), ErrInvalid, "PipInstallFromPyproject"},
		{"local file missing", b.AddLocalFile(missing, "/x"), fs.ErrNotExist, "AddLocalFile"},
		{"local file is a directory", b.AddLocalFile(dir+"/proj", "/x"), ErrNotFile, "AddLocalFile"},
		{"local file empty remote", b.AddLocalFile(file, ""), ErrInvalid, "AddLocalFile"},
		{"local dir missing", b.AddLocalDir(missing, "/x"), fs.ErrNotExist, "AddLocalDir"},
		{"local dir is a file", b.AddLocalDir(file, "/x"), ErrNotDir, "AddLocalDir"},
		{"local dir empty remote", b.AddLocalDir(dir, ""), ErrInvalid, "AddLocalDir"},
		{"context dir missing", b.DockerfileCommands([]string{"COPY a /b"}, missing), fs.ErrNotExist, "DockerfileCommands"},
		{"context dir is a file", b.DockerfileCommands([]string{"COPY a /b"}, file), ErrNotDir, "DockerfileCommands"},
		{"commands with an unbalanced quote", b.DockerfileCommands([]string{"COPY 'a /b"}, ""), ErrInvalid, "DockerfileCommands"},
		{"empty command", b.RunCommands("true", " "), ErrInvalid, "RunCommands"},
		{"empty argv", b.RunArgv(), ErrInvalid, "RunArgv"},
		{"argv with newline", b.RunArgv("echo", "a\nb"), ErrInvalid, "RunArgv"},
		{"env empty key", b.Env(map[string]string{"": "v"}), ErrInvalid, "Env"},
		{"env key with space", b.Env(map[string]string{"A B": "v"}), ErrInvalid, "Env"},
		{"env key with equals", b.Env(map[string]string{"A=B": "v"}), ErrInvalid, "Env"},
		{"env value with newline", b.Env(map[string]string{"A": "1\n2"}), ErrInvalid, "Env"},
		{"label key with quote", b.Label(map[string]string{`a"b`: "v"}), ErrInvalid, "Label"},
		{"label value with newline", b.Label(map[string]string{"a": "v\r"}), ErrInvalid, "Label"},
		{"empty workdir", b.Workdir(""), ErrInvalid, "Workdir"},
		{"workdir with newline", b.Workdir("/a\n/b"), ErrInvalid, "Workdir"},
		{"empty user", b.User(""), ErrInvalid, "User"},
		{"empty apt package", b.AptGet("git", ""), ErrInvalid, "AptGet"},
		{"copy without source", b.Copy("", "/x"), ErrInvalid, "Copy"},
		{"add without destination", b.Add("https://x", ""), ErrInvalid, "Add"},
		{"port 0", b.Expose(80, 0), ErrInvalid, "Expose"},
		{"port too large", b.Expose(65536), ErrInvalid, "Expose"},
		{"empty volume", b.Volume("/data", ""), ErrInvalid, "Volume"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.img.Err()
			require.ErrorIs(t, err, tt.target)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.op, e.Op)
			assert.True(t, strings.HasPrefix(err.Error(), "imagebuilder: "+tt.op), err.Error())

			df, dfErr := tt.img.Dockerfile()
			assert.Empty(t, df)
			assert.Equal(t, err, dfErr)
			ctxs, ctxErr := tt.img.Contexts()
			assert.Nil(t, ctxs)
			assert.Equal(t, err, ctxErr)
		})
	}
}

func TestErrorDetails(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nope.txt")

	err := Base("x").AddLocalFile(missing, "/x").Err()
	assert.Equal(t, `imagebuilder: AddLocalFile "`+missing+`": file does not exist`, err.Error())

	err = DebianSlim("3.8").Err()
	assert.Contains(t, err.Error(), `unsupported Python version "3.8"`)
	assert.Contains(t, err.Error(), "3.13")

	// The first error wins, and later calls change nothing.
	first := DebianSlim("3.8")
	later := first.AddLocalFile(missing, "/x").PipInstall("").RunCommands("echo")
	assert.Equal(t, first, later)
	assert.Contains(t, later.Err().Error(), "DebianSlim")

	// The zero Image has no base, whatever is added to it.
	var zero Image
	for _, img := range []Image{zero, zero.RunCommands("echo"), zero.Entrypoint("sh")} {
		require.ErrorIs(t, img.Err(), ErrNoBase)
		_, err := img.Dockerfile()
		require.ErrorIs(t, err, ErrNoBase)
		_, err = img.Contexts()
		require.ErrorIs(t, err, ErrNoBase)
	}
	assert.Equal(t, "imagebuilder: "+ErrNoBase.Error(), zero.Err().Error())
	require.NoError(t, Base("x").Err())
	assert.False(t, errors.Is(Base("x").RunCommands("x").Err(), ErrInvalid))
}

// TestImmutable checks that no method changes its receiver and that images
// derived from one base share no mutable state.
func TestImmutable(t *testing.T) {
	t.Parallel()
	dir := fixture(t)
	base := Base("x").AddLocalFile(dir+"/proj/app.py", "/a.py")
	baseText := dockerfile(t, base)
	baseCtxs, err := base.Contexts()
	require.NoError(t, err)

	a := base.AddLocalFile(dir+"/proj/requirements.txt", "/r.txt")
	b := base.AddLocalDir(dir+"/proj/src", "/src")
	c := base.PipInstall("numpy").Env(map[string]string{"A": "1"})
	failed := base.PipInstall("")

	assert.Equal(t, baseText, dockerfile(t, base), "the receiver's text is unchanged")
	got, err := base.Contexts()
	require.NoError(t, err)
	assert.Equal(t, baseCtxs, got, "the receiver's contexts are unchanged")
	require.NoError(t, base.Err(), "an error in a derived image does not reach the base")
	require.Error(t, failed.Err())

	arc := strings.TrimPrefix(dir, "/")
	assert.Equal(t, baseText+"COPY "+arc+"/proj/requirements.txt /r.txt\n", dockerfile(t, a))
	assert.Equal(t, baseText+"COPY "+arc+"/proj/src /src\n", dockerfile(t, b))
	assert.Equal(t, baseText+"RUN python -m pip install numpy\nENV A=1\n", dockerfile(t, c))
	aCtxs, _ := a.Contexts()
	bCtxs, _ := b.Contexts()
	cCtxs, _ := c.Contexts()
	assert.Equal(t, []Context{baseCtxs[0], {dir + "/proj/requirements.txt", arc + "/proj/requirements.txt"}}, aCtxs)
	assert.Equal(t, []Context{baseCtxs[0], {dir + "/proj/src", arc + "/proj/src"}}, bCtxs)
	assert.Equal(t, baseCtxs, cCtxs)

	// The internal arrays are distinct, so appending to one image can never
	// show through another.
	arrays := map[*Context]string{}
	for name, img := range map[string]Image{"base": base, "a": a, "b": b} {
		p := unsafe.SliceData(img.contexts)
		other, shared := arrays[p]
		require.False(t, shared, "%s shares its contexts array with %s", name, other)
		arrays[p] = name
	}
	assert.Equal(t, len(base.contexts), cap(base.contexts), "no spare capacity to append into")

	// Contexts returns a copy.
	got[0].LocalPath = "changed"
	again, _ := base.Contexts()
	assert.Equal(t, dir+"/proj/app.py", again[0].LocalPath)

	// Arguments are not modified either: PipInstallWith sorts a copy.
	pkgs := []string{"b", "a"}
	_ = base.PipInstallWith(pkgs, PipOptions{})
	assert.Equal(t, []string{"b", "a"}, pkgs)
}

// TestConcurrentDerivation builds many variants of one base at once; run
// with -race.
func TestConcurrentDerivation(t *testing.T) {
	t.Parallel()
	dir := fixture(t)
	base := DebianSlim("3.12").AddLocalDir(dir+"/proj/src", "/src")
	want := dockerfile(t, base)
	var wg sync.WaitGroup
	results := make([]Image, 16)
	for i := range results {
		wg.Go(func() {
			results[i] = base.AddLocalFile(dir+"/proj/app.py", "/app.py").Workdir("/w" + strings.Repeat("x", i))
		})
	}
	wg.Wait()
	assert.Equal(t, want, dockerfile(t, base))
	arc := strings.TrimPrefix(dir, "/")
	for i, img := range results {
		assert.Equal(t, want+"COPY "+arc+"/proj/app.py /app.py\nWORKDIR /w"+strings.Repeat("x", i)+"\n", dockerfile(t, img))
		ctxs, err := img.Contexts()
		require.NoError(t, err)
		require.Len(t, ctxs, 2)
	}
}

func TestDockerfileTrailingNewlines(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "Dockerfile")
	touch(t, p, "FROM alpine")
	img := FromDockerfile(p)
	assert.Equal(t, "FROM alpine", dockerfile(t, img), "nothing is added to the file's text")
	assert.Equal(t, "FROM alpineRUN x\n", dockerfile(t, img.RunCommands("x")),
		"as in the Python SDK, a Dockerfile without a final newline runs into the next instruction")
	empty := filepath.Join(t.TempDir(), "Dockerfile")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	assert.Equal(t, "", dockerfile(t, FromDockerfile(empty)))
}
