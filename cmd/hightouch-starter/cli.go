package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// newRoot builds the command tree. Each command binds its flags in one
// place, a line per flag; cobra parses them and dispatches.
func (a *app) newRoot() *cobra.Command {
	cobra.EnableCommandSorting = false // help lists the commands as added
	root := &cobra.Command{
		Use:               "starter",
		Short:             "starts Hightouch syncs and sync sequences as Temporal workflows",
		Args:              cobra.ArbitraryArgs,
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				writeTopUsage(a.stderr, c)
				return &exitError{code: exitUsage}
			}
			return usageErrorf("starter: unknown command %q; run 'starter help' for the list of commands", args[0])
		},
	}
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(flagError)
	root.SetHelpFunc(func(c *cobra.Command, _ []string) { writeHelp(c.OutOrStdout(), c) })
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [command]",
		Short: "show this list, or a command's help (help <command>)",
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 {
				return usageErrorf("starter: unknown command %q; run 'starter help' for the list of commands", strings.Join(args, " "))
			}
			return target.Help()
		},
	})
	root.Flags().BoolP("help", "h", false, "show this help")
	root.AddCommand(a.syncCommand(), a.sequenceCommand(), a.waitSyncCommand(), a.waitSequenceCommand(), a.statusCommand(), a.scheduleCommand())
	return root
}

// leaf finishes a command that takes flags and no arguments: bind defines
// its flags, in the order help lists them; run checks them and runs.
func leaf(c *cobra.Command, bind func(*pflag.FlagSet), run func(c *cobra.Command) error) *cobra.Command {
	fs := c.Flags()
	fs.SortFlags = false
	bind(fs)
	fs.BoolP("help", "h", false, "show this help")
	c.Args = func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usageError(c, fmt.Errorf("unexpected argument %q (flags are written --name value)", args[0]))
		}
		return nil
	}
	c.RunE = func(c *cobra.Command, _ []string) error { return run(c) }
	return c
}

// usageError is a bad flag or argument of c: one line naming the command
// and pointing at its help, exit 2.
func usageError(c *cobra.Command, err error) error {
	return usageErrorf("%s: %v; see '%s --help'", c.CommandPath(), err, c.CommandPath())
}

// flagError words pflag's errors as the starter always has.
func flagError(c *cobra.Command, err error) error {
	var (
		notExist *pflag.NotExistError
		invalid  *pflag.InvalidValueError
	)
	switch {
	case errors.As(err, &notExist) && notExist.GetSpecifiedShortnames() != "":
		err = fmt.Errorf("flag provided but not defined: -%s (flags are written --name)", notExist.GetSpecifiedShortnames())
	case errors.As(err, &notExist):
		err = fmt.Errorf("flag provided but not defined: --%s", notExist.GetSpecifiedName())
	case errors.As(err, &invalid):
		err = fmt.Errorf("invalid value %q for flag --%s: %v", invalid.GetValue(), invalid.GetFlag().Name, errors.Unwrap(invalid))
	}
	return usageError(c, err)
}

// writeHelp writes a command's help: usage line, description, examples,
// subcommands and flags, each flag as --name value and its text below.
func writeHelp(w io.Writer, c *cobra.Command) {
	if !c.HasParent() {
		writeTopUsage(w, c)
		return
	}
	fmt.Fprintf(w, "Usage: %s\n\n%s\n", c.UseLine(), strings.TrimSpace(c.Long))
	if c.Example != "" {
		fmt.Fprintf(w, "\nExamples:\n%s\n", strings.TrimRight(c.Example, "\n"))
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprint(w, "\nSubcommands:\n")
		writeCommandList(w, c)
		fmt.Fprintf(w, "\nRun '%s <subcommand> --help' for its flags and examples.\n", c.CommandPath())
		return
	}
	fmt.Fprint(w, "\nFlags:\n")
	c.Flags().VisitAll(func(fl *pflag.Flag) {
		name, usage := pflag.UnquoteUsage(fl)
		line := "  --" + fl.Name
		if fl.Shorthand != "" {
			line = "  -" + fl.Shorthand + ", --" + fl.Name
		}
		if name != "" {
			line += " " + name
		}
		if fl.DefValue != "" && fl.DefValue != "false" {
			line += fmt.Sprintf(" (default %s)", fl.DefValue)
		}
		fmt.Fprintf(w, "%s\n      %s\n", line, strings.ReplaceAll(usage, "\n", "\n      "))
	})
}

func writeCommandList(w io.Writer, c *cobra.Command) {
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() || sub.Name() == "help" {
			fmt.Fprintf(w, "  %-13s %s\n", sub.Name(), sub.Short)
		}
	}
}

func writeTopUsage(w io.Writer, root *cobra.Command) {
	fmt.Fprint(w, `starter starts Hightouch syncs and sync sequences as Temporal workflows and
shows their progress.

Usage:
  starter <command> [flags]        (or: go run ./cmd/hightouch-starter <command> [flags])

Commands:
`)
	writeCommandList(w, root)
	fmt.Fprint(w, `
Run 'starter <command> --help' for a command's flags and examples. The
temporal CLI does the rest: 'temporal workflow' to list, cancel or terminate
workflows, 'temporal schedule' to list, describe, trigger, pause or delete the
schedules 'starter schedule create' makes.

Temporal connection: TEMPORAL_ADDRESS (default 127.0.0.1:7233), TEMPORAL_NAMESPACE
(default "default"), TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE and the
TOML config file (TEMPORAL_CONFIG_FILE). Task queue: HIGHTOUCH_TASK_QUEUE
(default "hightouch").

Exit codes: 0 success; 1 the workflow failed (or a server call did); 2 usage or
configuration error, or Temporal unreachable; 130 interrupted (the workflow goes on).
`)
}
