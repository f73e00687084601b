package daytonatest

import (
	"fmt"
	"strings"
)

// dockerfileInstructions are the instructions a Dockerfile may use.
var dockerfileInstructions = map[string]bool{
	"FROM": true, "RUN": true, "CMD": true, "LABEL": true, "MAINTAINER": true,
	"EXPOSE": true, "ENV": true, "ADD": true, "COPY": true, "ENTRYPOINT": true,
	"VOLUME": true, "USER": true, "WORKDIR": true, "ARG": true, "ONBUILD": true,
	"STOPSIGNAL": true, "HEALTHCHECK": true, "SHELL": true,
}

// dockerfileLines splits a Dockerfile into its instructions: continuation
// lines joined, comments and blank lines dropped.
func dockerfileLines(text string) []string {
	var out []string
	var cur strings.Builder
	for _, raw := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line := strings.TrimSpace(raw)
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if body, ok := strings.CutSuffix(line, "\\"); ok {
			cur.WriteString(strings.TrimSpace(body))
			cur.WriteByte(' ')
			continue
		}
		cur.WriteString(line)
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// checkDockerfile returns why the Dockerfile cannot be built, or "".
func checkDockerfile(text string) string {
	lines := dockerfileLines(text)
	sawFrom := false
	for _, l := range lines {
		kw, _, _ := strings.Cut(l, " ")
		kw = strings.ToUpper(kw)
		if !dockerfileInstructions[kw] {
			return fmt.Sprintf("dockerfile parse error: unknown instruction: %s", kw)
		}
		if kw == "FROM" {
			sawFrom = true
		} else if !sawFrom && kw != "ARG" {
			return "no build stage in current context: the Dockerfile must begin with a FROM instruction"
		}
	}
	if !sawFrom {
		return "the Dockerfile has no FROM instruction"
	}
	return ""
}

// buildSteps is the build log of a Dockerfile: one line per instruction, in
// the format of Docker's classic builder.
func buildSteps(text string) []string {
	lines := dockerfileLines(text)
	out := make([]string, 0, len(lines))
	for i, l := range lines {
		out = append(out, fmt.Sprintf("Step %d/%d : %s\n", i+1, len(lines), l))
	}
	return out
}
