// compose-check parses and validates docker-compose.yml with compose-go, the loader Docker Compose v2
// itself uses, so the file is checked without a Docker engine:  go run ./scripts/compose-check docker-compose.yml
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	path := "docker-compose.yml"
	if len(os.Args) > 1 {
		path = os.Args[1]
	}
	opts, err := cli.NewProjectOptions([]string{path},
		// Placeholder values for the variables the file requires (what `npm run cosigner:keys -- --compose` writes).
		cli.WithEnv([]string{
			"MASTER_KEY=" + "00000000000000000000000000000000000000000000000000000000000000aa",
			"COSIGNER_MASTER_KEY=" + "00000000000000000000000000000000000000000000000000000000000000bb",
			"COSIGNER_DB_PASSWORD=placeholder",
			"COSIGNER_SIGNING_KEY=" + "00000000000000000000000000000000000000000000000000000000000000cc",
			"COSIGNER_PUBLIC_KEY=" + "00000000000000000000000000000000000000000000000000000000000000dd",
			"COSIGNER_CALLERS=api=00,worker=00",
			"COSIGNER_API_CALLER_KEY=" + "00000000000000000000000000000000000000000000000000000000000000ee",
			"COSIGNER_WORKER_CALLER_KEY=" + "00000000000000000000000000000000000000000000000000000000000000ff",
		}),
		cli.WithName("chainflow"),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "invalid compose file:", err)
		os.Exit(1)
	}
	fmt.Printf("compose file OK: %d services\n", len(project.Services))
	for name := range project.Services {
		fmt.Println(" -", name)
	}
}
