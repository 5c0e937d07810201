// Command compose-config checks a Compose file the way `docker compose config -q` does, with
// the loader Docker Compose v2 itself uses (github.com/compose-spec/compose-go/v2): schema,
// interpolation (`${VAR:?message}` fails when VAR is unset), extends, paths and consistency
// (every network, volume, secret and depends_on a service names exists).
//
// It stands in for `docker compose config -q` where no Compose v2 client is installed
// (tests/test_stack.py). It takes the same arguments as that command:
//
//	compose-config [--project-directory DIR] [-f FILE]... [--env-file FILE]... config [-q]
//	compose-config version
//
// Exit status 0: the file loads; 1: it does not (the loader's message on stderr); 2: usage.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/compose-spec/compose-go/v2/cli"
)

type list []string

func (l *list) String() string     { return fmt.Sprint(*l) }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	var files, envFiles list
	flags := flag.NewFlagSet("compose-config", flag.ContinueOnError)
	dir := flags.String("project-directory", "", "the project's working directory")
	flags.Var(&files, "f", "a Compose file (repeatable)")
	flags.Var(&envFiles, "env-file", "an env file for interpolation (repeatable)")
	if err := flags.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	switch rest := flags.Args(); {
	case len(rest) == 1 && rest[0] == "version":
		fmt.Println("compose-config (compose-go " + loaderVersion() + ")")
		return
	case len(rest) >= 1 && rest[0] == "config":
	default:
		fmt.Fprintln(os.Stderr, "usage: compose-config [--project-directory DIR] [-f FILE]... [--env-file FILE]... config [-q] | version")
		os.Exit(2)
	}
	options, err := cli.NewProjectOptions(files,
		cli.WithWorkingDirectory(*dir),
		cli.WithOsEnv,
		cli.WithConfigFileEnv,
		cli.WithDefaultConfigPath,
		cli.WithEnvFiles(envFiles...),
		cli.WithDotEnv,
		cli.WithResolvedPaths(true),
		cli.WithConsistency(true),
	)
	if err == nil {
		_, err = options.LoadProject(context.Background())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// loaderVersion is the compose-go module version this binary was built with.
func loaderVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/compose-spec/compose-go/v2" {
				return dep.Version
			}
		}
	}
	return "unknown"
}
