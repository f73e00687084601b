// Command benchtable turns `go test -bench` output into a Markdown table
// that sets each benchmark beside its baseline from the same run, with
// their ratio, and writes it into a Markdown file between two markers.
//
//	go test -run '^$' -bench . -benchmem ./... > bench.txt
//	go run ./internal/cmd/benchtable -in bench.txt -md BENCHMARKS.md
//
// A result is a baseline when a segment of its name matches -baseline
// (default: "baseline", any case, or "net_http"). A benchmark is compared
// with every baseline of its package whose name, without the baseline
// segment ("XBaseline" counts as "X"), equals the benchmark's name or the
// benchmark's name without one of its sub-benchmark segments: so
// Demux/demux/frame=1 pairs with Demux/baseline-copy/frame=1, and
// DownloadFile with DownloadFileBaseline. -pair adds pairs the names do not
// show, as "pkg.Benchmark=Baseline" (pkg: the end of the import path).
//
// The table has a row per pair and metric: ns/op, MB/s and every custom
// metric (B/op and allocs/op stay in the raw output). The ratio is the
// benchmark's value divided by the baseline's. Benchmarks without a
// baseline are listed after the table.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

// pairFlags collects -pair values.
type pairFlags []string

func (p *pairFlags) String() string     { return strings.Join(*p, ",") }
func (p *pairFlags) Set(v string) error { *p = append(*p, v); return nil }

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("benchtable", flag.ContinueOnError)
	in := fs.String("in", "", "benchmark output to read (default: standard input)")
	md := fs.String("md", "", "Markdown file whose table, between <!-- bench table --> and <!-- /bench table -->, is replaced (default: print the table)")
	baseline := fs.String("baseline", `(?i)baseline|^net_http$`, "regexp matching a baseline's name segment")
	var pairs pairFlags
	fs.Var(&pairs, "pair", `explicit pair "pkg.Benchmark=Baseline" (repeatable)`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	re, err := regexp.Compile(*baseline)
	if err != nil {
		return fmt.Errorf("-baseline: %w", err)
	}
	r := stdin
	if *in != "" {
		f, err := os.Open(*in)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	rep, err := parse(r)
	if err != nil {
		return err
	}
	if len(rep.results) == 0 {
		return errors.New("no benchmark results in the input")
	}
	extra := map[[2]string]bool{} // {pkg.Benchmark, pkg.Baseline}
	for _, p := range pairs {
		name, base, ok := strings.Cut(p, "=")
		pkg, bench, ok2 := strings.Cut(name, ".")
		if !ok || !ok2 {
			return fmt.Errorf("-pair %q: want pkg.Benchmark=Baseline", p)
		}
		extra[[2]string{pkg + "." + bench, pkg + "." + base}] = true
	}
	table := render(rep, re, extra)
	if *md == "" {
		_, err := io.WriteString(stdout, table)
		return err
	}
	return replaceTable(*md, table)
}

// result is one benchmark line.
type result struct {
	pkg     string // import path
	name    string // without "Benchmark" and the -GOMAXPROCS suffix
	metrics map[string]float64
	units   []string // in input order
}

type report struct {
	goos, goarch, cpu string
	results           []result
}

var (
	benchLine = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+(.+)$`)
	header    = regexp.MustCompile(`^(goos|goarch|pkg|cpu): (.*)$`)
)

// parse reads `go test -bench` output.
func parse(r io.Reader) (*report, error) {
	rep := &report{}
	pkg := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if m := header.FindStringSubmatch(line); m != nil {
			switch m[1] {
			case "goos":
				rep.goos = m[2]
			case "goarch":
				rep.goarch = m[2]
			case "cpu":
				rep.cpu = m[2]
			case "pkg":
				pkg = m[2]
			}
			continue
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		res := result{pkg: pkg, name: m[1], metrics: map[string]float64{}}
		f := strings.Fields(m[2])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%s: value %q: %w", res.name, f[i], err)
			}
			res.metrics[f[i+1]] = v
			res.units = append(res.units, f[i+1])
		}
		rep.results = append(rep.results, res)
	}
	return rep, sc.Err()
}

// baselineKey returns the name a baseline stands for, or false when r is
// not a baseline.
func baselineKey(name string, re *regexp.Regexp) (string, bool) {
	segs := strings.Split(name, "/")
	for i, s := range segs {
		if !re.MatchString(s) {
			continue
		}
		if i == 0 {
			segs[0] = strings.TrimSuffix(strings.TrimSuffix(s, "Baseline"), "baseline")
			return strings.Join(segs, "/"), true
		}
		return strings.Join(slices.Delete(segs, i, i+1), "/"), true
	}
	return "", false
}

// candidateKeys are the names a benchmark may be compared under.
func candidateKeys(name string) []string {
	keys := []string{name}
	segs := strings.Split(name, "/")
	for i := 1; i < len(segs); i++ {
		keys = append(keys, strings.Join(slices.Delete(slices.Clone(segs), i, i+1), "/"))
	}
	return keys
}

// shortPkg is the last element of an import path.
func shortPkg(p string) string { return p[strings.LastIndex(p, "/")+1:] }

// tableMetrics are the metrics of a row pair: ns/op, MB/s and custom ones.
func tableMetrics(a, b result) []string {
	var out []string
	for _, u := range a.units {
		if u == "B/op" || u == "allocs/op" {
			continue
		}
		if _, ok := b.metrics[u]; ok {
			out = append(out, u)
		}
	}
	return out
}

func render(rep *report, re *regexp.Regexp, extra map[[2]string]bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Machine: %s/%s, %s, %d CPUs, %s; %s.\n\n", rep.goos, rep.goarch, rep.cpu, runtime.NumCPU(),
		runtime.Version(), time.Now().UTC().Format("2006-01-02"))
	b.WriteString("| package | benchmark | baseline | metric | value | baseline value | ratio |\n")
	b.WriteString("|---|---|---|---|---:|---:|---:|\n")
	paired := map[int]bool{}
	for i, r := range rep.results {
		if _, isBase := baselineKey(r.name, re); isBase {
			paired[i] = true
			continue
		}
		keys := candidateKeys(r.name)
		for j, base := range rep.results {
			if base.pkg != r.pkg {
				continue
			}
			key, isBase := baselineKey(base.name, re)
			explicit := extra[[2]string{shortPkg(r.pkg) + "." + r.name, shortPkg(base.pkg) + "." + base.name}]
			if !explicit && (!isBase || !slices.Contains(keys, key)) {
				continue
			}
			paired[i], paired[j] = true, true
			for _, u := range tableMetrics(r, base) {
				ratio := "-"
				if bv := base.metrics[u]; bv != 0 {
					ratio = fmt.Sprintf("%.2f", r.metrics[u]/bv)
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", shortPkg(r.pkg), r.name, base.name, u,
					num(r.metrics[u]), num(base.metrics[u]), ratio)
			}
		}
	}
	var alone []string
	for i, r := range rep.results {
		if !paired[i] {
			alone = append(alone, fmt.Sprintf("%s %s (%s ns/op)", shortPkg(r.pkg), r.name, num(r.metrics["ns/op"])))
		}
	}
	if len(alone) > 0 {
		b.WriteString("\nWithout a baseline: " + strings.Join(alone, "; ") + ".\n")
	}
	return b.String()
}

// num formats a value with about four significant digits.
func num(v float64) string {
	switch {
	case v >= 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
}

const (
	beginMarker = "<!-- bench table -->"
	endMarker   = "<!-- /bench table -->"
)

// replaceTable writes table between the markers of the Markdown file md.
func replaceTable(md, table string) error {
	b, err := os.ReadFile(md)
	if err != nil {
		return err
	}
	s := string(b)
	i, j := strings.Index(s, beginMarker), strings.Index(s, endMarker)
	if i < 0 || j < i {
		return fmt.Errorf("%s: no %s ... %s section", md, beginMarker, endMarker)
	}
	s = s[:i+len(beginMarker)] + "\n" + table + s[j:]
	return os.WriteFile(md, []byte(s), 0o644)
}
