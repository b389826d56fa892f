package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
)

// flags is a command's flag set with its help text. Flags are written
// --name in help and messages; the flag package accepts -name too.
type flags struct {
	*flag.FlagSet
	cmd   string // e.g. "sync" or "schedule create"
	usage string // the synopsis, description and examples
	order []string
}

// The flag definers record the order of definition, which help keeps: the
// flag package would sort the names.

func (f *flags) StringVar(p *string, name, value, usage string) {
	f.FlagSet.StringVar(p, name, value, usage)
	f.order = append(f.order, name)
}

func (f *flags) BoolVar(p *bool, name string, value bool, usage string) {
	f.FlagSet.BoolVar(p, name, value, usage)
	f.order = append(f.order, name)
}

func (f *flags) Bool(name string, value bool, usage string) *bool {
	p := new(bool)
	f.BoolVar(p, name, value, usage)
	return p
}

func (f *flags) Var(v flag.Value, name, usage string) {
	f.FlagSet.Var(v, name, usage)
	f.order = append(f.order, name)
}

func newFlags(cmd, usage string) *flags {
	fs := flag.NewFlagSet("starter "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported as one line by parse
	return &flags{FlagSet: fs, cmd: cmd, usage: usage}
}

// doubleDash writes the flag names in the flag package's messages --name.
var doubleDash = strings.NewReplacer("defined: -", "defined: --", "argument: -", "argument: --", "for flag -", "for flag --", " for -", " for --")

// parse parses args. --help writes the help to stdout and returns
// flag.ErrHelp; a bad flag or a stray argument is a one-line usage error.
func (f *flags) parse(args []string, stdout io.Writer) error {
	err := f.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		f.writeHelp(stdout)
		return flag.ErrHelp
	case err != nil:
		msg := doubleDash.Replace(err.Error())
		return f.usageErrorf("%s", msg)
	case f.NArg() > 0:
		return f.usageErrorf("unexpected argument %q (flags are written --name value)", f.Arg(0))
	}
	return nil
}

// usageErrorf is a usage error naming the command and pointing at its help.
func (f *flags) usageErrorf(format string, args ...any) error {
	return usageErrorf("starter %s: %s; see 'starter %s --help'", f.cmd, fmt.Sprintf(format, args...), f.cmd)
}

// isSet reports whether the flag was given on the command line.
func (f *flags) isSet(name string) bool {
	set := false
	f.Visit(func(fl *flag.Flag) {
		if fl.Name == name {
			set = true
		}
	})
	return set
}

// writeHelp writes the usage text and every flag, --name style.
func (f *flags) writeHelp(w io.Writer) {
	fmt.Fprint(w, strings.TrimLeft(f.usage, "\n"))
	fmt.Fprint(w, "\nFlags:\n")
	for _, n := range f.order {
		fl := f.Lookup(n)
		name, usage := flag.UnquoteUsage(fl)
		line := "  --" + fl.Name
		switch v := fl.Value.(type) {
		case interface{ IsBoolFlag() bool }:
			if v.IsBoolFlag() {
				name = ""
			}
		case *durationFlag:
			if name == "value" {
				name = "duration"
			}
		case *choiceFlag:
			if name == "value" {
				name = strings.Join(v.choices, "|")
			}
		}
		if name != "" {
			line += " " + name
		}
		if fl.DefValue != "" && fl.DefValue != "false" {
			usage += fmt.Sprintf(" (default %s)", fl.DefValue)
		}
		fmt.Fprintf(w, "%s\n      %s\n", line, strings.ReplaceAll(usage, "\n", "\n      "))
	}
	fmt.Fprint(w, "  -h, --help\n      show this help\n")
}

// durationFlag is a duration given as "90s", "15m", "6h" or "2d". It keeps
// the text as typed: workflows read the same syntax.
type durationFlag struct {
	text string
	d    time.Duration
}

func (v *durationFlag) String() string { return v.text }

func (v *durationFlag) Set(s string) error {
	d, err := activities.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return errors.New(`expected a duration such as "90s", "15m", "6h" or "2d"`)
	}
	if d <= 0 {
		return errors.New("expected a positive duration")
	}
	v.text, v.d = strings.TrimSpace(s), d
	return nil
}

func (v *durationFlag) set() bool { return v.text != "" }

// choiceFlag is one of a fixed list of words.
type choiceFlag struct {
	value   string
	choices []string
}

func (v *choiceFlag) String() string {
	if v == nil {
		return ""
	}
	return v.value
}

func (v *choiceFlag) Set(s string) error {
	s = strings.ToLower(strings.TrimSpace(s))
	if !slices.Contains(v.choices, s) {
		return fmt.Errorf("expected one of %s", strings.Join(v.choices, ", "))
	}
	v.value = s
	return nil
}
