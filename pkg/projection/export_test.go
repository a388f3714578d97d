package projection

import "context"

// SetBeforeSwap lets a test act between the count check and the swap of
// a replay, e.g. have a live projector write rows the swap must keep.
func SetBeforeSwap(o *ReplayOptions, f func(ctx context.Context)) { o.beforeSwap = f }
