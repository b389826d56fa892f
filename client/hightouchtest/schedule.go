package hightouchtest

// Sync schedules: null for manual, else {type, schedule}
// where schedule is one of four variants. The anyOf has no discriminator, so
// the variant is picked by the key it carries, as the reference suggests.

var scheduleSchema = &schema{closed: true, props: []prop{
	{name: "type", kind: kindString, required: true},
	{name: "schedule", kind: kindScheduleVariant, required: true},
}}

var intervalScheduleSchema = &schema{closed: true, props: []prop{
	{name: "interval", kind: kindStruct, required: true, schema: &schema{closed: true, props: []prop{
		{name: "unit", kind: kindString, required: true, enum: []string{"minute", "hour", "day", "week"}},
		{name: "quantity", kind: kindNumber, required: true},
	}}},
}}

var cronScheduleSchema = &schema{closed: true, props: []prop{
	{name: "expression", kind: kindString, required: true},
}}

var weekdaysSchema = func() *schema {
	s := &schema{closed: true}
	for _, day := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		s.props = append(s.props, prop{name: day, kind: kindBool})
	}
	return s
}()

var visualCronScheduleSchema = &schema{closed: true, props: []prop{
	{name: "expressions", kind: kindStructArray, required: true, schema: &schema{closed: true, props: []prop{
		{name: "days", kind: kindStruct, required: true, schema: weekdaysSchema},
		{name: "time", kind: kindString, required: true},
	}}},
}}

var idObjectSchema = &schema{closed: true, props: []prop{{name: "id", kind: kindString, required: true}}}

var dbtScheduleSchema = &schema{closed: true, props: []prop{
	{name: "account", kind: kindStruct, required: true, schema: idObjectSchema},
	{name: "job", kind: kindStruct, required: true, schema: idObjectSchema},
}}

func checkScheduleVariant(key string, v any, d details) (any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		d.addValue(key, "invalid object", v)
		return nil, false
	}
	var variant *schema
	switch {
	case m["interval"] != nil:
		variant = intervalScheduleSchema
	case m["expression"] != nil:
		variant = cronScheduleSchema
	case m["expressions"] != nil:
		variant = visualCronScheduleSchema
	case m["account"] != nil || m["job"] != nil:
		variant = dbtScheduleSchema
	default:
		d.addValue(key, "Could not match the union against any of the items. Expected one of IntervalSchedule, CronSchedule, VisualCronSchedule, DBTSchedule", v)
		return nil, false
	}
	variant.check(key, m, d)
	return m, true
}
