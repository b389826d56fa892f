package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hightouch-temporal/hightouch-temporal/contract"
)

// durationFlag is a duration given as "90s", "15m", "6h" or "2d". It keeps
// the text as typed: workflows read the same syntax.
type durationFlag struct {
	text string
	d    time.Duration
}

func (v *durationFlag) String() string { return v.text }
func (v *durationFlag) Type() string   { return "duration" }

func (v *durationFlag) Set(s string) error {
	d, err := contract.ParseDuration(strings.TrimSpace(s))
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

// choiceFlag sets a string to one of a fixed list of words; help shows the
// list as the flag's value, e.g. --progress bar|line|none.
type choiceFlag struct {
	value   *string
	choices []string
}

// choice binds p, set to def, to the given choices.
func choice(p *string, def string, choices ...string) *choiceFlag {
	*p = def
	return &choiceFlag{value: p, choices: choices}
}

func (v *choiceFlag) String() string { return *v.value }
func (v *choiceFlag) Type() string   { return strings.Join(v.choices, "|") }

func (v *choiceFlag) Set(s string) error {
	s = strings.ToLower(strings.TrimSpace(s))
	if !slices.Contains(v.choices, s) {
		return fmt.Errorf("expected one of %s", strings.Join(v.choices, ", "))
	}
	*v.value = s
	return nil
}
