package jobtech

import "github.com/sundflow/sundflow/pkg/event"

var validator = func() *event.Validator {
	v, err := event.NewValidator()
	if err != nil {
		panic(err)
	}
	return v
}()
