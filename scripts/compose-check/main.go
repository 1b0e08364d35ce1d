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
		cli.WithEnv([]string{"MASTER_KEY=" + "00000000000000000000000000000000000000000000000000000000000000aa"}),
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
