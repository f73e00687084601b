package specpipe

import (
	"fmt"
	"io"
	"sort"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"
)

// Changes is what changed between two versions of one contract.
type Changes struct {
	Added, Removed, Modified []string // "METHOD /path"
	Breaking                 []string // one line per breaking change, oasdiff's wording
}

// Compare diffs two contracts with oasdiff: operations added, removed and
// modified, and the changes its backward-compatibility checker rates as
// errors (breaking for existing clients).
func Compare(old, new *openapi3.T) (*Changes, error) {
	s1 := &load.SpecInfo{Url: "committed", Spec: old}
	s2 := &load.SpecInfo{Url: "new", Spec: new}
	cfg := diff.NewConfig(diff.WithExcludeElements([]string{diff.ExcludeExamplesOption, diff.ExcludeDescriptionOption}))
	d, sources, err := diff.GetWithOperationsSourcesMap(cfg, s1, s2)
	if err != nil {
		return nil, err
	}
	ch := &Changes{}
	if d == nil { // oasdiff returns no report when nothing differs
		return ch, nil
	}
	if ep := d.EndpointsDiff; ep != nil {
		for _, e := range ep.Added {
			ch.Added = append(ch.Added, e.Method+" "+e.Path)
		}
		for _, e := range ep.Deleted {
			ch.Removed = append(ch.Removed, e.Method+" "+e.Path)
		}
		for e := range ep.Modified {
			ch.Modified = append(ch.Modified, e.Method+" "+e.Path)
		}
	}
	l := checker.NewDefaultLocalizer()
	for _, c := range checker.CheckBackwardCompatibilityUntilLevel(checker.NewConfig(checker.GetAllChecks()), d, sources, checker.ERR) {
		ch.Breaking = append(ch.Breaking, c.SingleLineError(l, checker.ColorNever))
	}
	for _, s := range [][]string{ch.Added, ch.Removed, ch.Modified, ch.Breaking} {
		sort.Strings(s)
	}
	return ch, nil
}

// Print writes a human summary of the changes.
func (c *Changes) Print(w io.Writer, name string) {
	if len(c.Added)+len(c.Removed)+len(c.Modified) == 0 {
		fmt.Fprintf(w, "%s: no operation changed\n", name)
	} else {
		fmt.Fprintf(w, "%s: %d operations added, %d removed, %d changed\n", name, len(c.Added), len(c.Removed), len(c.Modified))
	}
	for _, sec := range []struct {
		title string
		lines []string
	}{{"added", c.Added}, {"removed", c.Removed}, {"changed", c.Modified}, {"breaking", c.Breaking}} {
		for _, l := range sec.lines {
			fmt.Fprintf(w, "  %-8s %s\n", sec.title, l)
		}
	}
	if len(c.Breaking) == 0 {
		fmt.Fprintf(w, "%s: no breaking change\n", name)
	}
}
