package daytona_test

import (
	"context"
	"fmt"
	"log"

	"github.com/daytona-go/daytona/daytonatest"
	daytona "github.com/daytona-go/daytona/facade"
)

// Example creates a sandbox, shows its state and deletes it. It runs
// against the in-process emulator; against Daytona itself, drop the
// emulator and call daytona.New(daytona.Config{}), which reads
// DAYTONA_API_KEY from the environment.
func Example() {
	srv, err := daytonatest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	client, err := daytona.New(daytona.Config{APIURL: srv.URL, APIKey: srv.APIKey})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	ctx := context.Background()
	sb, err := client.Create(ctx, daytona.FromSnapshot{Labels: map[string]string{"team": "docs"}}, daytona.CreateOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("state:", sb.State())
	fmt.Println("team:", sb.Labels()["team"])

	if err := sb.Delete(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("state:", sb.State())
	// Output:
	// state: started
	// team: docs
	// state: destroyed
}
