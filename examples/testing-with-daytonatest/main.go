// Testing-with-daytonatest shows how to test your own code that uses
// Daytona: WordCount below is the code under test, and main_test.go tests it
// against daytonatest.NewServer, an emulator of the whole platform that runs
// inside the test, with fault injection for the unhappy paths.
//
//	go test ./examples/testing-with-daytonatest    # the point of this example
//	go run ./examples/testing-with-daytonatest     # WordCount on some text
//
// go run uses Daytona when DAYTONA_API_KEY is set, else the in-process
// emulator; the first line of output says which. To test programs in other
// languages, run the same emulator as a server: go run ./cmd/daytona-emulator.
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/daytona-go/daytona/examples/internal/exenv"
	daytona "github.com/daytona-go/daytona/facade"
)

func main() { exenv.Main(5*time.Minute, run) }

func run(ctx context.Context, w io.Writer, env *exenv.Env) error {
	counts, err := WordCount(ctx, env.Client, "the quick brown fox jumps over the lazy dog the end")
	if err != nil {
		return err
	}
	words := make([]string, 0, len(counts))
	for word := range counts {
		words = append(words, word)
	}
	sort.Strings(words)
	for _, word := range words {
		fmt.Fprintf(w, "%s: %d\n", word, counts[word])
	}
	return nil
}

// WordCount counts the words of text with the Unix tools of a fresh
// sandbox, which it deletes afterwards. It is the code under test.
func WordCount(ctx context.Context, c *daytona.Client, text string) (map[string]int, error) {
	sb, err := c.Create(ctx, daytona.FromSnapshot{Labels: map[string]string{"app": "wordcount"}}, daytona.CreateOptions{})
	if sb != nil { // also when it failed to start
		defer func() {
			// A context of its own: ctx may be over by now.
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			_ = sb.Delete(dctx)
		}()
	}
	if err != nil {
		return nil, fmt.Errorf("creating a sandbox: %w", err)
	}
	if err := sb.FS.Upload(ctx, "input.txt", strings.NewReader(text)); err != nil {
		return nil, fmt.Errorf("uploading the text: %w", err)
	}
	res, err := sb.Process.Exec(ctx, `tr -s '[:space:]' '\n' < input.txt | grep -v '^$' | sort | uniq -c`, daytona.ExecOptions{})
	if err != nil {
		return nil, fmt.Errorf("counting: %w", err)
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("counting: exit code %d: %s", res.ExitCode, res.Result)
	}
	counts := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(res.Result))
	for sc.Scan() {
		f := strings.Fields(sc.Text()) // "      3 the"
		if len(f) != 2 {
			continue
		}
		n, err := strconv.Atoi(f[0])
		if err != nil {
			return nil, fmt.Errorf("unexpected output line %q", sc.Text())
		}
		counts[f[1]] = n
	}
	return counts, nil
}
