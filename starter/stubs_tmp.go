package main

import ("context")

func (a *app) runSync(ctx context.Context, args []string) error { return nil }
func (a *app) runSequence(ctx context.Context, args []string) error { return nil }
func (a *app) runStatus(ctx context.Context, args []string) error { return nil }
func (a *app) runSchedule(ctx context.Context, args []string) error { return nil }
